import Foundation
import Synchronization
import Testing

@testable import PanoplyKit

/// Liveness and robustness of the delivery path (issue 25); each test failed before its fix.
@Suite("Delivery liveness")
struct DeliveryLivenessTests {
    static let big = String(repeating: "x", count: 900)

    /// An SDK whose buffer (1000 bytes) is full of messages the destination never answers.
    static func fullSDK(_ transport: GateTransport) async throws -> PanoplySDK {
        var config = Fixture.config()
        config.maxBufferedBytes = 1000
        let sdk = try PanoplySDK(config, transport: transport, autoTick: false)
        try sdk.write("t", ["s": .string(big)])
        await sdk.sealAndSend()
        try sdk.write("t", ["s": .string(big)])
        #expect(!sdk.hasCapacity)
        return sdk
    }

    /// Starts `wait` in a task, cancels it (once it is blocked on room, or before it
    /// starts waiting when `early`), and checks it ended at once with `CancellationError`,
    /// leaving no waiter behind.
    static func expectCancelWakes(
        _ sdk: PanoplySDK, _ transport: GateTransport, early: Bool = false,
        _ wait: @escaping @Sendable () async throws -> Void
    ) async {
        let ended = Mutex<Result<Void, Error>?>(nil)
        let waiter = Task {
            if early { while !Task.isCancelled { await Task.yield() } }
            let r = await Result(awaiting: wait)
            ended.withLock { $0 = r }
        }
        if !early { await eventually("the writer to wait for room") { sdk.state.withLock { $0.writers.count } == 1 } }
        waiter.cancel()
        await eventually("the cancelled writer to end", timeout: .seconds(2)) { ended.withLock { $0 != nil } }
        if ended.withLock({ $0 == nil }) { transport.openAll() }  // unblock it, so the test ends (and fails)
        await waiter.value
        let error = ended.withLock { $0?.failure }
        #expect(error is CancellationError, "the cancelled write ends with CancellationError, not \(String(describing: error))")
        #expect(sdk.state.withLock { $0.writers.count } == 0, "no continuation is left behind")
        #expect(sdk.state.withLock { $0.machine.waitingWriters } == 0, "no waiter id is left behind")
    }

    @Test("cancelling a writeWithBackpressure blocked on a full buffer wakes it at once")
    func cancelWakesBlockedWrite() async throws {
        let transport = GateTransport()
        let sdk = try await Self.fullSDK(transport)
        await Self.expectCancelWakes(sdk, transport) { _ = try await sdk.writeWithBackpressure("t", ["s": .string(Self.big)]) }
        // The SDK still works: room comes and a new writer gets it.
        transport.openAll()
        _ = try await sdk.writeWithBackpressure("t", ["s": "after"])
        try await sdk.close()
        #expect(sdk.counters.records == 3)
    }

    @Test("cancelling the runner's wait for room (encoded records) wakes it at once")
    func cancelWakesWaitForRoom() async throws {
        let transport = GateTransport()
        let sdk = try await Self.fullSDK(transport)
        await Self.expectCancelWakes(sdk, transport) { try await sdk.waitForRoom() }
        transport.openAll()
        try await sdk.close()
    }

    @Test("a task cancelled before it waits for room throws at once instead of waiting")
    func alreadyCancelledDoesNotWait() async throws {
        let transport = GateTransport()
        let sdk = try await Self.fullSDK(transport)
        await Self.expectCancelWakes(sdk, transport, early: true) { try await sdk.waitForRoom() }
        transport.openAll()
        try await sdk.close()
    }

    @Test("writers cancelled while room comes are resumed exactly once", arguments: 0..<20)
    func cancelRacingRoom(round: Int) async throws {
        let transport = GateTransport()
        let sdk = try await Self.fullSDK(transport)
        let writers = (0..<4).map { i in
            Task { _ = try await sdk.writeWithBackpressure("t", ["i": .number(JSONNumber(i))]) }
        }
        await eventually("the writers to wait") { sdk.state.withLock { $0.writers.count } == 4 }
        if round.isMultiple(of: 2) { transport.openAll() }
        for w in writers { w.cancel() }
        if !round.isMultiple(of: 2) { transport.openAll() }
        for w in writers { _ = await w.result }  // a double resume would crash here
        #expect(sdk.state.withLock { $0.writers.count } == 0)
        try await sdk.close()
    }

    @Test("a transport that answers fewer results than messages: the unanswered ones are retried and flush completes")
    func fewerResultsAreRetried() async throws {
        let clock = ManualClock()
        let transport = MockTransport()
        transport.hold()
        // The first batch call answers only its first message; later calls behave.
        transport.respond { call, ms in
            .results(ms.prefix(call == 1 ? 1 : ms.count).map { .success("id-\($0.number)") })
        }
        let sdk = try PanoplySDK(Fixture.config(concurrency: 1), transport: transport, now: clock.read, autoTick: false)
        for i in 1...4 {
            try sdk.write("t", ["id": .number(JSONNumber(i))])
            clock.advance(.seconds(3))
            sdk.tick()
            if i == 1 { await eventually("the first message to be sent") { transport.calls.count == 1 } }
        }
        transport.release()
        let flushed = Task { try await sdk.flush() }
        await eventually("flush to complete", timeout: .seconds(5)) { sdk.counters.recordsDelivered == 4 }
        if sdk.counters.recordsDelivered < 4 { flushed.cancel() }
        _ = await flushed.result
        #expect(transport.calls.map { $0.map(\.number) } == [[1], [2, 3, 4], [3, 4]])
        let c = sdk.counters
        #expect((c.recordsDelivered, c.messages, c.inFlight, c.undelivered) == (4, 4, 0, 0))
        #expect((c.retries, c.errors) == (1, 1), "the missing results count as one retried failure")
        try await sdk.close(timeout: .seconds(5))
    }

    @Test("a transport that keeps answering too few results ends in undelivered records, not a hang")
    func fewerResultsForGood() async throws {
        let transport = MockTransport()
        transport.respond { _, _ in .results([]) }
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        try sdk.write("t", ["id": 1])
        let outcome = Task { try await sdk.flush() }
        await eventually("flush to end", timeout: .seconds(5)) { sdk.counters.undelivered == 1 }
        if sdk.counters.undelivered == 0 { outcome.cancel() }
        let error = await outcome.result.failure as? PanoplyError
        #expect(error?.message.contains("1 record in 1 message was not delivered") == true, "\(String(describing: error))")
        #expect(error?.message.contains("no result") == true, "the error says the destination gave no result: \(String(describing: error))")
        #expect(transport.calls.count == 4, "1 attempt + 3 retries")
    }
}

extension PanoplySDK {
    /// Seals the open message and waits until it is in flight (not for its answer).
    func sealAndSend() async {
        let (_, r) = state.withLock { s in
            let (t, a) = s.machine.flushRequested()
            return (t, s.take(a))
        }
        perform(r)
        await eventually("the message to be in flight") { counters.inFlight > 0 }
    }
}

extension Result where Failure == Error {
    init(awaiting body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
