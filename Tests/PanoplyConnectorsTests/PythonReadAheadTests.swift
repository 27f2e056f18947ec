import Foundation
import PanoplyKit
import Synchronization
import Testing

@testable import PanoplyConnectors

/// A Python source's next batch is asked for while the run writes the last one
/// (t_state.py: batch k holds ids 10k-9...10k after state {"last": 10k}). What comes with a
/// batch read ahead reaches the run only when read() returns that batch.
@Suite("Python sources read ahead", .enabled(if: PythonFixtures.available))
struct PythonReadAheadTests {
    @Test("a batch read ahead keeps its state, progress and log back until read() returns it")
    func heldBack() async throws {
        let events = Mutex<[SourceEvent]>([])
        let input = SourceInput(type: "python:t_state", params: ["batches": "4", "announce": "1"])
        let context = SourceContext(input: input) { e in events.withLock { $0.append(e) } }
        let opened = try await PythonFixtures.kind("t_state").open(source: input, context: context)
        let source = try #require(opened as? PythonSource)
        var k = 0
        while let batch = try await source.read(10) {
            k += 1
            #expect(batch.compactMap { $0["id"]?.intValue } == Array(10 * k - 9...10 * k))
            // The next batch (and its state) has been read ahead: its stderr line ("batch k+1
            // ready", passed on at once) came after its state, progress and log lines on
            // stdout. None of those is passed on yet.
            if k < 4 { try await Self.waitFor(SourceEvent.log("batch \(k + 1) ready"), in: events) }
            #expect(context.mergedState["last"] == .number(JSONNumber(10 * k)))
            #expect(context.currentStateId == "batch-\(k)")
            let seen = events.withLock { $0 }.filter { ![SourceEvent.log("batch \(k + 1) ready"), .log("batch \(k) ready")].contains($0) }
            #expect(seen.last == .log("read batch \(k)"), "\(seen.suffix(3))")
            #expect(seen.filter { if case .progress = $0 { true } else { false } }.count == k)
        }
        await source.close()
        #expect(k == 4)
    }

    /// Waits (up to 10 s) until `event` was passed on.
    static func waitFor(_ event: SourceEvent, in events: borrowing Mutex<[SourceEvent]>) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !events.withLock({ $0.contains(event) }) {
            guard ContinuousClock.now < deadline else {
                Issue.record("\(event) was not passed on within 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("cancelled while a batch is read ahead, the committed state covers only delivered records")
    func cancelledAhead() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(try PythonFixtures.kind("t_state"), ["batches": "9", "hang_at": "5"], batchSize: 10) { event, runner in
            if case .log("hanging in batch 5") = event { runner.cancel() }
        }
        #expect(out.summary.status == .cancelled)
        let ids = try h.deliveredIds()
        #expect(holdsEachOnce(ids, ids.count) && ids.count <= 40, "\(ids)")
        // Batch 5 was asked for when batch 4 came, so batch 3 was written by then.
        let last = try #require(try h.savedState()?["last"]?.intValue)
        #expect(last >= 30 && last <= ids.count, "state \(last) committed with \(ids.count) records delivered")
    }

    @Test("a read ahead that fails retryably is retried once, losing and repeating nothing")
    func retriedAhead() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(try PythonFixtures.kind("t_state"), ["batches": "6", "flaky_at": "3"], batchSize: 10)
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error))")
        #expect(out.retries == 1)
        #expect(out.logs.contains { $0.contains("batch 3 is not ready") })
        #expect(try h.deliveredIds() == Array(1...60))
        #expect(try h.savedState()?["last"] == 60)
    }
}
