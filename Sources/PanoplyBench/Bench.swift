import Foundation
import PanoplyKit

/// A transport that acknowledges every message at once: write() alone, no network.
struct DropTransport: MessageTransport {
    let maxBatchCount = 1
    let maxBatchBytes = Int.max
    func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        messages.map { _ in .success("x") }
    }
}

struct BenchResult {
    var fields: [(String, String)] = []
    mutating func add(_ k: String, _ v: Double) { fields.append((k, String(format: "%.4f", v))) }
    mutating func add(_ k: String, _ v: Int) { fields.append((k, String(v))) }
    var json: String { "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}" }
}

enum Bench {
    /// The vectors' credentials, so both SDKs carry the same message attributes.
    static let credentials = try! PanoplyCredentials(
        apiKey: "acme/r1key",
        apiSecret: "cm5kMmFiYy8wZjhlNWIyYy0xMTExLTIyMjItMzMzMy00NDQ0NTU1NTY2NjYvMTIzNDU2Nzg5MDEyL3VzLWVhc3QtMQ==")

    /// write(), waiting when the buffer is full (the check costs nothing on the fast path).
    @inline(__always)
    static func write(_ sdk: PanoplySDK, _ record: JSONObject) async throws {
        do { try sdk.write(BenchRecords.table, record) } catch let e as PanoplyError where e.code == 429 {
            await sdk.waitForCapacity()
            try sdk.write(BenchRecords.table, record)
        }
    }

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    static func seconds(since t: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - t
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func write(records n: Int) async throws -> BenchResult {
        let records = BenchRecords.make(count: 1000)
        let sdk = try PanoplySDK(
            SDKConfiguration(credentials: credentials, destination: .outbox("/nonexistent")),
            transport: DropTransport())
        var bytes = 0
        do {
            var probe: [UInt8] = []
            try JSONWriter.write(.object(records[0].merging(["__table": .string(BenchRecords.table)])), into: &probe)
            bytes = probe.count
        }
        let cpu0 = cpuSeconds()
        let t0 = ContinuousClock.now
        for i in 0..<n { try await write(sdk, records[i % 1000]) }
        let wall = seconds(since: t0)
        let cpu = cpuSeconds() - cpu0
        try await sdk.close()
        var r = BenchResult()
        r.add("records", n)
        r.add("record_bytes", bytes)
        r.add("seconds", wall)
        r.add("cpu_seconds", cpu)
        r.add("records_per_s", Double(n) / wall)
        r.add("messages", Int(sdk.counters.messages))
        return r
    }

    static func endToEnd(records n: Int, queueURL: URL, sqsProtocol: SQSProtocol, concurrency: Int, batch: Bool) async throws -> BenchResult {
        let records = BenchRecords.make(count: 1000)
        var config = SDKConfiguration(credentials: credentials, destination: .queueURL(queueURL.absoluteString))
        config.awsCredentials = AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")
        config.sqsProtocol = sqsProtocol
        config.concurrency = concurrency
        config.useSendMessageBatch = batch
        let sdk = try PanoplySDK(config)
        let errors = Counter()
        sdk.on(.error) { _ in errors.increment() }
        let cpu0 = cpuSeconds()
        let t0 = ContinuousClock.now
        for i in 0..<n { try await write(sdk, records[i % 1000]) }
        try await sdk.flush()
        let wall = seconds(since: t0)
        let cpu = cpuSeconds() - cpu0
        let c = sdk.counters
        try await sdk.close()
        var r = BenchResult()
        r.add("records", n)
        r.add("seconds", wall)
        r.add("cpu_seconds", cpu)
        r.add("records_per_s", Double(n) / wall)
        r.add("messages", Int(c.messages))
        r.add("bytes", Int(c.bytes))
        r.add("errors", errors.value)
        r.add("retries", Int(c.retries))
        return r
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

extension JSONObject {
    func merging(_ other: JSONObject) -> JSONObject {
        var o = self
        o.merge(other)
        return o
    }
}
