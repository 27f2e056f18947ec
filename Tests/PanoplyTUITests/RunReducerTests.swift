import Testing

@testable import PanoplyKit
@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A driver showing a run of the demo source that has made some progress.
func runningDriver(lines: Int = 3) -> Driver {
    var d = Driver()
    d.keys(.enter)
    d.type("20000")
    d.keys(.ctrl("s"))
    var c = SDKCounters()
    c.records = 8000
    c.recordsDelivered = 6000
    c.sends = 13
    c.messages = 12
    c.bytes = 1_080_000
    d.send(
        .run(1, .started(attempt: 1, resumedFrom: nil)), .tick(1),
        .run(1, .progress(loaded: 4000, total: 20000, message: "4000/20000 rows")), .tick(2.5),
        .run(1, .progress(loaded: 8000, total: 20000, message: "8000/20000 rows")), .run(1, .counters(c)),
        .run(1, .state(["demo": ["next_id": 6001]])), .tick(3.5))
    for i in 0..<lines { d.send(.run(1, .log("read batch \(i + 1)"))) }
    return d
}

@Suite struct RunReducerTests {
    @Test func runEventsFillInProgressCountersAndState() {
        let d = runningDriver()
        let r = d.run!
        #expect(r.loaded == 8000 && r.total == 20000)
        #expect(r.fraction == 0.4)
        #expect(r.counters.records == 8000)
        #expect(r.committed == ["demo": ["next_id": 6001]])
        #expect(r.rate != nil && r.eta != nil)
        #expect(d.state.activeRunCount == 1)
    }

    @Test("resuming from a state that holds saved tokens logs the state with them masked")
    func resumedStateIsLoggedMasked() {
        var d = Driver()
        d.keys(.enter)
        d.type("20000")
        d.keys(.ctrl("s"))
        let state: JSONObject = ["demo": ["next_id": 11], SavedParams.stateKey: ["refresh_token": ["value": "rotated-secret-7", "replaces": "sha256:x"]]]
        d.send(.run(1, .started(attempt: 2, resumedFrom: state)), .tick(1))
        let log = d.run!.log.lines.map(\.text).joined(separator: "\n")
        #expect(log.contains("resuming from") && log.contains("****"))
        #expect(!log.contains("rotated-secret-7"))
    }

    @Test func cAsksBeforeCancellingAndYCancels() {
        var d = runningDriver()
        #expect(d.keys(.char("c")).isEmpty)
        #expect(d.state.overlay == .confirmCancel(1))
        #expect(d.keys(.char("y")) == [.cancelRun(1)])
        #expect(d.run?.cancelling == true)
        d.send(.run(1, .cancelled))
        #expect(d.run?.status == .cancelled)
        #expect(d.state.saved[0].lastStatus == .cancelled)
    }

    @Test func anyOtherKeyKeepsTheRunGoing() {
        var d = runningDriver()
        d.keys(.char("c"))
        #expect(d.keys(.char("n")).isEmpty)
        #expect(d.run?.cancelling == false)
    }

