import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUICore

/// Runs of saved sources owned by other processes (cron, a shell, another UI), as the UI
/// follows them through their snapshots.
@Suite struct ExternalRunTests {
    static let holder = LeaseHolder(pid: 4242, host: "host-a", origin: "cli", since: 1_000_000)

    static func snapshot(loaded: Int, delivered: Int) -> RunSnapshot {
        var s = RunSnapshot(name: "Nightly", type: "demo", holder: holder, updated: holder.since + 5)
        s.loaded = loaded
        s.total = 4000
        s.message = "\(loaded)/4000 rows"
        s.rate = 500
        var c = SDKCounters()
        c.records = loaded
        c.recordsDelivered = delivered
        s.counters = c
        s.log = ["[00:00] starting", "[00:02] resuming at id 1"]
        s.state = #"{"last_id":1000}"#
        return s
    }

    static func driver() -> Driver {
        var state = makeState(saved: [SavedSource(name: "Nightly", type: "demo", values: ["rows": "4000"])])
        state.epochOrigin = holder.since + 2  // the UI started 2 s after the run
        var d = Driver(state)
        d.send(.tick(3))
        return d
    }

    @Test func aRunOwnedElsewhereShowsOnItsRowAndItsViewFollowsItsSnapshots() throws {
        var d = Self.driver()
        d.send(.externalRuns(running: [Self.snapshot(loaded: 1000, delivered: 800)], ended: [:]))
        let id = try #require(d.state.latestRun["Nightly"])
        let r = try #require(d.state.run(id))
        #expect(r.owner == Self.holder && r.status == .running && r.loaded == 1000)
        #expect(d.state.activeRunCount == 1)
        #expect(lastRunSummary(d.state, d.state.saved[0])?.hasPrefix("running 25.0% · 1,000 records · 5.0s") == true)
        #expect(r.committed["last_id"] == .number(JSONNumber(1000)))
        #expect(r.log.lines.map(\.text).contains("resuming at id 1"))
        d.send(.externalRuns(running: [Self.snapshot(loaded: 2000, delivered: 1900)], ended: [:]))
        #expect(d.state.runs.count == 1, "the same run is updated, not added again")
        #expect(d.state.run(id)?.counters.recordsDelivered == 1900)
        #expect(d.state.run(id)?.log.lines.count == r.log.lines.count, "log lines already shown are not repeated")
        assertSnapshot(render(d.state, width: 80, height: 24), named: "externalList.80x24")
        d.keys(.char("v"))
        #expect(d.state.screen == .run(id))
        assertSnapshot(render(d.state, width: 80, height: 24), named: "externalRun.80x24")
    }

    @Test func cancelAsksThroughTheSameEffectAndTheEndComesFromTheHistoryRow() throws {
        var d = Self.driver()
        d.send(.externalRuns(running: [Self.snapshot(loaded: 1000, delivered: 800)], ended: [:]))
        let id = try #require(d.state.latestRun["Nightly"])
        d.keys(.char("v"), .char("c"), .char("y"))
        #expect(d.effects.contains(.cancelRun(id)), "AppLoop sends it to the owner as a cancel request")
        var record = RunRecord(started: Self.holder.since, ended: Self.holder.since + 9, status: .cancelled, origin: "cli")
        record.cancelledBy = "ui on host-b"
        d.send(.externalRuns(running: [], ended: ["Nightly": record]))
        let r = try #require(d.state.run(id))
        #expect(r.status == .cancelled && !r.sdkOpen)
        #expect(r.log.lines.last?.text.contains("cancel asked from ui on host-b") == true)
        #expect(d.state.history["Nightly"]?.last == record)
        #expect(d.state.activeRunCount == 0)
    }

    @Test func aRunThatEndedWithoutARecordShowsAsFailedAndRetriesHereFromTheStateOnDisk() throws {
        var d = Self.driver()
        d.send(.externalRuns(running: [Self.snapshot(loaded: 1000, delivered: 800)], ended: [:]))
        let id = try #require(d.state.latestRun["Nightly"])
        let none: RunRecord? = nil
        d.send(.externalRuns(running: [], ended: ["Nightly": none]))
        #expect(d.state.run(id)?.status == .failed)
        d.keys(.char("v"), .char("r"))
        guard case .startRun(let request)? = d.effects.last else {
            Issue.record("r starts a run here: \(d.effects)")
            return
        }
        #expect(request.resumeFromFile && request.state == nil && request.sourceName == "Nightly")
    }

    @Test func ctrlSOnASourceRunningElsewhereStaysInTheFormAndSaysWhoHasIt() throws {
        var d = Self.driver()
        d.state.utcOffset = 0
        d.keys(.enter)  // the form is open when a run starts from cron
        #expect(d.form != nil)
        d.send(.externalRuns(running: [Self.snapshot(loaded: 1000, delivered: 800)], ended: [:]))
        let before = d.effects.count
        d.keys(.ctrl("s"))
        #expect(d.effects.count == before, "nothing starts: \(d.effects.suffix(2))")
        let message = try #require(d.form?.formError)
        #expect(message == "'Nightly' is already running (pid 4242 on host-a, from cli, since 13:46:40): Esc, v opens it")
        assertSnapshot(render(d.state, width: 80, height: 24), named: "externalForm.80x24")
    }

    @Test func quittingLeavesRunsOwnedElsewhereAlone() {
        var d = Self.driver()
        d.send(.externalRuns(running: [Self.snapshot(loaded: 1000, delivered: 800)], ended: [:]))
        d.keys(.char("q"))
        #expect(d.state.overlay == nil, "no question: nothing of this UI runs")
        #expect(d.effects.last == .quit)
        #expect(!d.effects.contains { if case .cancelRun = $0 { return true } else { return false } })
    }
}
