import Testing

@testable import PanoplyKit
@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A run of three tables: the first done, the second half read, the third waiting. The
/// run's own progress has no total (the runner sends none while it sums them), as in a
/// PostgreSQL run of several tables. `thirdTotal` nil: the third's count is not known yet.
func threeResourcesDriver(width: Int = 80, height: Int = 24, thirdTotal: Int? = 180_000) -> Driver {
    let tables = ["public.customers", "public.orders", "sales.invoices"]
    var d = shopFormDriver(tables: tables.joined(separator: ", "), width: width, height: height)
    d.keys(.ctrl("s"))
    d.send(.run(1, .started(attempt: 1, resumedFrom: nil)))
    for t in tables { d.send(.run(1, .resource(ResourceProgress(id: t, status: .waiting)))) }
    d.send(
        .tick(0), .run(1, .resource(ResourceProgress(id: tables[0], status: .reading, loaded: 0, total: 20_000))),
        .tick(1), .run(1, .resource(ResourceProgress(id: tables[0], status: .done, loaded: 20_000, total: 20_000))),
        .run(1, .resource(ResourceProgress(id: tables[1], status: .reading, loaded: 0, total: 300_100))),
        .tick(2), .run(1, .resource(ResourceProgress(id: tables[1], status: .reading, loaded: 60_000, total: 300_100))),
        .tick(4),
        .run(
            1,
            .resource(
                ResourceProgress(
                    id: tables[1], status: .reading, loaded: 180_000, total: 300_100,
                    message: "180000/300100 rows"))))
    if let thirdTotal { d.send(.run(1, .resource(ResourceProgress(id: tables[2], status: .waiting, loaded: 0, total: thirdTotal)))) }
    var c = SDKCounters()
    c.records = 200_000
    c.recordsDelivered = 190_000
    d.send(
        .run(1, .progress(loaded: 200_000, total: nil, message: "1/3 resources done, 200000 records")),
        .run(1, .counters(c)), .tick(4.5))
    return d
}

@Suite struct OverallProgressTests {
    @Test("a run of several resources shows the sum of their totals, a rate and an ETA before it ends")
    func theBarSumsTheResourcesTotals() throws {
        let r = try #require(threeResourcesDriver().run)
        let o = try #require(r.overall)
        #expect(o.loaded == 200_000 && o.total == 500_100 && !o.estimated)
        #expect(r.shownRate != nil && r.eta != nil)
        let frame = render(threeResourcesDriver().state, width: 80, height: 24)
        #expect(frame.line(2).contains("40.0%"), "\(frame.line(2))")
        #expect(!frame.line(2).contains("--"), "\(frame.line(2))")
    }

    @Test("while one resource's total is unknown the percent is marked ≈")
    func anUnknownTotalMakesItAnEstimate() throws {
        let d = threeResourcesDriver(thirdTotal: nil)
        let o = try #require(d.run?.overall)
        #expect(o.estimated && o.total == 320_100)
        #expect(render(d.state, width: 80, height: 24).line(2).contains("≈62.5%"))
    }

    @Test("a resource row does not repeat its counts in its message")
    func rowsDoNotRepeatCounts() {
        let frame = render(threeResourcesDriver(width: 120, height: 40).state, width: 120, height: 40)
        #expect(!frame.text.contains("180000/300100 rows"), "\(frame.text)")
        #expect(frame.text.contains("180,000/300,100"))
        #expect(repeatsCounts("180000/300100 rows") && repeatsCounts("1,000/2,000") && !repeatsCounts("waiting for a lock"))
    }

    @Test(arguments: [(60, 16), (80, 24), (120, 40)])
    func overallProgressOfThreeResources(size: (Int, Int)) {
        let d = threeResourcesDriver(width: size.0, height: size.1)
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "overallProgress.\(size.0)x\(size.1)")
    }
}
