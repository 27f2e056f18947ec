import Foundation
import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// A run over 5,000 tables `t1`...`t5000` at `now` 100: 4,812 done, 3 reading (the first
/// with the source's estimated total), 185 waiting; every resource reported waiting first.
func manyResourcesDriver(width: Int = 100, height: Int = 30) -> Driver {
    var d = shopFormDriver(tables: "t1, t2, t3", width: width, height: height)
    d.keys(.ctrl("s"))
    d.send(.run(1, .started(attempt: 1, resumedFrom: nil)))
    let ids = (1...5000).map { "t\($0)" }
    for id in ids { d.send(.run(1, .resource(ResourceProgress(id: id, status: .waiting)))) }
    for (i, id) in ids.prefix(4812).enumerated() {
        let rows = i % 7 == 0 ? 0 : 10 + i % 90
        d.send(
            .tick(Double(i) / 50), .run(1, .resource(ResourceProgress(id: id, status: .reading, total: rows))),
            .run(1, .resource(ResourceProgress(id: id, status: .done, loaded: rows, total: rows))))
    }
    d.send(
        .tick(99),
        .run(1, .resource(ResourceProgress(id: "t4813", status: .reading, loaded: 1200, total: 5_000_000, message: "1200/≈5000000 rows"))),
        .run(1, .resource(ResourceProgress(id: "t4814", status: .reading, loaded: 300, total: 2000, message: "300/2000 rows"))),
        .run(1, .resource(ResourceProgress(id: "t4816", status: .waiting, total: 3_000_000, estimated: true))),
        .run(1, .resource(ResourceProgress(id: "t4815", status: .reading, loaded: 40))), .tick(100))
    return d
}

@Suite("A run of thousands of resources, its history and the picker")
struct ManyResourcesTests {
    @Test("5,000 resources' events fold into one row each, found by id, and the title sums them by status")
    func foldsFiveThousand() throws {
        let d = manyResourcesDriver()
        let r = try #require(d.run)
        #expect(r.resources.count == 5000)
        #expect(r.resourceIndex.count == 5000)
        #expect(r.resources.indices.allSatisfy { r.resourceIndex[r.resources[$0].id] == $0 }, "the index points at each row")
        #expect(r.resources.map(\.id) == (1...5000).map { "t\($0)" }, "in the order first reported")
        #expect(r.resourceBreakdown == "4,812 done, 3 reading, 185 waiting")
        #expect(r.resourceSummary == "4,812/5,000 done")
        #expect(r.resources[4812].estimated && !r.resources[4813].estimated, "≈ in the message")
        #expect(r.resources[4815].estimated, "the runner's flag")
        #expect(r.overall?.estimated == true, "one total is an estimate")
    }

    @Test("the 100x30 frame of a 5,000-resource run: the counts by status, the rows being read in view, ≈ on an estimate")
    func frameOfFiveThousand() {
        let d = manyResourcesDriver()
        let frame = render(d.state, width: 100, height: 30)
        #expect(frame.text.contains("Resources 4,812 done, 3 reading, 185 waiting · "))
        #expect(frame.text.contains("1,200/≈5,000,000"))
        assertSnapshot(frame, named: "manyResources.100x30")
    }

    @Test("a source's own total marked ≈ in its message is an estimate; a counted one is not")
    func sourceTotalEstimate() {
        var d = shopFormDriver(tables: "t1")
        d.keys(.ctrl("s"))
        d.send(.run(1, .progress(loaded: 10, total: 1000, message: "10/1000 rows")))
        #expect(d.run?.overall?.estimated == false)
        d.send(.run(1, .progress(loaded: 20, total: 5_000_000, message: "20/≈5000000 rows")))
        #expect(d.run?.overall?.estimated == true)
        #expect(render(d.state, width: 80, height: 24).text.contains("≈0.0%"))
    }

    @Test("a replaced table (a run owned elsewhere) rebuilds the index before the next event")
    func indexFollowsReplacedRows() throws {
        var r = try #require(manyResourcesDriver().run)
        r.resources = [ResourceRow(id: "b", status: .waiting), ResourceRow(id: "a", status: .reading)]
        r.apply(ResourceProgress(id: "a", status: .done, loaded: 5), now: 1)
        r.apply(ResourceProgress(id: "c", status: .waiting), now: 1)
        #expect(r.resources.map(\.id) == ["b", "a", "c"])
        #expect(r.resources[1].status == .done)
        #expect(r.resourceBreakdown == "1 done, 2 waiting")
    }