    @Test func cOnAFinishedRunOnlySaysSo() {
        var d = runningDriver()
        d.send(.run(1, .failed(PanoplyError(.internal, "boom"))))
        #expect(d.keys(.char("c")).isEmpty)
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "the run is not running")
    }

    @Test func rRetriesAFailedRunFromItsCommittedState() {
        var d = runningDriver()
        d.send(.run(1, .failed(PanoplyError(.internal, "demo failure at row 9000"))))
        #expect(d.run?.status == .failed)
        #expect(d.run?.error == "demo failure at row 9000")
        let fx = d.keys(.char("r"))
        guard case .startRun(let r) = fx.first else { Issue.record("effects: \(fx)"); return }
        #expect(r.id == 2)
        #expect(r.state == ["demo": ["next_id": 6001]])
        #expect(r.attempt == 2)
        #expect(r.params["rows"] == 20000)
        #expect(d.runID == 2)
        #expect(d.state.latestRun["Demo"] == 2)
    }

    @Test func rOnARunningOrCompletedRunStartsNothing() {
        var d = runningDriver()
        #expect(d.keys(.char("r")).isEmpty)
        d.send(.run(1, .completed(RunSummary(status: .done, recordsRead: 20000, counters: SDKCounters(), seconds: 2, state: [:], error: nil))))
        #expect(d.keys(.char("r")).isEmpty)
        #expect(d.run?.status == .done)
        #expect(d.run?.fraction == 1)
    }

    @Test func slashEditsAFilterThatEnterKeepsAndEscapeClears() {
        var d = runningDriver()
        d.keys(.char("/"))
        #expect(d.run?.editingFilter == true)
        d.type("batch 2q")
        d.keys(.backspace)
        #expect(d.state.overlay == nil && !d.state.quitting)
        #expect(d.run?.filter == "batch 2")
        #expect(d.run?.visibleLog == ["[00:03] read batch 2"])
        d.keys(.enter)
        #expect(d.run?.editingFilter == false)
        #expect(d.run?.filter == "batch 2")
        d.keys(.char("/"), .escape)
        #expect(d.run?.filter == "")
        #expect(d.runID == 1)
    }

    @Test func tabSwitchesTheScrolledPane() {
        var d = runningDriver()
        d.keys(.tab)
        #expect(d.run?.pane == .state)
        d.keys(.backTab)
        #expect(d.run?.pane == .log)
    }

    @Test(arguments: [Key.up, .char("k"), .pageUp, .home, .char("g")])
    func scrollingUpStopsFollowingTheLog(key: Key) {
        var d = runningDriver(lines: 40)
        d.keys(key)
        #expect(d.run?.follow == false)
        #expect(d.run!.logTop < RunPanes(width: 80, height: 24, run: d.run!).bottomLogTop)
    }

    @Test(arguments: [Key.down, .char("j"), .pageDown, .end, .char("G")])
    func scrollingToTheEndFollowsAgain(key: Key) {
        var d = runningDriver(lines: 40)
        d.keys(.home, key)
        if key == .down || key == .char("j") {
            #expect(d.run?.logTop == 1)
            #expect(d.run?.follow == false)
        } else if key == .pageDown {
            #expect(d.run!.logTop > 1)
        } else {
            #expect(d.run?.follow == true)
        }
    }

    @Test func fTogglesFollow() {
        var d = runningDriver(lines: 40)
        d.keys(.char("f"))
        #expect(d.run?.follow == false)
        d.keys(.char("f"))
        #expect(d.run?.follow == true)
    }

    @Test func theStatePaneScrollsWithinItsLines() {
        var d = runningDriver()
        d.keys(.tab, .down, .down)
        #expect(d.run?.stateTop == 0)  // 5 lines fit
    }

    @Test func escapeGoesBackToTheListAndTheRunGoesOn() {
        var d = runningDriver()
        d.keys(.escape)
        #expect(d.state.screen == .list)
        #expect(d.state.status(ofSaved: d.state.saved[0]) == .running)
    }

    @Test func questionMarkAndQWorkInTheRunView() {
        var d = runningDriver()
        d.keys(.char("?"))
        #expect(d.state.overlay == .help)
        d.keys(.escape, .char("q"))
        #expect(d.state.overlay == .confirmQuit)
    }

    @Test func completionRecordsTheStatusOfTheSavedSource() {
        var d = runningDriver()
        let summary = RunSummary(status: .done, recordsRead: 20000, counters: SDKCounters(), seconds: 2, state: ["demo": ["next_id": 20001]], error: nil)
        let fx = d.send(.run(1, .completed(summary)))
        #expect(d.state.saved[0].lastStatus == .done)
        #expect(fx.first == .saveSources(d.state.saved))
        guard case .recordRun("Demo", let record)? = fx.last else {
            Issue.record("no history record in \(fx)")
            return
        }
        #expect(record.status == .done && record.recordsRead == 20000)
        #expect(d.run?.committed == ["demo": ["next_id": 20001]])
        d.send(.runClosed(1, error: nil))
        #expect(d.run?.sdkOpen == false)
    }

    @Test func aRunThatCannotStartShowsAsFailed() {
        var d = runningDriver()
        d.send(.runStartFailed(1, "destination: bad"))
        #expect(d.run?.status == .failed)
        #expect(d.run?.sdkOpen == false)
    }

    @Test func sourceChangesAreKeptInTheSavedSource() {
        var d = runningDriver()
        let fx = d.send(.run(1, .sourceChange(["rows": "30"])))
        #expect(d.state.saved[0].values["rows"] == "30")
        #expect(fx == [.saveSources(d.state.saved)])
    }

    @Test func theLogKeepsOnlyTheNewestLines() {
        var log = LogBuffer(capacity: 3)
        for i in 1...5 { log.append(LogLine(at: Double(i), "\(i)")) }
        #expect(log.lines.map(\.text) == ["3", "4", "5"])
        #expect(log.total == 5)
        #expect(log.lines(matching: "4").map(\.text) == ["4"])
    }
}
