import PanoplyKit
import Testing

@testable import PanoplyTUICore

@Suite("The run view's resources table")
struct ResourcesTableTests {
    @Test("resource events make one row per resource, in the order first reported, with loaded/total and a rate")
    func rowsFromEvents() {
        let d = resourcesDriver(finished: false)
        let rows = d.run!.resources
        #expect(rows.count == 12)
        #expect(rows.first?.id == "public.customers")
        #expect(rows.map(\.status).filter { $0 == .done }.count == 5)
        #expect(rows[3].status == .failed && rows[3].error == "permission denied for table products")
        #expect(rows[6].status == .reading && rows[6].loaded == 3500 && rows[6].total == 7000)
        #expect(rows[6].rate == 1750, "sampled on ticks: 1,750 rows in the second after the first sample")
        #expect(rows[0].rate == 1000 / 0.8, "a finished resource shows its average rate")
        #expect(rows[11].status == .waiting)
        #expect(d.run!.resourceSummary == "5/12 done · 1 failed")
    }

    @Test("at 80x24 the table takes at most a third of the rows below the counters, and the panes still fit")
    func fitsEightyByTwentyFour() {
        let d = resourcesDriver(finished: false)
        let panes = RunPanes(width: 80, height: 24, run: d.run!)
        #expect(panes.tableRows == 5)
        #expect(panes.paneTop + panes.paneHeight <= 22, "the notice line and the help bar stay free")
        #expect(panes.resourcesTop(d.run!) == 5, "the row being read (7th) is in view, one row above it")
    }

    @Test("Tab gives the table the focus when it scrolls; ↓ and ↑ scroll it; Tab again goes back to the log")
    func tabAndScroll() {
        var d = resourcesDriver(finished: false)
        d.keys(.tab)
        #expect(d.run?.pane == .state)
        d.keys(.tab)
        #expect(d.run?.pane == .resources)
        #expect(d.run?.resourcesTop == 5)
        d.keys(.down, .down, .down)
        #expect(d.run?.resourcesTop == 7, "stops at the last full window (12 rows, 5 shown)")
        d.keys(.up)
        #expect(d.run?.resourcesTop == 6)
        #expect(render(d.state, width: 80, height: 24).text.contains("Resources 5 done, 1 reading, 1 failed, 5 waiting · 7-11 of 12"))
        d.keys(.tab)
        #expect(d.run?.pane == .log)
    }

    @Test("a table that fits is not a pane: Tab goes log, state, log")
    func smallTableIsNotAPane() {
        var d = resourcesDriver(width: 120, height: 40, finished: false)
        #expect(RunPanes(width: 120, height: 40, run: d.run!).tableRows == 10)
        d.keys(.tab, .tab)
        #expect(d.run?.pane == .resources, "12 rows in 10 scroll")
        var small = shopFormDriver(tables: "public.orders, public.customers")
        small.keys(.ctrl("s"))
        small.send(
            .run(1, .resource(ResourceProgress(id: "public.orders", status: .reading))),
            .run(1, .resource(ResourceProgress(id: "public.customers", status: .waiting))))
        small.keys(.tab, .tab)
        #expect(small.run?.pane == .log)
    }
}
