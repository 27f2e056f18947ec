import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

@Suite("The config store")
struct FolderWorkspaceTests {
    @Test("saved sources and the destination come back as saved, in files only their owner can read")
    func roundTripWithPrivateModes() throws {
        let dir = try temporaryDirectory().appendingPathComponent("config")
        let store = FolderWorkspace(directory: dir.path)
        #expect(try store.loadSources().isEmpty)
        #expect(try store.loadDestination() == nil)
        let sources = [SavedSource(name: "Orders", type: "demo", values: ["rows": "5"], table: "orders", lastStatus: .failed)]
        let destination = DestinationSettings(kind: .panoply, apiKey: "acme/r1", apiSecret: "c2VjcmV0", outbox: "./out")
        try store.saveSources(sources)
        try store.saveDestination(destination)
        // Saving gives each source an id; the rest is as saved.
        #expect(try store.loadSources().map(\.withoutID) == sources)
        #expect(try store.loadSources().allSatisfy { $0.id != nil })
        #expect(try store.loadDestination() == destination)
        for file in [store.sourcesFile, store.destinationFile] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(file) has mode \(String(mode, radix: 8))")
        }
        let dirMode = try #require(FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int)
        #expect(dirMode == 0o700)
    }

    @Test("an unreadable sources file is a config error that names the file and says what to do")
    func corruptFileIsAClearError() throws {
        let dir = try temporaryDirectory()
        let store = FolderWorkspace(directory: dir.path)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: store.sourcesFile))
        let error = try #require(throws: PanoplyError.self) { try store.loadSources() }
        #expect(error.message.contains(store.sourcesFile) && error.message.contains("fix or delete the file"), "\(error.message)")
    }

    @Test("state files are named after the source, with unsafe characters replaced")
    func stateFileNames() {
        let store = FolderWorkspace(directory: "/cfg")
        #expect(store.stateFile(for: "Orders 2/../x") == "/cfg/state/Orders_2____x.json")
    }
}
