import Foundation
import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// The warning a run of `orders` gives when `email` was added since the last successful run.
let ordersChange = SchemaRecorder.describe("orders", old: ["id": "number"], new: ["id": "number", "email": "string"])!

/// Orders ran before (recorded, done); it runs again here and ends done, at `tick` seconds.
private func runOrders(_ d: inout Driver, at tick: Double) -> Double {
    d.send(.tick(tick))
    d.state.selection = 0
    d.keys(.enter, .ctrl("s"))
    let id = d.state.nextRunID - 1
    d.send(.run(id, .completed(RunSummary(status: .done, recordsRead: 500, counters: SDKCounters(), seconds: 1, state: [:]))))
    d.keys(.escape)
    #expect(d.state.screen == .list)
    return d.state.epochOrigin + tick
}

/// The list of `historyState` at `width`x`height`, Orders' last run having noted a change
/// not seen yet, with a second saved source that has none.
private func markedListDriver(width: Int, height: Int) -> Driver {
    var s = historyState()
    s.saved.append(SavedSource(name: "Files", type: "demo", values: [:], table: "files_from_the_old_system"))
    s.epochOrigin = historyEpoch + 86_400
    s.history["Orders"]?[1].schemaChanges = [ordersChange]
    s.history["Files"] = [record(.done, started: historyEpoch + 7200)]
    var d = Driver(s)
    d.send(.resize(width: width, height: height))
    return d
}

@Suite struct SchemaMarkTests {
    @Test func aRunWithSchemaChangesMarksTheSourceUntilItsFormIsOpenedAndTheSeenRunIsSaved() throws {
        var d = Driver(historyState())
        d.state.epochOrigin = historyEpoch + 86_400
        let started = runOrders(&d, at: 10)
        #expect(d.state.unseenSchemaChanges(of: d.state.saved[0]) == nil)
        // The app loop posts the changes once the history record is written.
        d.send(.schemaChanges(sourceName: "Orders", started: started, changes: [ordersChange]))
        #expect(d.state.lastRecord(of: "Orders")?.schemaChanges == [ordersChange])
        #expect(d.state.unseenSchemaChanges(of: d.state.saved[0])?.started == started)
        #expect(render(d.state, width: 80, height: 24).text.contains("schema changed"))

        let fx = d.keys(.enter)
        #expect(d.form != nil)
        #expect(d.state.saved[0].schemaSeen == started)
        #expect(fx == [.saveSources(d.state.saved)])
        d.keys(.escape)
        #expect(d.state.screen == .list)
        #expect(d.state.unseenSchemaChanges(of: d.state.saved[0]) == nil)
        #expect(!render(d.state, width: 80, height: 24).text.contains("schema changed"))
        // Opened again: nothing more to save.
        #expect(d.keys(.enter) == [])
    }

    @Test func hOpeningTheHistoryClearsTheMarkToo() {
        var d = markedListDriver(width: 80, height: 24)
        let fx = d.keys(.char("h"))
        #expect(d.state.screen == .history(HistoryScreen(source: "Orders")))
        #expect(d.state.saved[0].schemaSeen == historyEpoch + 3600)
        #expect(fx == [.saveSources(d.state.saved)])
    }

    @Test func aLaterRunWithNewChangesMarksItAgainAndTheFormKeepsWhatWasSeen() {
        var d = Driver(historyState())
        d.state.epochOrigin = historyEpoch + 86_400
        let first = runOrders(&d, at: 10)
        d.send(.schemaChanges(sourceName: "Orders", started: first, changes: [ordersChange]))
        d.keys(.enter)
        // Ctrl-S saves the source anew: what was seen stays seen.
        d.send(.tick(20))
        d.keys(.ctrl("s"))
        #expect(d.state.saved[0].schemaSeen == first)
        d.send(.run(2, .completed(RunSummary(status: .done, recordsRead: 500, counters: SDKCounters(), seconds: 1, state: [:]))))
        d.keys(.escape)
        let second = d.state.epochOrigin + 20
        #expect(d.state.unseenSchemaChanges(of: d.state.saved[0]) == nil)
        d.send(.schemaChanges(sourceName: "Orders", started: second, changes: [ordersChange]))
        #expect(d.state.unseenSchemaChanges(of: d.state.saved[0])?.started == second)
    }

    @Test func noMarkWithoutChanges() {
        var d = Driver(historyState())
        d.state.epochOrigin = historyEpoch + 86_400
        let started = runOrders(&d, at: 10)
        d.send(.schemaChanges(sourceName: "Orders", started: started, changes: []))
        #expect(d.state.lastRecord(of: "Orders")?.schemaChanges == nil)
        #expect(d.state.unseenSchemaChanges(of: d.state.saved[0]) == nil)
        #expect(d.keys(.enter) == [])
        // Changes of an earlier run that the last one no longer has: no mark either.
        var s = historyState()
        s.history["Orders"]?[0].schemaChanges = [ordersChange]
        #expect(s.unseenSchemaChanges(of: s.saved[0]) == nil)
    }

    @Test func whatWasSeenSurvivesARestartAndOldFilesRead() throws {
        var src = SavedSource(name: "Orders", type: "demo", values: [:])
        src.schemaSeen = historyEpoch + 3600
        let data = try JSONEncoder().encode(src)
        #expect(try JSONDecoder().decode(SavedSource.self, from: data) == src)
        let old = Data(#"{"name":"Orders","type":"demo","values":{},"table":""}"#.utf8)
        #expect(try JSONDecoder().decode(SavedSource.self, from: old).schemaSeen == nil)

        var s = markedListDriver(width: 80, height: 24).state
        #expect(s.unseenSchemaChanges(of: s.saved[0]) != nil)
        s.saved[0] = try JSONDecoder().decode(SavedSource.self, from: data)
        #expect(s.unseenSchemaChanges(of: s.saved[0]) == nil)
    }

    @Test(arguments: [(60, 16), (80, 24), (120, 40)])
    func theMarkFitsTheListRow(size: (Int, Int)) {
        let d = markedListDriver(width: size.0, height: size.1)
        let lines = render(d.state, width: size.0, height: size.1).text.split(separator: "\n", omittingEmptySubsequences: false)
        let orders = lines.first { $0.contains("Orders") } ?? ""
        #expect(orders.contains("schema changed"), "\(orders)")
        #expect(!(lines.first { $0.contains("Files") } ?? "").contains("schema changed"))
        #expect(orders.count <= size.0)
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func theMarkedListMatchesItsGoldenFrame(size: (Int, Int)) {
        let d = markedListDriver(width: size.0, height: size.1)
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "listSchemaChanged.\(size.0)x\(size.1)")
    }

    @Test func theHistoryDetailShowsTheChanges() {
        var d = markedListDriver(width: 80, height: 24)
        d.keys(.char("h"), .enter)
        let text = render(d.state, width: 80, height: 24).text
        #expect(text.contains("schema changed · orders: added email (string)"), "\(text)")
        assertSnapshot(render(d.state, width: 80, height: 24), named: "historySchemaChanged.80x24")
    }
}
