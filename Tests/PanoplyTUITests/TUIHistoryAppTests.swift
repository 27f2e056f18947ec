import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// The history and `${NAME}` params through the whole app: real loop, coordinator, runner
/// and files, on an in-memory terminal.
@Suite("History and environment params in the whole UI", .serialized)
struct TUIHistoryAppTests {
    static func writeSources(_ sources: [SavedSource], into config: URL) throws {
        try FolderWorkspace(directory: config.path).saveSources(sources)
    }

    @Test("a run is recorded in the history file, which the next session shows under h")
    func runsAreRecordedAndShownAfterARestart() async throws {
        let first = try TUIAppTests.Session(prepare: { try Self.writeSources([SavedSource(name: "Nightly", type: "demo", values: ["rows": "700"])], into: $0) })
        try await first.terminal.waitForText("Saved sources", "Nightly")
        first.terminal.press(.enter)
        try await first.terminal.waitForText("Nightly")
        first.terminal.press(.ctrl("s"))
        try await first.terminal.waitForText("100%", "done")
        first.terminal.press(.escape)
        first.terminal.press(.char("q"))
        #expect(try await first.exitCode() == 0)
        let runs = try HistoryStore(directory: first.configDir.path).load("Nightly")
        #expect(runs.map(\.status) == [.done])
        #expect(runs.first?.delivered == 700 && runs.first?.origin == "ui")
        let mode =
            try FileManager.default.attributesOfItem(atPath: first.configDir.appendingPathComponent("history/Nightly.json").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let second = try TUIAppTests.Session(prepare: { config in
            try FileManager.default.copyItem(at: first.configDir.appendingPathComponent("sources.json"), to: config.appendingPathComponent("sources.json"))
            try FileManager.default.copyItem(at: first.configDir.appendingPathComponent("history"), to: config.appendingPathComponent("history"))
        })
        try await second.terminal.waitForText("Nightly", "done · 700 delivered")
        second.terminal.press(.char("h"))
        try await second.terminal.waitForText("History · Nightly", "1 run", "✓ done")
        second.terminal.press(.enter)
        try await second.terminal.waitForText("Nightly · run of", "completed: 700 records read")
        second.terminal.press(.char("q"))
        #expect(try await second.exitCode() == 0)
    }

    @Test("a run whose fields changed marks the source on the list until it is opened, which sources.json keeps")
    func schemaChangesMarkTheSourceUntilOpened() async throws {
        let s = try TUIAppTests.Session(prepare: { config in
            try Self.writeSources([SavedSource(name: "Nightly", type: "demo", values: ["rows": "50"])], into: config)
            // The last successful run saw one field the demo's records do not have.
            var last = RunRecord(started: 1_796_112_000, ended: 1_796_112_010, status: .done, origin: "cli")
            last.schema = ["": ["legacy_code": "string"]]
            try FolderWorkspace(directory: config.path).appendHistory(last, to: "Nightly")
        })
        try await s.terminal.waitForText("Saved sources", "Nightly")
        #expect(!(try await s.terminal.waitForText("Nightly")).text.contains("schema changed"))
        s.terminal.press(.enter)
        try await s.terminal.waitForText("Nightly")
        s.terminal.press(.ctrl("s"))
        try await s.terminal.waitForText("100%", "done")
        s.terminal.press(.escape)
        try await s.terminal.waitForText("Saved sources", "schema changed")
        s.terminal.press(.enter)
        try await s.terminal.waitForText("Ctrl-S")
        s.terminal.press(.escape)
        let list = try await s.terminal.waitForText("Saved sources", "done · 50 delivered")
        #expect(!list.text.contains("schema changed"))
        s.terminal.press(.char("q"))
        #expect(try await s.exitCode() == 0)
        let runs = try FolderWorkspace(directory: s.configDir.path).history(of: "Nightly")
        #expect(runs.last?.schemaChanges?.first?.contains("removed legacy_code") == true, "\(runs.last?.schemaChanges ?? [])")
        let saved = try FolderWorkspace(directory: s.configDir.path).loadSources()
        #expect(saved.first?.schemaSeen == runs.last?.started)
    }

    @Test("an expanded ${NAME} is masked on screen and in the history, and sources.json keeps the reference")
    func environmentValuesStayOutOfScreenAndFiles() async throws {
        let secret = "hidden-\(UUID().uuidString.prefix(8))"
        let s = try TUIAppTests.Session(
            width: 120, height: 40, types: [DemoSource.self, CSVSource.self], environment: ["DATA_DIR": "/tmp/\(secret)"],
            prepare: { try Self.writeSources([SavedSource(name: "Files", type: "csv", values: ["path": "${DATA_DIR}/users.csv"])], into: $0) })
        try await s.terminal.waitForText("Saved sources", "Files")
        s.terminal.press(.enter)
        try await s.terminal.waitForText("${DATA_DIR}/users.csv")
        // Ctrl-S's check finds the missing file: the form stays, the message masked.
        s.terminal.press(.ctrl("s"))
        let check = try await s.terminal.waitForText("test failed", "'****/users.csv' does not exist")
        #expect(!check.text.contains(secret))
        // F on the list runs it anyway: the run fails, masked on screen and in the history.
        s.terminal.press(.escape)
        try await s.terminal.waitForText("Saved sources")
        s.terminal.press(.char("F"))
        let frame = try await s.terminal.waitForText("failed", "'****/users.csv' does not exist")
        #expect(!frame.text.contains(secret))
        s.terminal.press(.escape)
        s.terminal.press(.char("q"))
        #expect(try await s.exitCode() == 0)
        let history = try String(contentsOf: s.configDir.appendingPathComponent("history/Files.json"), encoding: .utf8)
        #expect(history.contains("****") && !history.contains(secret))
        let sources = try String(contentsOf: s.configDir.appendingPathComponent("sources.json"), encoding: .utf8)
        #expect(sources.contains("${DATA_DIR}") && !sources.contains(secret))
    }
}
