import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUI
@testable import PanoplyTUICore

/// The states the golden frames show.
enum Scene: String, CaseIterable {
    case list, emptyForm, invalidForm, editingForm, running, failed, completed, help, destination
    case confirmDelete, confirmDeleteState, rename, problemsOnly
    case history, historyDetail, formTestOK, formTestFailed, configError

    var driver: Driver {
        switch self {
        case .list:
            var d = Driver(
                makeState(saved: [
                    SavedSource(name: "Orders", type: "demo", values: ["rows": "500"], lastStatus: .done),
                    SavedSource(name: "Users", type: "demo", values: [:], lastStatus: .failed)
                ]))
            d.keys(.down)
            return d
        case .emptyForm:
            var d = Driver()
            d.keys(.enter)
            return d
        case .invalidForm:
            var d = Driver()
            d.keys(.enter)
            d.type("many")
            d.keys(.tab, .tab, .tab)
            d.type("x1")
            d.keys(.ctrl("s"))
            return d
        case .editingForm:
            // A table name longer than the field, the cursor moved back into its middle:
            // the field scrolls, with … at both edges.
            var d = Driver()
            d.keys(.enter, .tab, .tab, .tab, .tab, .tab)
            d.type("warehouse_orders_zoë_🇩🇪_from_the_old_erp_system_2019_to_2026_archive_of_everything_sold_in_europe")
            for _ in 0..<50 { d.keys(.left) }
            return d
        case .running:
            return runningDriver(lines: 30)
        case .failed:
            var d = runningDriver(lines: 4)
            d.send(.tick(4.2), .run(1, .failed(PanoplyError(.internal, "demo failure at row 9000 (fail_mode=fatal)"))))
            return d
        case .completed:
            var d = runningDriver(lines: 4)
            var c = SDKCounters()
            c.records = 20000
            c.recordsDelivered = 20000
            c.sends = 11
            c.messages = 11
            c.bytes = 2_700_000
            d.send(
                .tick(6), .run(1, .progress(loaded: 20000, total: 20000, message: "20000/20000 rows")),
                .run(
                    1,
                    .completed(
                        RunSummary(
                            status: .done, recordsRead: 20000, counters: c, seconds: 5,
                            state: ["demo": ["next_id": 20001]], error: nil))))
            return d
        case .help:
            var d = Driver()
            d.keys(.char("?"))
            return d
        case .confirmDelete, .confirmDeleteState:
            var d = Scene.list.driver
            d.keys(.char("x"))
            if self == .confirmDeleteState { d.keys(.char("y")) }
            return d
        case .rename:
            // A name another source has: the modal stays, with the reason.
            var d = Scene.list.driver
            d.keys(.char("n"), .ctrl("u"))
            d.type("Orders")
            d.keys(.enter)
            return d
        case .problemsOnly:
            // `!` keeps the warning and the error; `t` shows them at their time of day.
            var d = runningDriver(lines: 4)
            d.state.updateRun(1) { $0.clockOrigin = 8 * 3600 }
            d.send(
                .run(1, .retrying(attempt: 1, maxAttempts: 3, error: PanoplyError(.internal, "timeout"), delay: .seconds(2))),
                .run(1, .log("cannot save state: disk full")))
            d.keys(.char("!"), .char("t"))
            return d
        case .history, .historyDetail:
            var d = Driver(historyState())
            d.keys(.char("h"))
            if self == .historyDetail { d.keys(.down, .enter) }
            return d
        case .formTestOK, .formTestFailed:
            var d = Driver(passChecks: false)
            d.keys(.enter)
            d.type("5000000")
            d.keys(.ctrl("t"))
            let error = self == .formTestOK ? nil : PanoplyError.config("Rows must be at most 1000000 for the demo")
            d.send(.checkFinished(1, error))
            return d
        case .configError:
            var d = runningDriver(lines: 2)
            d.send(.tick(4.2), .run(1, .failed(PanoplyError(.auth, "password authentication failed for user 'reader'"))))
            return d
        case .destination:
            var d = Driver()
            d.keys(.char("d"), .char(" "), .tab)
            d.type("1234/abcd")
            d.keys(.tab)
            d.type("c2VjcmV0")
            return d
        }
    }
}

@Suite struct RenderSnapshotTests {
    @Test(arguments: Scene.allCases, [(80, 24), (120, 40)])
    func everyScreenMatchesItsGoldenFrame(scene: Scene, size: (Int, Int)) {
        var d = scene.driver
        d.send(.resize(width: size.0, height: size.1))
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "\(scene.rawValue).\(size.0)x\(size.1)")
    }

    @Test func aTerminalSmallerThanTheMinimumShowsAMessage() {
        let frame = render(makeState(), width: 40, height: 10)
        #expect(frame.text.contains("Terminal too small (40x10)"))
        #expect(frame.text.contains("at least 60x16"))
    }

    @Test func secretsAreShownAsBullets() {
        let frame = render(Scene.destination.driver.state, width: 80, height: 24)
        #expect(frame.text.contains("••••••••"))
        #expect(!frame.text.contains("c2VjcmV0"))
    }

    @Test func theHeaderCountsActiveRuns() {
        let frame = render(runningDriver().state, width: 80, height: 24)
        #expect(frame.line(0).contains("1 active run"))
    }
}
