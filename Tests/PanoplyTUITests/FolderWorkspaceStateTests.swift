import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@Suite("The config folder's state store")
struct FolderWorkspaceStateTests {
    @Test("a saved source's state store is its state file, whatever the lease; loadState reads what it saved")
    func stateStoreIsTheStateFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ws-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ws: any Workspace = FolderWorkspace(directory: dir)
        let lease = Lease(name: "Orders 2", holder: LeaseHolder(pid: 1, host: "h", origin: "cli", since: 0)) {}
        let store = ws.stateStore(for: "Orders 2", lease: lease)
        #expect(store.location == dir + "/state/Orders_2.json")
        #expect((ws.stateStore(for: "Orders 2", lease: nil) as? StateFileStore)?.path == store.location)
        #expect(try ws.loadState(of: "Orders 2") == nil)
        try store.save(["orders": ["after": 12]])
        #expect(try ws.loadState(of: "Orders 2") == ["orders": ["after": 12]])
        #expect(try StateFile.load(store.location) == ["orders": ["after": 12]])
    }

    @Test("a state file that is not JSON is an error naming it")
    func brokenStateFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ws-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ws = FolderWorkspace(directory: dir)
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: ws.stateFile(for: "Demo")))
        #expect {
            try ws.loadState(of: "Demo")
        } throws: { error in
            (error as? PanoplyError)?.message.contains(ws.stateFile(for: "Demo")) == true
        }
    }
}
