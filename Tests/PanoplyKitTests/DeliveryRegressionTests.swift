import Foundation
import Synchronization
import Testing

@testable import PanoplyKit

/// One test per delivery bug found in review (issue 12); each failed before its fix.
@Suite("Delivery regressions")
struct DeliveryRegressionTests {
    static func machine(spooling: Bool = true, maxBufferedBytes: Int = 1 << 20) -> DeliveryState {
        DeliveryState(
            batcher: Batcher(bodyLimit: 256, flushInterval: .seconds(60)), spooling: spooling,
            maxBufferedBytes: maxBufferedBytes, maxBatchCount: 1, maxBatchBytes: 1 << 20)
    }

    static func write(_ s: inout DeliveryState, _ id: Int) throws -> DeliveryState.Actions {
        switch try s.write(now: .zero, table: "t", encode: { $0 += Array("{\"id\":\(id)}".utf8) }) {
        case .written: return .init()
        case .sealed(_, let a): return a
        case .full:
            Issue.record("buffer full")
            return .init()
        }
    }

    /// Finding 1: a message sealed while its spool write is under way (the fsync gap) is
    /// unacknowledged from the moment it is sealed.
    @Test("a sealed message still being spooled is not counted delivered when the one before it is acknowledged")
    func sealedWhileSpooling() throws {
        var s = Self.machine()
        _ = try Self.write(&s, 1)
        let first = try #require(s.flushRequested().actions.store.first)
        _ = s.spooled(first)
        guard case .batch(let batch) = s.workWanted(by: 1) else { Issue.record("no batch"); return }
        _ = try Self.write(&s, 2)
        let second = try #require(s.flushRequested().actions.store.first)  // spool write in progress
        _ = s.acknowledged(batch[0])
        #expect(s.deliveredThrough == 1, "record 2 is in a message that was never sent")
        _ = s.spooled(second)
        guard case .batch(let next) = s.workWanted(by: 2) else { Issue.record("no batch"); return }
        _ = s.acknowledged(next[0])
        #expect(s.deliveredThrough == 2)
    }

    @Test("acknowledgements out of order do not cover the message still in flight")
    func acknowledgedOutOfOrder() throws {
        var s = Self.machine(spooling: false)
        _ = try Self.write(&s, 1)
        _ = s.flushRequested()
        _ = try Self.write(&s, 2)
        _ = s.flushRequested()
        guard case .batch(let a) = s.workWanted(by: 1), case .batch(let b) = s.workWanted(by: 2) else { Issue.record("no batch"); return }
        _ = s.acknowledged(b[0])
        #expect(s.deliveredThrough == 0)
        _ = s.acknowledged(a[0])
        #expect(s.deliveredThrough == 2)
    }

    /// Finding 2: a write racing `close()` used to start a message that nothing sealed.
    @Test("a write while close() is delivering is refused, and records= counts only what was sent")
    func writeRacingClose() async throws {
        let transport = GateTransport()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        try sdk.write("t", ["id": 1])
        let closing = Task { try await sdk.close() }
        await eventually("close to send the open message") { transport.arrived == [1] }
        let refused = panoplyError { try sdk.write("t", ["id": 2]) }
        #expect(refused?.message.contains("closing or closed") == true)
        transport.openAll()
        try await closing.value
        #expect(sdk.counters.records == 1)
        #expect(sdk.counters.recordsDelivered == 1)
        #expect(transport.arrived == [1])
    }

    /// Finding 3: a wake-up without room used to make writeWithBackpressure throw 429.
    @Test("writeWithBackpressure waits again when it wakes without room, instead of throwing buffer full")
    func backpressureWaitsAgain() async throws {
        let transport = GateTransport()
        var config = Fixture.config(concurrency: 2)
        config.maxBufferedBytes = 1000
        let clock = ManualClock()
        let sdk = try PanoplySDK(config, transport: transport, now: clock.read, autoTick: false)
        let big = String(repeating: "x", count: 900)
        try sdk.write("t", ["s": "small"])
        clock.advance(config.flushInterval)
        sdk.tick()  // message 1: small
        try sdk.write("t", ["s": .string(big)])
        clock.advance(config.flushInterval)
        sdk.tick()  // message 2: big
        try sdk.write("t", ["s": .string(big)])  // open: the buffer is full now
        await eventually("both messages sent") { transport.arrived.count == 2 }
        #expect(!sdk.hasCapacity)
        let done = Tally()
        let writers = (0..<2).map { _ in
            Task {
                let seq = try await sdk.writeWithBackpressure("t", ["s": .string(big)])
                done.add()
                return seq
            }
        }
        await eventually("both writers waiting") { sdk.state.withLock { $0.writers.count } == 2 }
        transport.open(1)  // frees too little for a big record
        await eventually("the writers woken and waiting again") {
            sdk.counters.recordsDelivered == 1 && sdk.state.withLock { $0.writers.count } == 2
        }
        transport.openAll()
        // Each writer's record fills the buffer again: flush until both got room.
        let deadline = ContinuousClock.now + .seconds(10)
        while done.count < 2, ContinuousClock.now < deadline {
            try await sdk.flush()
            await Task.yield()
        }
        for w in writers { _ = try await w.value }
        try await sdk.close()
        #expect(sdk.counters.recordsDelivered == 5)
    }
}

/// A count shared with tasks.
final class Tally: Sendable {
    private let n = Mutex(0)
    func add() { n.withLock { $0 += 1 } }
    var count: Int { n.withLock { $0 } }
}
