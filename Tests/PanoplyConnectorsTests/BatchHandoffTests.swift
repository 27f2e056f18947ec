import Synchronization
import Testing

@testable import PanoplyConnectors

/// The one-slot handoff between the task that streams a query's rows and the source's reads.
@Suite("Batch handoff")
struct BatchHandoffTests {
    @Test("values come out in order; a put waits while the slot is full, until a take makes room")
    func orderAndBound() async throws {
        let h = BatchHandoff<Int>()
        let puts = Mutex(0)
        let producer = Task {
            for i in 1...5 {
                guard await h.put(i) else { return }
                puts.withLock { $0 = i }
            }
        }
        // The first put fills the slot; the second waits for a take.
        try await waitUntil { puts.withLock { $0 } == 1 }
        await Task.yield()
        #expect(puts.withLock { $0 } == 1)
        var got: [Int] = []
        for _ in 1...5 { got.append(await h.take() ?? -1) }
        #expect(got == [1, 2, 3, 4, 5])
        await producer.value
    }

    @Test("close wakes a waiting take with nil and a waiting put with false")
    func closeWakes() async throws {
        let h = BatchHandoff<Int>()
        let taker = Task { await h.take() }
        let full = BatchHandoff<Int>()
        #expect(await full.put(1))
        let putter = Task { await full.put(2) }
        h.close()
        full.close()
        #expect(await taker.value == nil)
        #expect(await putter.value == false)
        #expect(await full.take() == nil)
        #expect(await h.put(3) == false)
    }
}

/// Polls `condition` until it holds, failing after `seconds`.
private func waitUntil(seconds: Double = 10, _ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else { Issue.record("condition not met in \(seconds) s"); return }
        try await Task.sleep(for: .milliseconds(5))
    }
}
