import Testing

@testable import PanoplyKit
@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A run of 20,000 rows that failed after 8,000 read (6,000 delivered), retried with `r`,
/// and completed on attempt 2 with 12,000 more.
func retriedDriver(completed: Bool = true) -> Driver {
    var d = runningDriver(lines: 3)
    d.send(
        .tick(4.2), .run(1, .failed(PanoplyError(.internal, "demo failure at row 8001 (fail_mode=fatal)"))),
        .runClosed(1, error: nil), .tick(5))
    d.keys(.char("r"))
    var c = SDKCounters()
    c.records = 12_000
    c.recordsDelivered = 12_000
    c.sends = 7
    c.messages = 7
    c.bytes = 1_620_000
    d.send(
        .run(2, .started(attempt: 2, resumedFrom: ["demo": ["next_id": 6001]])), .tick(6),
        .run(2, .progress(loaded: 14_000, total: 20_000, message: "14000/20000 rows")), .run(2, .counters(c)),
        .run(2, .log("read batch 4")), .tick(7.5))
    guard completed else { return d }
    d.send(
        .run(2, .progress(loaded: 20_000, total: 20_000, message: "20000/20000 rows")),
        .run(
            2,
            .completed(
                RunSummary(
                    status: .done, recordsRead: 12_000, counters: c, seconds: 2.5,
                    state: ["demo": ["next_id": 20_001]], error: nil))))
    return d
}

@Suite struct RetryAttemptsTests {
    @Test("a retry keeps the failed attempt's log above a divider, then says it retries")
    func theLogKeepsBothAttempts() throws {
        let d = retriedDriver()
        let texts = try #require(d.run).log.lines.map(\.text)
        let failure = try #require(texts.firstIndex { $0.hasPrefix("failed: demo failure at row 8001") })
        let divider = try #require(texts.firstIndex(of: RunState.divider(attempt: 2)))
        #expect(texts.first == "starting")
        #expect(failure < divider)
        #expect(texts[divider + 1] == "retrying (attempt 2) from the committed state")
        #expect(texts.last?.hasPrefix("completed: 12000 records read") == true)
    }

    @Test("the counts of a retried run cover every attempt, on the run view, the list and in the history")
    func countsCoverTheWholeRun() throws {
        var d = retriedDriver(completed: false)
        #expect(d.run?.counters.records == 20_000)
        #expect(d.run?.counters.recordsDelivered == 18_000)
        #expect(d.run?.counters.sends == 20)
        d = retriedDriver()
        let r = try #require(d.run)
        #expect(r.status == .done)
        #expect(r.counters.records == 20_000 && r.recordsRead == 20_000)
        #expect(r.startedAt == d.state.runs[0].startedAt, "times count from the run's start")
        // The history shows the run once, as its last attempt, with the failed one behind it.
        let history = d.state.runHistory(of: "Demo")
        #expect(history.map(\.status) == [.done])
        #expect(history[0].attempt == 2 && history[0].delivered == 18_000 && history[0].recordsRead == 20_000)
        let earlier = d.state.earlierAttempts(of: history[0], in: "Demo")
        #expect(earlier.map(\.status) == [.failed] && earlier[0].started == history[0].started)
        #expect(history[0].log.contains { $0.contains("failed: demo failure") })
        d.keys(.escape)
        let list = render(d.state, width: 80, height: 24)
        // The list shows the whole run's count (read or delivered), not attempt 2's 12,000.
        #expect(list.text.contains("20,000") || list.text.contains("18,000"), "\(list.text)")
        #expect(!list.text.contains("12,000"), "\(list.text)")
    }

    @Test(arguments: [(60, 16), (80, 24), (120, 40)])
    func aRetriedRunShowsBothAttempts(size: (Int, Int)) {
        var d = retriedDriver()
        d.send(.resize(width: size.0, height: size.1))
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "retried.\(size.0)x\(size.1)")
    }

    @Test(arguments: [(60, 16), (80, 24), (120, 40)])
    func theHistoryShowsTheRetriedRunOnceWithItsAttempts(size: (Int, Int)) {
        var d = retriedDriver()
        d.keys(.escape, .char("h"))
        d.send(.resize(width: size.0, height: size.1))
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "retriedHistory.\(size.0)x\(size.1)")
        d.keys(.enter)
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "retriedHistoryDetail.\(size.0)x\(size.1)")
    }
}
