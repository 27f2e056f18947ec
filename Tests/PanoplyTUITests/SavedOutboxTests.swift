import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A source saved in the UI keeps the outbox folder the UI wrote to, absolute, so
/// `panoply run --saved` from any folder writes its records there.
@Suite("Records go where the UI sent them", .serialized)
struct SavedOutboxTests {
    @Test("a source saved with no destination saved keeps the UI's outbox folder, absolute")
    func fillingKeepsTheUIsOutbox() {
        let ui = DestinationSettings(kind: .outbox, outbox: DestinationSettings.defaultOutbox)
        let sources = [
            SavedSource(name: "A", type: "demo", values: [:]),
            SavedSource(name: "B", type: "demo", values: [:], outbox: "/srv/old/out")
        ]
        let kept = SavedOutbox.filling(sources, ui: ui, directory: "/srv/a", destinationSaved: false)
        #expect(kept.map(\.outbox) == ["/srv/a/panoply-outbox", "/srv/old/out"])
        #expect(SavedOutbox.filling(sources, ui: ui, directory: "/srv/a", destinationSaved: true) == sources)
        let panoply = DestinationSettings(kind: .panoply, apiKey: "k", apiSecret: "s", outbox: DestinationSettings.defaultOutbox)
        #expect(SavedOutbox.filling(sources, ui: panoply, directory: "/srv/a", destinationSaved: false) == sources)
    }

    @Test("a run uses the source's outbox folder unless a destination was named or saved")
    func runDestination() {
        let given = DestinationSettings(kind: .outbox, outbox: "/srv/b/panoply-outbox", spool: "/srv/b/spool")
        let source = SavedSource(name: "A", type: "demo", values: [:], outbox: "/srv/a/panoply-outbox")
        let d = SavedOutbox.destination(for: source, given: given, explicit: false)
        #expect(d.kind == .outbox && d.outbox == "/srv/a/panoply-outbox" && d.spool == "/srv/b/spool")
        #expect(SavedOutbox.destination(for: source, given: given, explicit: true) == given)
        #expect(SavedOutbox.destination(for: nil, given: given, explicit: false) == given)
    }

    @Test("a saved destination's folders are made absolute against the UI's folder")
    func savedDestinationIsAbsolute() {
        let d = DestinationSettings(kind: .outbox, outbox: "./out/../panoply-outbox", spool: "spool")
        let abs = d.absolute(against: "/srv/a")
        #expect(abs.outbox == "/srv/a/panoply-outbox" && abs.spool == "/srv/a/spool")
        #expect(DestinationSettings(kind: .outbox, outbox: "/x").absolute(against: "/srv/a").outbox == "/x")
    }

    @Test("a source saved from a UI in folder A and run with run --saved from folder B writes to A's outbox, created when missing")
    func runSavedFromAnotherFolderWritesToTheUIsOutbox() async throws {
        let root = try temporaryDirectory()
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        let config = root.appendingPathComponent("config")
        for d in [a, b, config] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let outboxA = a.appendingPathComponent("panoply-outbox")

        // The UI, started in A with no destination named or saved.
        let terminal = MemoryTerminal(width: 80, height: 24)
        var launch = TUILaunch(
            registry: SourceRegistry([DemoSource.self]),
            destination: DestinationSettings(kind: .outbox, outbox: DestinationSettings.defaultOutbox),
            destinationGiven: false, configDirectory: config.path)
        launch.workingDirectory = a.path
        launch.environment = [:]
        let app = Task { @MainActor in try await TUIApp.run(launch, terminal: terminal) }
        try await terminal.waitForText("Saved sources")
        terminal.press(.enter)
        try await terminal.waitForText("New Demo source", "Rows")
        terminal.type("300")
        terminal.press(.ctrl("s"))
        try await terminal.waitForText("done", "100%", within: .seconds(60))
        try await terminal.waitForText("created the outbox folder")
        terminal.press(.escape)
        try await terminal.waitForText("Saved sources")
        terminal.press(.char("q"))
        #expect(try await exitCode(of: app, within: .seconds(60), terminal: terminal) == 0)
        #expect(try uiRecordIds(outboxA).count == 300, "the UI wrote to A's outbox")

        let data = try Data(contentsOf: config.appendingPathComponent("sources.json"))
        let file = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let saved = try #require((file["sources"] as? [[String: Any]])?.first)
        #expect(saved["outbox"] as? String == outboxA.path)
        let name = try #require(saved["name"] as? String)

        // cron, in B: the records go to A's outbox, made again when it was removed.
        try FileManager.default.removeItem(at: outboxA)
        let run = try CLI.run(["run", "--saved", name, "--config-dir", config.path], in: b)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("created the outbox folder \(outboxA.path)"), "\(run.stderr)")
        #expect(try uiRecordIds(outboxA).count == 300)
        #expect(!FileManager.default.fileExists(atPath: b.appendingPathComponent("panoply-outbox").path))
    }
}

/// The `id` of every record in an outbox folder's files.
func uiRecordIds(_ outbox: URL) throws -> [Int] {
    try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".ndjson") }
        .map { try String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8) }
        .joined().split(separator: "\n").filter { $0.hasPrefix("{") }
        .compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int
        }
}
