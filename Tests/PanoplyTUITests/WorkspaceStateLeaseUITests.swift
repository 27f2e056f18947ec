import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

extension WorkspaceUITests {
    @Test("deleting a source's state while a run on another machine holds its lease is refused with a notice naming it; the state stays")
    func deleteStateWhileLeasedElsewhere() async throws {
        let (url, _, env) = try Self.workspace(rows: 30)
        let store = try Workspaces.workspace(url: url, keyFile: nil, configDir: nil, environment: env)
        let elsewhere = try Workspaces.workspace(url: url, keyFile: nil, configDir: nil, environment: env)
        try store.stateStore(for: "Small", lease: nil).save(["demo": ["next_id": 11]])
        // The reducer sees no run (none publishes a snapshot): only the lease says it.
        let holder = LeaseHolder(pid: 777, host: "host-b", origin: "cli", since: Date().timeIntervalSince1970)
        let lease = try elsewhere.acquireLease(of: "Small", holder: holder, wait: nil)
        defer { lease.release() }

        let dir = try temporaryDirectory()
        let terminal = MemoryTerminal(width: 160, height: 24)
        let launch = TUILaunch.demo(on: store, outbox: dir.appendingPathComponent("outbox"))
        let app = Task { @MainActor in try await TUIApp.run(launch, terminal: terminal) }
        try await terminal.waitForText("Saved sources", "Small")
        terminal.press(.char("x"))
        try await terminal.waitForText("Small")
        terminal.press(.char("y"))
        terminal.press(.char("y"))
        try await terminal.waitForText("cannot remove the state of Small: 'Small' is already running (pid 777 on host-b")
        terminal.press(.char("q"))
        #expect(try await exitCode(of: app, within: .seconds(60), terminal: terminal) == 0)
        #expect(try store.loadState(of: "Small") == ["demo": ["next_id": 11]])
    }
}
