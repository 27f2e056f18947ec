import Testing

@testable import PanoplyKit
@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A run that failed with a long error: the header wraps it (up to 3 rows), the log pane
/// wraps long lines, and an error no retry fixes offers `e`, not `r`.
func longErrorDriver(_ category: PanoplyError.Category) -> Driver {
    var d = runningDriver(lines: 2)
    let message =
        "relation \"public.orders_2019\" does not exist: the table was renamed or dropped since the source was saved; "
        + "list them with `panoply discover postgres --param host=db.local` and pick the tables again in the form"
    d.send(
        .run(1, .log("warning: a long line from the source that goes on and on about the server's settings, its version, and the tables it found")),
        .tick(4.2), .run(1, .failed(PanoplyError(category, message))))
    return d
}

@Suite struct LongErrorTests {
    @Test("a long error wraps onto up to 3 header rows and keeps what to do at its end")
    func theErrorWraps() {
        let d = longErrorDriver(.config)
        let rows = RunPanes.errorRows(d.run!, width: 80)
        #expect((2...3).contains(rows.count), "\(rows)")
        #expect(rows.last?.hasSuffix("· e edits the source") == true, "\(rows)")
        #expect(rows.allSatisfy { $0.displayWidth <= 79 })
        let narrow = RunPanes.errorRows(d.run!, width: 60)
        #expect(narrow.count == 3 && narrow[2].hasSuffix("… · e edits the source"), "\(narrow)")
        let frame = render(d.state, width: 80, height: 24)
        #expect(frame.text.contains("panoply discover"), "the error is not cut before its advice")
    }

    @Test("the log pane wraps a long line onto the rows below it, indented past its time")
    func logLinesWrap() {
        let rows = RunPanes.wrapLogLine("[00:04] " + String(repeating: "word ", count: 20), width: 40)
        #expect(rows.count > 1 && rows.allSatisfy { $0.displayWidth <= 40 })
        #expect(rows.dropFirst().allSatisfy { $0.hasPrefix("        ") && !$0.hasPrefix("         ") })
        let panes = RunPanes(width: 80, height: 24, run: longErrorDriver(.internal).run!)
        #expect(panes.logLines.contains { $0.contains("tables it found") })
    }

    @Test("a config error offers e in the help bar, never r; a retryable one offers r")
    func configErrorOffersEdit() {
        let config = helpBarItems(longErrorDriver(.config).state)
        #expect(config.contains { $0.key == "e" && $0.what == "edit" })
        #expect(!config.contains { $0.what == "retry" })
        let other = helpBarItems(longErrorDriver(.internal).state)
        #expect(other.contains { $0.key == "r" && $0.what == "retry" })
    }

    @Test(arguments: [(60, 16), (80, 24), (120, 40)])
    func aLongConfigErrorWrapsInTheHeader(size: (Int, Int)) {
        var d = longErrorDriver(.config)
        d.send(.resize(width: size.0, height: size.1))
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "longError.\(size.0)x\(size.1)")
    }
}
