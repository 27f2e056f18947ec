import PanoplyConnectors
import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// A record of a run that started at `started` (Unix seconds).
func record(
    _ status: RunStatus, started: Double, seconds: Double = 65, delivered: Int = 20000, error: String? = nil,
    origin: String = "ui"
) -> RunRecord {
    var c = SDKCounters()
    c.recordsDelivered = delivered
    c.messages = 11
    return RunRecord(
        started: started, ended: started + seconds, status: status, recordsRead: delivered, counters: c,
        error: error.map { PanoplyError(.internal, $0) }, origin: origin,
        log: ["[00:00] starting", "[00:01] read batch 1"] + (error.map { ["[01:05] failed: \($0)"] } ?? ["[01:05] completed"]))
}

/// 2026-12-01 08:00:00 UTC.
let historyEpoch = 1_796_112_000.0

/// The list with "Orders" having two recorded runs (a failed one, then a done one).
func historyState() -> AppState {
    var s = makeState(saved: [SavedSource(name: "Orders", type: "demo", values: ["rows": "500"], lastStatus: .done)])
    s.history["Orders"] = [
        record(.failed, started: historyEpoch, seconds: 12, delivered: 9000, error: "demo failure at row 9000 (fail_mode=fatal)"),
        record(.done, started: historyEpoch + 3600, origin: "cli")
    ]
    return s
}

@Suite struct HistoryReducerTests {
    @Test func hOpensTheSelectedSourcesHistoryNewestFirst() {
        var d = Driver(historyState())
        d.keys(.char("h"))
        #expect(d.state.screen == .history(HistoryScreen(source: "Orders")))
        #expect(d.state.runHistory(of: "Orders").map(\.status) == [.done, .failed])
    }

    @Test func hOnASourceTypeSaysOnlySavedSourcesHaveOne() {
        var d = Driver(historyState())
        d.keys(.down, .char("h"))
        #expect(d.state.screen == .list)
        #expect(d.state.notice == "only saved sources have a history")
    }

    @Test func hOnASourceWithNoRecordedRunSaysSoAndStaysOnTheList() {
        let before = makeState(saved: [SavedSource(name: "Fresh", type: "demo", values: [:])])
        var d = Driver(before)
        #expect(d.keys(.char("h")).isEmpty)
        #expect(d.state.screen == .list)
        #expect(d.state.notice == "Fresh has no run history yet")
        #expect(!helpBarItems(d.state).contains { $0.what == "history" })
    }

    @Test func hWhileTheFirstRunGoesPointsAtItAndOpensTheHistoryOnceItEnded() {
        var d = Driver(makeState(saved: [SavedSource(name: "Fresh", type: "demo", values: [:])]))
        d.keys(.char("F"), .escape, .char("h"))
        #expect(d.state.screen == .list)
        #expect(d.state.notice == "Fresh has no finished run yet: v views the one running")
        d.send(.run(1, .failed(PanoplyError(.internal, "boom"))))
        d.keys(.char("h"))
        #expect(d.state.screen == .history(HistoryScreen(source: "Fresh")))
    }

    @Test func arrowsMoveEnterShowsTheRunAndEscGoesBackStepByStep() {
        var d = Driver(historyState())
        d.keys(.char("h"), .down, .down)
        #expect(d.state.screen == .history(HistoryScreen(source: "Orders", selection: 1)))
        d.keys(.enter)
        #expect(d.state.screen == .history(HistoryScreen(source: "Orders", selection: 1, detail: true)))
        d.keys(.escape)
        #expect(d.state.screen == .history(HistoryScreen(source: "Orders", selection: 1)))
        d.keys(.escape)
        #expect(d.state.screen == .list)
    }

    @Test func aRunThatEndsIsRecordedWithItsRealTimesCountersAndLogTail() {
        var state = makeState()
        state.epochOrigin = historyEpoch
        var d = Driver(state)
        d.keys(.enter)
        d.type("20000")
        d.keys(.ctrl("s"))
        var c = SDKCounters()
        c.records = 9000
        c.recordsDelivered = 8500
        c.retries = 2
        d.send(.tick(2), .run(1, .counters(c)), .run(1, .log("read batch 1")), .tick(5))
        let fx = d.send(.run(1, .failed(PanoplyError(.auth, "token revoked"))))
        guard case .recordRun("Demo", let r)? = fx.last else {
            Issue.record("no record in \(fx)")
            return
        }
        #expect(r.started == historyEpoch && r.ended == historyEpoch + 5)
        #expect(r.status == .failed && r.delivered == 8500 && r.recordsRead == 9000 && r.retries == 2)
        #expect(r.error == "token revoked" && r.errorCategory == "auth" && r.origin == "ui")
        #expect(r.log.first == "[00:00] starting")
        #expect(r.log.contains("[00:02] read batch 1"))
        #expect(d.state.history["Demo"]?.count == 1)
        #expect(d.state.lastRecord(of: "Demo") == r)
    }

