import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

@Suite struct HistoryStoreTests {
    @Test func appendsKeepTheLast50InAFileOfMode0600() throws {
        let store = HistoryStore(directory: try temporaryDirectory().path)
        for i in 0..<55 { try store.append(record(.done, started: Double(i)), to: "Orders DB") }
        let runs = try store.load("Orders DB")
        #expect(runs.count == 50 && runs.first?.started == 5 && runs.last?.started == 54)
        let mode = try FileManager.default.attributesOfItem(atPath: store.file(for: "Orders DB"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(store.file(for: "Orders DB").hasSuffix("/history/Orders_DB.json"))
    }

    @Test func concurrentAppendsLoseNoRun() async throws {
        let store = HistoryStore(directory: try temporaryDirectory().path)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<40 { group.addTask { try? store.append(record(.done, started: Double(i)), to: "Shared") } }
        }
        #expect(try store.load("Shared").count == 40)
    }

    @Test func renameMovesAndDeleteRemovesTheHistory() throws {
        let store = HistoryStore(directory: try temporaryDirectory().path)
        try store.append(record(.failed, started: 1), to: "Old")
        try store.rename(from: "Old", to: "New")
        #expect(try store.load("Old").isEmpty && store.load("New").count == 1)
        try store.delete("New")
        #expect(try store.load("New").isEmpty)
    }

    @Test func anUnreadableHistoryIsAClearErrorAndTheOthersStillLoad() throws {
        let dir = try temporaryDirectory()
        let store = HistoryStore(directory: dir.path)
        try store.append(record(.done, started: 1), to: "Good")
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: store.file(for: "Bad")))
        let (history, problems) = store.loadAll(["Good", "Bad"])
        #expect(history["Good"]?.count == 1 && history["Bad"] == nil)
        #expect(problems.count == 1 && problems[0].contains("fix or delete the file"))
        try store.append(record(.done, started: 2), to: "Bad")
        #expect(try store.load("Bad").count == 1)
        #expect(try String(contentsOfFile: store.file(for: "Bad") + ".unreadable", encoding: .utf8) == "{not json", "the unreadable file is kept aside")
    }
}
