import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyWorkspacePostgres

/// The same calls on the config folder and on a PostgreSQL workspace give the same answers.
@Suite("PostgreSQL workspace behaves as the folder", .enabled(if: TestDatabase.available))
struct WorkspaceEquivalenceTests {
    /// What a workspace answers after a fixed series of calls (ids left out: each gives its own).
    struct Observed: Equatable {
        var sources: [SavedSource] = []
        var destination: DestinationSettings?
        var hasDestination = false
        var types: [AddedSourceType] = []
        var states: [JSONObject?] = []
        var histories: [[RunRecord]] = []
        var renamedHistory: [RunRecord] = []
    }

    static func exercise(_ ws: any Workspace) throws -> Observed {
        var seen = Observed()
        seen.hasDestination = ws.hasSavedDestination
        let a = SavedSource(name: "A", type: "demo", values: ["rows": "3"], table: "a")
        let b = SavedSource(name: "B", type: "csv", values: ["path": "/x.csv"], lastStatus: .done)
        try ws.saveSources([a, b])
        try ws.saveDestination(DestinationSettings(kind: .outbox, outbox: "/tmp/outbox"))
        try ws.saveAddedTypes([AddedSourceType(type: "singer:tap-y")])
        let store = ws.stateStore(for: "A", lease: nil)
        try store.save(["r": ["n": 1], "__params": ["token": "t"]])
        seen.states.append(try ws.loadState(of: "A"))
        try store.save(["r": ["n": 2], "s": true, "__params": ["token": "t"]])
        seen.states.append(try store.load())
        try ws.resetState(of: "A")
        seen.states.append(try ws.loadState(of: "A"))
        try ws.deleteState(of: "A")
        seen.states.append(try ws.loadState(of: "A"))
        try ws.resetState(of: "B")
        seen.states.append(try ws.loadState(of: "B"))
        for i in 1...3 { try ws.appendHistory(RunRecord(started: Double(i), ended: Double(i + 1), status: .done, origin: "cli"), to: "A") }
        seen.histories.append(try ws.history(of: "A"))
        seen.histories.append(try ws.history(of: "B"))
        var renamed = try ws.loadSources()
        renamed[0].name = "A2"
        try ws.saveSources(renamed)
        try ws.renameState(from: "A", to: "A2")
        try ws.renameHistory(from: "A", to: "A2")
        seen.renamedHistory = try ws.history(of: "A2")
        try ws.deleteHistory(of: "A2")
        seen.histories.append(try ws.history(of: "A2"))
        seen.sources = try ws.loadSources().map(\.withoutID)
        seen.destination = try ws.loadDestination()
        seen.hasDestination = seen.hasDestination || ws.hasSavedDestination
        seen.types = try ws.loadAddedTypes()
        return seen
    }

    @Test("sources, destination, types, state and history answer alike")
    func sameAnswers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("equiv-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = try Self.exercise(FolderWorkspace(directory: dir))
        let postgres = try TestDatabase.withWorkspace { ws, _ in
            ws.useSecrets(WorkspaceSecrets(key: try WorkspaceKey(bytes: Data(repeating: 1, count: 32), origin: "test")))  // __params are sealed
            return try Self.exercise(ws)
        }
        #expect(folder == postgres)
        #expect(folder.sources.map(\.name) == ["A2", "B"])
        #expect(folder.states[2] == ["__params": ["token": "t"]])
        #expect(folder.renamedHistory.count == 3)
    }
}
