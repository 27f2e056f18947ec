import Foundation
import PanoplyKit
import Testing

/// One way the network or SQS breaks, as faultproxy.py injects it.
struct Fault: Sendable, CustomTestStringConvertible {
    var mode: String
    var count = 0
    var seconds = 0.0
    var hold = 0.0
    var testDescription: String { mode }

    static let all: [Fault] = [
        Fault(mode: "refuse", seconds: 2),
        Fault(mode: "hang", count: 4, hold: 3),
        Fault(mode: "reset", count: 8),
        Fault(mode: "http500", count: 8),
        Fault(mode: "http503", count: 8),
        Fault(mode: "throttle", count: 8),
        Fault(mode: "batchfail", count: 8)
    ]
}

@Suite("Faults between the SDK and SQS", .serialized, .enabled(if: Moto.available, Moto.skipMessage))
struct FaultTests {
    static let records = 20_000

    /// A fresh queue on moto, the proxy in front of it, and an SDK sending through it.
    struct Rig {
        let proxy: FaultProxy
        let motoQueue: String
        let sdk: PanoplySDK
    }

    /// - Parameter requestTimeout: short only where hung requests must be given up on
    ///   quickly; moto can take seconds to answer, and a timed-out request that moto did
    ///   process is resent (a duplicate, as at-least-once allows).
    static func rig(_ proto: SQSProtocol, spool: String? = nil, requestTimeout: TimeInterval = 15) throws -> Rig {
        let creds = try Moto.credentials()
        let motoQueue = try Moto.createQueue(creds.queueName)
        let proxy = try FaultProxy(upstream: try Moto.endpoint())
        var config = SDKConfiguration(credentials: creds, destination: .queueURL(proxy.queueURL(motoQueue)))
        config.awsCredentials = Moto.aws
        config.sqsProtocol = proto
        config.maxMessageBytes = 4096  // ~60 records a message: hundreds of requests
        config.flushInterval = .milliseconds(200)
        config.concurrency = 4
        config.retry = RetryPolicy(maxRetries: 30, base: .milliseconds(20), cap: .milliseconds(500))
        config.spoolDirectory = spool
        let transport = try SQSTransport(
            queueURL: URL(string: proxy.queueURL(motoQueue))!, sqsProtocol: proto,
            attributes: config.attributes, awsCredentials: Moto.aws, region: "us-east-1",
            concurrency: config.concurrency, useBatch: true, requestTimeout: requestTimeout)
        return Rig(proxy: proxy, motoQueue: motoQueue, sdk: try PanoplySDK(config, transport: transport))
    }

    static func record(_ i: Int) -> JSONObject {
        ["id": .number(JSONNumber(i)), "name": .string("user \(i)"), "ok": true]
    }

    @Test(
        "every record arrives through a fault that lasts a while, then clears",
        arguments: Fault.all, [SQSProtocol.query, .json])
    func everyRecordArrivesThroughAFault(fault: Fault, proto: SQSProtocol) async throws {
        let rig = try Self.rig(proto, requestTimeout: fault.mode == "hang" ? 1 : 15)
        defer { rig.proxy.stop() }
        let errors = ErrorLog()
        rig.sdk.on(.error) { if case .error(let e) = $0 { errors.add(e) } }
        try await rig.proxy.fault(fault.mode, count: fault.count, seconds: fault.seconds, hold: fault.hold)
        if fault.mode == "refuse" {
            try waitUntil("the proxy to refuse connections", within: .seconds(5)) { !canConnect(port: rig.proxy.dataPort) }
        }

        for i in 1...Self.records {
            try await rig.sdk.writeWithBackpressure("events", Self.record(i))
        }
        try await rig.sdk.close(timeout: .seconds(120))

        let stats = try await rig.proxy.stats()
        let delivery = try Moto.drain(rig.motoQueue, expect: Self.records)
        let c = rig.sdk.counters
        print("fault \(fault.mode)/\(proto): \(delivery); sdk \(c.summary); proxy \(stats)")
        #expect(delivery.isComplete(Self.records), "\(delivery)")
        #expect(delivery.tables == ["events"])
        #expect(c.recordsDelivered == Self.records && c.undelivered == 0)
        #expect(c.retries > 0, "the fault was never hit: \(stats)")
        #expect(errors.permanent == 0, "errors reported as permanent: \(errors.sample)")
        if fault.mode != "refuse" {
            #expect((stats["faulted"] as? Int ?? 0) >= max(1, fault.count / 2), "\(stats)")
        }
        if fault.mode == "batchfail" {
            #expect((stats["entries_failed"] as? Int ?? 0) > 0, "no batch entry was failed: \(stats)")
            #expect(delivery.duplicates == 0, "failed entries are resent alone: \(delivery)")
        }
    }

    @Test("a destination that stays down keeps the records: close reports them and the spool holds them")
    func aDestinationThatStaysDownKeepsRecords() async throws {
        let spool = try temporaryDirectory().appendingPathComponent("spool").path
        let rig = try Self.rig(.query, spool: spool)
        defer { rig.proxy.stop() }
        try await rig.proxy.fault("http503")
        for i in 1...2_000 { try await rig.sdk.writeWithBackpressure("events", Self.record(i)) }
        do {
            try await rig.sdk.close(timeout: .seconds(2))
            Issue.record("close succeeded while every request failed")
        } catch let e as PanoplyError {
            #expect(e.message.contains("2000 records were not delivered"), "\(e.message)")
        }
        let spooled = try spooledRecords(spool)
        #expect(spooled == 2_000, "records in the spool: \(spooled)")

        // A new SDK with the same spool delivers them once the destination is back.
        try await rig.proxy.pass()
        var config = rig.sdk.configuration
        config.spoolDirectory = spool
        let again = try PanoplySDK(config)
        try await again.close(timeout: .seconds(60))
        let delivery = try Moto.drain(rig.motoQueue, expect: 2_000)
        print("stays down, then recovered from spool: \(delivery)")
        #expect(delivery.isComplete(2_000), "\(delivery)")
        #expect(try spooledRecords(spool) == 0)
    }
}

/// Error events seen by a handler.
final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [SDKErrorInfo] = []

    func add(_ e: SDKErrorInfo) { lock.lock(); events.append(e); lock.unlock() }
    var permanent: Int { lock.lock(); defer { lock.unlock() }; return events.filter { !$0.willRetry }.count }
    var sample: String {
        lock.lock(); defer { lock.unlock() }; return events.filter { !$0.willRetry }.prefix(3).map { $0.error.message }.joined(separator: " | ")
    }
}

/// Records in the `.msg` files of a spool folder (each record ends with a blank line).
func spooledRecords(_ dir: String) throws -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    var n = 0
    for name in names where name.hasSuffix(".msg") {
        guard let d = FileManager.default.contents(atPath: dir + "/" + name) else { continue }
        var prev: UInt8 = 0
        for b in d {
            if b == 0x0A && prev == 0x0A { n += 1; prev = 0; continue }
            prev = b
        }
    }
    return n
}

/// Whether a TCP connection to 127.0.0.1:port is accepted.
func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