    @Test("the history keeps a run's resources as counts and its first failures, not one row each")
    func historyTally() throws {
        var r = try #require(manyResourcesDriver().run)
        for i in 1...30 { r.apply(ResourceProgress(id: "t\(4815 + i)", status: .failed, error: PanoplyError(.auth, "denied \(i)")), now: 101) }
        let tally = r.resourceTally
        #expect((tally.done, tally.failed, tally.unfinished, tally.count) == (4812, 30, 158, 5000))
        #expect(tally.failures.count == ResourceTally.keptFailures)
        #expect(tally.failures.first == ResourceTally.Failure(id: "t4816", error: "denied 1"))
        #expect(tally.summary.hasPrefix("5,000 resources: 4,812 done, 30 failed, 158 not finished · "))
        var rec = record(.failed, started: historyEpoch, error: "30 resources failed")
        rec.resources = tally
        let data = try JSONEncoder().encode(rec)
        #expect(data.count < 4000, "a few numbers and 20 errors, whatever the resource count")
        #expect(try JSONDecoder().decode(RunRecord.self, from: data) == rec)
    }

    @Test("a lost run's history row keeps the counts of its owner's last snapshot")
    func lostRunTally() {
        var snapshot = RunSnapshot(name: "Shop", type: "shop", holder: LeaseHolder(pid: 7, host: "h", origin: "cli", since: 10), updated: 20)
        snapshot.resources = (1...3000).map { RunSnapshot.Resource(id: "t\($0)", status: $0 <= 2000 ? "done" : "waiting", loaded: 1, total: 1) }
        let tally = snapshot.lostRecord().resources
        #expect(tally?.done == 2000 && tally?.unfinished == 1000 && tally?.records == 3000)
    }

    @Test("a history file written before the tally existed still reads, without one")
    func oldHistoryReads() throws {
        let old = try JSONEncoder().encode(record(.done, started: historyEpoch))
        var object = try #require(try JSONSerialization.jsonObject(with: old) as? [String: Any])
        object["resources"] = nil
        let back = try JSONDecoder().decode(RunRecord.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(back.resources == nil)
        #expect(back == record(.done, started: historyEpoch))
    }

    @Test("the history detail shows the tally and the first failed resources with their errors")
    func historyDetail() {
        var s = historyState()
        var tally = ResourceTally()
        for i in 1...4812 { tally.add(id: "t\(i)", status: .done, loaded: 10) }
        for i in 1...5 { tally.add(id: "t\(4812 + i)", status: .failed, loaded: 0, error: "permission denied for table t\(4812 + i)") }
        s.history["Orders"]?[0].resources = tally
        var d = Driver(s)
        d.keys(.char("h"), .down, .enter)
        let frame = render(d.state, width: 100, height: 30)
        let text = frame.text
        assertSnapshot(frame, named: "historyResources.100x30")
        #expect(text.contains("4,817 resources: 4,812 done, 5 failed · 48,120 records"))
        #expect(text.contains("✗ t4813: permission denied for table t4813"))
        #expect(text.contains("… 2 more failed"))
    }

    @Test(
        "names sort naturally: numbers by value, letters without case",
        arguments: [
            (["t10", "t2", "t1"], ["t1", "t2", "t10"]),
            (["public.t100", "public.t20", "audit.t3"], ["audit.t3", "public.t20", "public.t100"]),
            (["Beta", "alpha", "ALPHA2"], ["alpha", "ALPHA2", "Beta"]),
            (["v1.10", "v1.9", "v1.09"], ["v1.09", "v1.9", "v1.10"]),
            (["orders", "order_items", "2024_sales", "b"], ["2024_sales", "b", "order_items", "orders"])
        ])
    func naturalOrder(names: [String], sorted: [String]) {
        #expect(names.sorted(by: NaturalOrder.precedes) == sorted)
    }
}

/// The picker over 12 tables listed `t1, t10, t11, t12, t2, ...` (a catalog's order), with
/// the source's row estimates for some.
func naturalPickerDriver(width: Int = 80, height: Int = 24) -> Driver {
    var d = shopFormDriver(tables: "t2", width: width, height: height)
    d.keys(.enter)
    let names = (1...12).map { "t\($0)" }.sorted()
    let estimates: [String: Int] = ["t1": 0, "t2": 1_250_000, "t3": 42, "t10": 98_765_432, "t11": 7]
    d.send(
        .valuesLoaded(
            requestID: d.picker?.request?.id ?? 0, values: names.map { ListValue(name: $0, value: $0) },
            resources: names.map { SourceResource(id: $0, fields: [.init(name: "id", type: "integer", mandatory: true)], estimatedRows: estimates[$0]) }))
    return d
}

@Suite struct NaturalPickerTests {
    @Test("the picker lists names in natural order with each one's estimated rows")
    func naturalOrderAndEstimates() throws {
        let d = naturalPickerDriver()
        let p = try #require(d.picker)
        #expect(p.items.map(\.value) == (1...12).map { "t\($0)" })
        #expect(p.pickedValues == ["t2"])
        let frame = render(d.state, width: 80, height: 24)
        #expect(frame.text.contains("≈98,765,432"))
        assertSnapshot(frame, named: "pickerNatural.80x24")
    }
}
