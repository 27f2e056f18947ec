import PanoplyConnectors
import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUI
@testable import PanoplyTUICore

/// Golden frames of issue #27's screens, at the smallest size too.
enum RoughEdgeScene: String, CaseIterable {
    case listAfterSave, confirmDiscard, helpTop, helpPageDown, deleteQuestion, csvForm, postgresForm, listRuns
    case listAfterRun, listAfterDelete, enterOnRunning, helpEnd

    /// Three saved demo sources, for the scenes that move between them.
    static let threeSaved = ["Alpha", "Beta", "Gamma"].map { SavedSource(name: $0, type: "demo", values: [:], lastStatus: .done) }

    /// The scene at `size` (sent first: the help overlay scrolls by the terminal's size).
    func driver(width: Int, height: Int) -> Driver {
        if self == .listRuns { return listRunsDriver(width: width, height: height) }
        var d = Driver(
            self == .csvForm
                ? makeState(with: [CSVSource.self])
                : self == .postgresForm
                    ? makeState(with: [PostgresSource.self])
                    : [.listAfterRun, .listAfterDelete, .enterOnRunning].contains(self)
                        ? twoTypeState(saved: Self.threeSaved)
                        : twoTypeState(
                            saved: self == .deleteQuestion
                                ? [SavedSource(name: "PostgreSQL", type: "demo", values: [:], lastStatus: .done)] : []))
        d.send(.resize(width: width, height: height))
        switch self {
        case .listAfterSave:
            // Saved from the second type: the cursor is on the new source, not on "Demo".
            openNewForm(&d, typeIndex: 1)
            d.keys(.ctrl("s"), .escape)
        case .confirmDiscard:
            d.keys(.enter)
            d.type("1234")
            d.keys(.escape)
        case .helpTop:
            d.keys(.char("?"))
        case .helpPageDown:
            d.keys(.char("?"), .pageDown, .down)
        case .deleteQuestion:
            d.keys(.char("x"))
        case .csvForm:
            // The Path field's help wraps onto a second line; Files to read follows it.
            openNewForm(&d, typeIndex: 1)
        case .postgresForm:
            // Placeholders read as examples.
            openNewForm(&d, typeIndex: 1)
            d.keys(.tab)
        case .listRuns:
            break
        case .listAfterRun:
            // Beta run with Ctrl-S from its form: back on the list, the cursor is on Beta.
            d.keys(.down, .enter, .ctrl("s"), .escape)
        case .listAfterDelete:
            // Beta deleted (state kept): the cursor is on its neighbour Gamma.
            d.keys(.down, .char("x"), .char("y"), .char("n"))
        case .enterOnRunning:
            // Enter on Alpha while it runs here opens its run, not its form.
            d.keys(.enter, .ctrl("s"), .escape, .enter)
        case .helpEnd:
            d.keys(.char("?"))
            for _ in 0..<20 { d.keys(.pageDown) }
        }
        return d
    }
}

/// Orders ran before (recorded), Nightly ran to done in this session, Big is running: one format.
func listRunsDriver(width: Int, height: Int) -> Driver {
    var s = historyState()
    s.saved += [
        SavedSource(name: "Nightly", type: "demo", values: ["rows": "50000"]),
        SavedSource(name: "Big", type: "demo", values: [:], table: "big_events_from_the_old_system")
    ]
    s.epochOrigin = historyEpoch + 86_400
    var d = Driver(s)
    d.send(.resize(width: width, height: height))
    var c = SDKCounters()
    c.records = 50_000
    c.recordsDelivered = 50_000
    d.state.selection = 1
    d.keys(.char("F"))
    d.send(.tick(3), .run(1, .completed(RunSummary(status: .done, recordsRead: 50_000, counters: c, seconds: 3, state: [:], error: nil))))
    d.keys(.escape, .down, .char("F"))
    c.records = 1_200
    d.send(.tick(15), .run(2, .progress(loaded: 1_200, total: 4_000, message: "")), .run(2, .counters(c)))
    d.keys(.escape)
    return d
}