    @Test func theHistoryKeepsTheLast50RunsAndEachKeepsItsLast200LogLines() {
        var runs: [RunRecord] = []
        for i in 0..<60 { runs.appendKeepingLast(record(.done, started: Double(i))) }
        #expect(runs.count == 50)
        #expect(runs.first?.started == 10)
        let long = RunRecord(started: 0, ended: 1, status: .done, origin: "ui", log: (1...500).map { "line \($0)" })
        #expect(long.log.count == 200 && long.log.first == "line 301")
    }

    @Test func deletingASourceDropsItsHistory() {
        var d = Driver(historyState())
        d.keys(.char("x"), .char("y"))
        #expect(d.state.history["Orders"] == nil)
        #expect(d.effects.contains(.deleteHistory(sourceName: "Orders")))
    }

    @Test func theListShowsTheLastRecordedRunAfterARestart() {
        let frame = render(historyState(), width: 120, height: 40)
        #expect(frame.text.contains("done · 20,000 delivered · 2026-12-01 09:00 · 1m05s"))
    }

    @Test func datesAreLocalTimeFromTheGivenOffset() {
        #expect(Format.dateTime(historyEpoch, utcOffset: 0) == "2026-12-01 08:00:00")
        #expect(Format.dateTime(historyEpoch, utcOffset: -9 * 3600, seconds: false) == "2026-11-30 23:00")
        #expect(Format.dateTime(0, utcOffset: 0) == "1970-01-01 00:00:00")
        #expect(Format.dateTime(951_782_400, utcOffset: 0) == "2000-02-29 00:00:00")
    }
}

@Suite struct StartPlanTests {
    @Test(arguments: [
        (RunStatus?.none, false, false, false), (.failed, false, false, true), (.cancelled, true, false, true),
        (.done, false, false, false), (.done, true, false, true), (.failed, true, true, false), (.done, true, true, false)
    ])
    func aRunResumesAfterAFailureAndContinuesOnlyIncrementalSourcesAfterASuccess(last: RunStatus?, incremental: Bool, fullRefresh: Bool, resumes: Bool) {
        #expect(StartPlan.resumes(lastStatus: last, incremental: incremental, fullRefresh: fullRefresh) == resumes)
    }

    @Test func startingOverKeepsOnlyTheParamsTheSourceSaved() {
        let state: JSONObject = ["csv": ["offset": 10], SavedParams.stateKey: ["refresh_token": ["value": "r2"]]]
        #expect(StartPlan.startingOver(state) == [SavedParams.stateKey: ["refresh_token": ["value": "r2"]]])
        #expect(StartPlan.startingOver(["csv": ["offset": 10]]) == nil)
    }

    @Test func ctrlSAfterAFailedRunResumesFromTheStateFileAndAfterChangedParamsStartsOver() {
        var s = makeState(saved: [SavedSource(name: "Demo", type: "demo", values: ["rows": "500"], lastStatus: .failed)])
        s.types[0].incremental = false
        var d = Driver(s)
        let fx = d.keys(.enter, .ctrl("s"))
        guard case .startRun(let r)? = fx.last else { Issue.record("\(fx)"); return }
        #expect(r.resumeFromFile && r.state == nil)
        d.send(.run(r.id, .failed(PanoplyError(.internal, "boom"))))
        d.keys(.escape, .enter)
        d.keys(.ctrl("u"))
        d.type("600")
        let again = d.keys(.ctrl("s"))
        guard case .startRun(let r2)? = again.last else { Issue.record("\(again)"); return }
        #expect(!r2.resumeFromFile)
        #expect(d.run?.log.lines(matching: "", problemsOnly: false).first?.text == "starting over (the params changed since the last run)")
    }

    @Test func fOnTheListRunsASavedSourceFromScratch() {
        var d = Driver(makeState(saved: [SavedSource(name: "Demo", type: "demo", values: ["rows": "500"], lastStatus: .failed)]))
        let fx = d.keys(.char("F"))
        guard case .startRun(let r)? = fx.last else { Issue.record("\(fx)"); return }
        #expect(!r.resumeFromFile && r.sourceName == "Demo")
        #expect(d.run?.log.lines(matching: "", problemsOnly: false).first?.text == "full refresh: starting over")
    }
}
