import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@Suite("Saved source ids")
struct SavedSourceIDTests {
    static let a = SavedSource(name: "A", type: "demo", values: [:])
    static let b = SavedSource(name: "B", type: "demo", values: [:])

    @Test("a source gets an id on its first save, keeps it when saved again without one, and when renamed")
    func folderKeepsIDs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ids-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = FolderWorkspace(directory: dir)
        try folder.saveSources([Self.a, Self.b])
        let first = try folder.loadSources()
        #expect(Set(first.compactMap(\.id)).count == 2)
        try folder.saveSources([Self.a, Self.b])
        #expect(try folder.loadSources().map(\.id) == first.map(\.id))
        var renamed = first
        renamed[0].name = "A2"
        try folder.saveSources(renamed)
        #expect(try folder.loadSources().map(\.id) == first.map(\.id))
    }

    @Test("a sources.json written before ids existed still reads (no ids), and its next save gives them")
    func oldFileReads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ids-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = #"{"version": 1, "sources": [{"name": "A", "type": "demo", "values": {}, "table": ""}]}"#
        try Data(old.utf8).write(to: URL(fileURLWithPath: dir + "/sources.json"))
        let folder = FolderWorkspace(directory: dir)
        let loaded = try folder.loadSources()
        #expect(loaded == [Self.a])
        try folder.saveSources(loaded)
        #expect(try folder.loadSources().first?.id != nil)
    }

    @Test("withIDs: a repeated id is replaced, and a name's known id is not given twice")
    func noRepeatedIDs() {
        var x = Self.a
        x.id = "same"
        var y = Self.b
        y.id = "same"
        let listed = SavedSource.withIDs([x, y], known: [])
        #expect(listed[0].id == "same" && listed[1].id != "same" && listed[1].id != nil)
        var known = Self.a
        known.id = "k"
        var claimed = Self.b
        claimed.id = "k"
        let both = SavedSource.withIDs([claimed, Self.a], known: [known])
        #expect(both[0].id == "k" && both[1].id != "k")
    }
}