@Suite struct RoughEdgesSnapshotTests {
    @Test(arguments: RoughEdgeScene.allCases, [(60, 16), (80, 24), (120, 40)])
    func eachSceneMatchesItsGoldenFrame(scene: RoughEdgeScene, size: (Int, Int)) {
        let d = scene.driver(width: size.0, height: size.1)
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "\(scene.rawValue).\(size.0)x\(size.1)")
    }

    @Test(arguments: [(60, 16), (70, 20), (80, 24), (110, 32), (120, 40)])
    func theHelpOverlayScrollsToItsLastLineAndCutsNoDescription(width: Int, height: Int) {
        var d = Driver()
        d.send(.resize(width: width, height: height))
        d.keys(.char("?"))
        let layout = HelpLayout(width: width, height: height)
        var seen = render(d.state, width: width, height: height).text
        for _ in 0..<layout.maxTop {
            d.keys(.down)
            seen += render(d.state, width: width, height: height).text
        }
        #expect(d.state.helpTop == layout.maxTop)
        #expect(d.state.overlay == .help)
        // Every description shows whole, on one line or wrapped onto the next.
        let words = KeyMap.helpSections.flatMap(\.rows).flatMap { $0.help.split(separator: " ") }
        for word in Set(words) { #expect(seen.contains(word), "'\(word)' is cut at \(width)x\(height)") }
        d.keys(.down)
        #expect(d.state.helpTop == layout.maxTop)
        for _ in 0...layout.maxTop / max(1, layout.bodyRows - 1) { d.keys(.pageUp) }
        #expect(d.state.helpTop == 0)
    }

    @Test func anyOtherKeyClosesTheHelpAndItOpensAtTheTopAgain() {
        var d = Driver()
        d.send(.resize(width: 60, height: 16))
        d.keys(.char("?"), .pageDown, .char("x"))
        #expect(d.state.overlay == nil)
        #expect(d.state.helpTop == 0)
    }

    @Test func theTypeRowShowsNoRunMarkWhileASavedSourceOfItRuns() {
        var d = Driver(twoTypeState())
        d.keys(.enter, .ctrl("s"), .escape)
        let frame = render(d.state, width: 80, height: 24).text
        let typeLine = frame.split(separator: "\n").first { $0.contains("Demo B") } ?? ""
        #expect(!typeLine.contains("▶"))
        #expect(frame.split(separator: "\n").contains { $0.contains("▶ Demo ") })
    }

    @Test func aLongHelpWrapsOntoTheFooterLineAndIsCutOnlyBelowAnError() {
        #expect(formHelpLines("one two three", width: 20, lines: 2) == ["one two three"])
        #expect(formHelpLines("one two three four", width: 9, lines: 2) == ["one two", "three fo…"])
        #expect(formHelpLines("one two three", width: 9, lines: 1) == ["one two …"])
    }

    @Test func examplesReadAsExamplesAndDefaultsAsDefaults() {
        let info = SourceTypeInfo(type: PostgresSource.type, configuration: PostgresSource.configuration)
        let form = FormState.source(info, values: [:], table: "", savedName: nil)
        let shown = Dictionary(uniqueKeysWithValues: form.fields.map { ($0.name, shownPlaceholder($0)) })
        #expect(shown["host"] == "e.g. db.example.com")
        #expect(shown["port"] == "5432")
        #expect(shown[FormState.tableField] == "postgres")
        #expect(shown[FormState.nameField] == "PostgreSQL")
    }

    @Test func theFileSourcesLabelThePathAsTheirHelpNamesIt() {
        for config in [CSVSource.configuration, JSONLSource.configuration] {
            let titles = Dictionary(uniqueKeysWithValues: config.params.map { ($0.name, $0.title) })
            #expect(titles["path"] == "Path")
            #expect(titles["files"] == "Files to read")
            #expect(config.params.first { $0.name == "files" }?.help.contains("when Path is a folder") == false)
            #expect(config.params.first { $0.name == "files" }?.help.hasPrefix("When Path is a folder") == true)
        }
    }

    @Test(arguments: [(2.5, "2.5s"), (45, "45s"), (65, "1m05s"), (7380, "2h03m")])
    func runSpansReadAsDurations(seconds: Double, shown: String) {
        #expect(Format.span(seconds) == shown)
    }

    @Test func runTimesAreAsShortAsTodayAllows() {
        let day = 86_400.0
        #expect(Format.when(historyEpoch, now: historyEpoch + 60, utcOffset: 0) == "today 08:00")
        #expect(Format.when(historyEpoch, now: historyEpoch + day, utcOffset: 0) == "12-01 08:00")
        #expect(Format.when(historyEpoch, now: historyEpoch + 40 * day, utcOffset: 0) == "2026-12-01 08:00")
    }

    @Test(arguments: [(60, 16), (70, 20)])
    func aNarrowListKeepsTheStatusAndCountAndCutsTheTypeAndTable(width: Int, height: Int) {
        let frame = render(listRunsDriver(width: width, height: height).state, width: width, height: height).text
        #expect(frame.contains("done · 20,000 delivered"), "\(frame)")
        #expect(frame.contains("done · 50,000 delivered"), "\(frame)")
        #expect(frame.contains("running 30.0% · 1,200 records"), "\(frame)")
    }
}
