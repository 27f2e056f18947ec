import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

@Suite struct ViewHelperTests {
    @Test func anUnchangedFrameDrawsNothing() {
        var a = Screen(width: 20, height: 3)
        a.put("hello", x: 0, y: 0)
        #expect(frameDiff(from: a, to: a).isEmpty)
    }

    @Test func aChangedCellDrawsOnlyItsRun() {
        var a = Screen(width: 20, height: 3)
        a.put("hello world", x: 0, y: 1)
        var b = a
        b.put("W", x: 6, y: 1, style: .bold)
        #expect(frameDiff(from: a, to: b) == [DrawRun(x: 6, y: 1, text: "W", style: .bold)])
    }

    @Test func aNewSizeDrawsEverything() {
        let runs = frameDiff(from: Screen(width: 10, height: 2), to: Screen(width: 12, height: 2))
        #expect(runs.map(\.text.count).reduce(0, +) == 24)
    }

    @Test func wideCharactersTakeTwoCells() {
        var s = Screen(width: 6, height: 1)
        let end = s.put("日x", x: 0, y: 0)
        #expect(end == 3)
        #expect(s[1, 0].isContinuation)
        #expect(s.line(0) == "日x   ")
    }

    /// Widths as ncurses (wcwidth, per code point) advances the cursor, so a frame's
    /// columns stay where the terminal puts them.
    @Test(arguments: [("e\u{301}", 1), ("ë", 1), ("日", 2), ("👍", 2), ("🇩🇪", 2), ("👍🏽", 4), ("👩‍👩‍👧", 6), ("1️⃣", 1), ("a", 1)])
    func charactersTakeTheColumnsNcursesGivesThem(text: String, columns: Int) {
        #expect(Character(text).displayWidth == columns)
    }

    @Test func aCharacterWiderThanTwoMarksEveryCellAfterItAsAContinuation() {
        var s = Screen(width: 8, height: 1)
        let end = s.put("👍🏽x", x: 0, y: 0)
        #expect(end == 5)
        #expect((1...3).allSatisfy { s[$0, 0].isContinuation })
        #expect(s.line(0) == "👍🏽x   ")
    }

    @Test(arguments: [(0.0, "          "), (0.0375, "▍         "), (0.05, "▌         "), (0.5, "█████     "), (1.0, "██████████")])
    func theProgressBarHasEighthBlockResolution(fraction: Double, expected: String) {
        let (filled, empty) = Format.bar(fraction, width: 10)
        #expect(filled + empty == expected)
    }

    @Test func numbersAreFormattedWithoutLocale() {
        #expect(Format.count(1234567) == "1,234,567")
        #expect(Format.percent(0.4833) == "48.3%")
        #expect(Format.percent(1) == "100%")
        #expect(Format.bytes(2_700_000) == "2.7 MB")
        #expect(Format.clock(3725) == "1:02:05")
    }

    @Test func stateIsIndentedJSON() {
        #expect(
            JSONPretty.lines(["a": ["b": 1], "c": [1, "x"]]) == ["{", "  \"a\": {", "    \"b\": 1", "  },", "  \"c\": [", "    1,", "    \"x\"", "  ]", "}"])
    }

    @Test func savedSourcesAndDestinationAreWrittenWithMode0600AndReadBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-tui-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = FolderWorkspace(directory: dir)
        let sources = [SavedSource(name: "Demo", type: "demo", values: ["rows": "5"], lastStatus: .failed)]
        try store.saveSources(sources)
        let d = DestinationSettings(kind: .panoply, apiKey: "a/b", apiSecret: "s", outbox: "./o")
        try store.saveDestination(d)
        #expect(try store.loadSources().map(\.withoutID) == sources)
        #expect(try store.loadDestination() == d)
        for file in [store.sourcesFile, store.destinationFile] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func openPrefillsTheFormAndUnknownParamsAreRejected() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-tui-\(UUID().uuidString)").path
        let store = FolderWorkspace(directory: dir)
        var launch = TUILaunch(
            registry: BuiltinSources.registry, destination: DestinationSettings(kind: .outbox, outbox: "./o"),
            destinationGiven: true, openType: "demo", prefill: ["rows": "7"], configDirectory: dir)
        let state = try TUIApp.initialState(launch, store: store)
        guard case .form(let f) = state.screen else { Issue.record("no form"); return }
        #expect(f.value("rows") == "7")
        launch.prefill = ["nope": "1"]
        #expect(throws: PanoplyError.self) { try TUIApp.initialState(launch, store: store) }
    }
}
