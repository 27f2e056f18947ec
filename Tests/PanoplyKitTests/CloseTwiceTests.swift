import Foundation
import Testing

@testable import PanoplyKit

/// `close()` called a second time while the first waits (a shutdown that gives up sooner
/// does so): both return, and no record is lost or sent twice.
@Suite("close() twice")
struct CloseTwiceTests {
    static let records = 30

    /// An SDK whose messages hold a few records each, with `records` written.
    static func sdk(_ transport: MockTransport, retry: RetryPolicy) throws -> PanoplySDK {
        var config = Fixture.config(maxMessageBytes: 1024)
        config.retry = retry
        let sdk = try PanoplySDK(config, transport: transport, autoTick: false)
        for id in 1...records { try sdk.write("t", ["id": .number(JSONNumber(id)), "pad": .string(String(repeating: "x", count: 150))]) }
        return sdk
    }

    /// Flush waiters (each close() registers one while it waits).
    static func waiting(_ sdk: PanoplySDK) -> Int { sdk.state.withLock { $0.flushes.count } }

    /// The ids of the records in every message the transport was sent, retries included.
    static func sentIds(_ transport: MockTransport) -> [Int] {
        transport.sent.flatMap { m in
            String(decoding: m.body, as: UTF8.self).split(separator: "\n").compactMap { line -> Int? in
                guard let r = line.range(of: "\"id\":") else { return nil }
                return Int(line[r.upperBound...].prefix { $0.isNumber })
            }
        }
    }

    @Test("two closes waiting at once both return when everything is delivered, each record sent once")
    func bothDelivered() async throws {
        let transport = MockTransport()
        transport.hold()
        let sdk = try Self.sdk(transport, retry: RetryPolicy(maxRetries: 3, base: .milliseconds(1)))
        let first = Task { try await sdk.close() }
        await eventually("the first close waiting") { Self.waiting(sdk) == 1 }
        let second = Task { try await sdk.close(timeout: .seconds(30)) }
        await eventually("both closes waiting") { Self.waiting(sdk) == 2 }
        transport.release()
        try await first.value
        try await second.value
        #expect(Self.sentIds(transport).sorted() == Array(1...Self.records))
        let c = sdk.counters
        #expect((c.records, c.recordsDelivered, c.undelivered, c.buffered) == (Self.records, Self.records, 0, 0))
        #expect(throws: PanoplyError.self) { try sdk.write("t", ["id": 0]) }
    }

    @Test("the shorter deadline ends both closes; the records stay counted as undelivered, none lost or sent twice")
    func shorterDeadlineWins() async throws {
        let transport = MockTransport()
        transport.failAll(TransportError(code: "ServiceUnavailable", message: "try later", status: 503, retryable: true))
        // Every message fails once, then waits a minute before its retry.
        let sdk = try Self.sdk(transport, retry: RetryPolicy(maxRetries: 5, base: .seconds(60), cap: .seconds(60), jitter: .none))
        let first = Task { try await sdk.close() }
        await eventually("the first close waiting") { Self.waiting(sdk) == 1 }
        let second = Task { try await sdk.close(timeout: .milliseconds(300)) }
        let started = ContinuousClock.now
        let secondError = await #expect(throws: PanoplyError.self) { try await second.value }
        let firstError = await #expect(throws: PanoplyError.self) { try await first.value }
        #expect(ContinuousClock.now - started < .seconds(30), "neither close waited for the minute of backoff")
        #expect(secondError?.message.contains("timed out") == true)
        #expect(firstError?.message.contains("not delivered") == true)
        let ids = Self.sentIds(transport)
        #expect(ids.sorted() == Array(1...Self.records), "each record was sent once, and not again after the close")
        let c = sdk.counters
        #expect(c.recordsDelivered == 0)
        #expect(c.undelivered == Self.records)
        #expect(sdk.state.withLock { $0.machine.inventory.failed.reduce(0) { $0 + $1.recordCount } } == Self.records)
    }
}
