import Foundation
import Synchronization
import Testing

@testable import PanoplyKit

/// A moto_server on a given port, started by a test (with its queue created before it listens).
final class MotoProcess {
    let process = Process()

    /// Creates `queue` in moto's backend first, so no request can find the queue missing.
    static let launcher = """
        import sys
        from moto.sqs.models import sqs_backends
        sqs_backends["123456789012"]["us-east-1"].create_queue(sys.argv[2])
        from moto.server import main
        main(["-H", "127.0.0.1", "-p", sys.argv[1]])
        """

    init(port: Int, queue: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.launcher, String(port), queue]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// SIGTERM, and SIGKILL if it is still running 1 s later (moto's server does not
    /// always exit on SIGTERM once it has served requests).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(1)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

extension MotoIntegrationTests {
    @Test("outage: records written while nothing listens all arrive once moto comes up on that port")
    func outage() async throws {
        let port = freeLocalPort()
        let name = queueName("outage")
        let queue = "http://127.0.0.1:\(port)/123456789012/\(name)"
        var config = Self.config(queueURL: queue, .query)
        config.maxMessageBytes = 16_384
        config.flushInterval = .milliseconds(200)
        config.retry = RetryPolicy(maxRetries: 1_000, base: .milliseconds(50), cap: .milliseconds(500))
        let sdk = try PanoplySDK(config)
        let maxAttempt = Mutex(0)
        sdk.on(.error) { e in
            if case .error(let info) = e, info.willRetry {
                maxAttempt.withLock { $0 = max($0, info.messages.map(\.attempt).max() ?? 0) }
            }
        }
        let half = 10_000
        for i in 1...half { try sdk.write("events", ["id": .number(JSONNumber(i)), "phase": "before"]) }
        await eventually("sends to fail a few times while nothing listens", timeout: .seconds(30)) {
            maxAttempt.withLock { $0 } >= 4
        }
        for i in (half + 1)...(2 * half) { try sdk.write("events", ["id": .number(JSONNumber(i)), "phase": "during"]) }
        #expect(sdk.counters.recordsDelivered == 0, "nothing can be delivered while the port is closed")
        #expect(sdk.counters.errors >= 4)

        let moto = try MotoProcess(port: port, queue: name)
        defer { moto.stop() }
        try await sdk.close(timeout: .seconds(180))
        let c = sdk.counters
        #expect(c.recordsDelivered == 2 * half)
        #expect(c.undelivered == 0)
        #expect(c.retries > 0)

        let drained = try await SQSTestClient(endpoint: "http://127.0.0.1:\(port)").drain(queue, expected: 2 * half)
        #expect(drained.records == 2 * half)
        #expect(drained.missing == 0)
        #expect(drained.duplicates == 0)
        print("moto outage: \(c.summary)")
    }
}
