import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

extension TUILaunch {
    /// The UI's launch on `store` with the demo source, sending to the outbox `outbox`.
    static func demo(on store: any Workspace, outbox: URL) -> TUILaunch {
        var launch = TUILaunch(
            registry: SourceRegistry([DemoSource.self]), destination: DestinationSettings(kind: .outbox, outbox: outbox.path),
            destinationGiven: true, configDirectory: "")
        launch.workspace = store
        launch.environment = [:]
        return launch
    }
}

/// The test services' PostgreSQL (PANOPLY_TEST_PG_*), nil when none runs.
enum TestPostgres {
    static let server: [String: String]? = {
        let e = ProcessInfo.processInfo.environment
        guard let host = e["PANOPLY_TEST_PG_HOST"], let port = e["PANOPLY_TEST_PG_PORT"], !port.isEmpty else { return nil }
        return [
            "host": host, "port": port, "user": e["PANOPLY_TEST_PG_USER"] ?? "postgres",
            "password": e["PANOPLY_TEST_PG_PASSWORD"] ?? "", "database": e["PANOPLY_TEST_PG_DATABASE"] ?? "postgres"
        ]
    }()
}

/// The UI on a team's workspace in the real PostgreSQL of the test services (a schema of
/// each test's own). Two UIs in tmux are scripts/e2e/workspace_tui.sh.
@Suite("The UI on a PostgreSQL workspace", .serialized, .enabled(if: TestPostgres.server != nil, "needs PANOPLY_TEST_PG_*"))
struct WorkspaceUITests {

    /// A fresh schema, initialised, with a demo source of `rows` saved from the command line.
    static func workspace(rows: Int) throws -> (url: String, schema: String, env: [String: String]) {
        let pg = try #require(TestPostgres.server)
        let schema = "ui_\(UInt32.random(in: 0...UInt32.max))"
        let url =
            "postgres://\(pg["user"]!):\(pg["password"]!)@\(pg["host"]!):\(pg["port"]!)/\(pg["database"]!)?sslmode=disable&schema=\(schema)"
        let home = try temporaryDirectory()
        let env = ["HOME": home.path, "PANOPLY_CONFIG_DIR": "", "PANOPLY_WORKSPACE": url]
        for args in [["workspace", "init"], ["save", "Small", "demo", "--param", "rows=\(rows)"]] {
            let r = try CLI.run(args, in: home, environment: env)
            guard r.status == 0 else { throw TestFailure("panoply \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        }
        return (url, schema, env)
    }

    @Test("a run started in the UI is recorded in the workspace's history under its lease, its snapshot cleared, the lease freed")
    func runRecordedUnderItsLease() async throws {
        let (url, schema, env) = try Self.workspace(rows: 300)
        let store = try Workspaces.workspace(url: url, keyFile: nil, configDir: nil, environment: env)
        let pg = try #require(TestPostgres.server)
        #expect(WorkspaceHeader.name(of: store) == "\(pg["user"]!)@\(pg["host"]!):\(pg["port"]!)/\(pg["database"]!)?schema=\(schema)")

        let dir = try temporaryDirectory()
        let terminal = MemoryTerminal(width: 100, height: 24)
        let launch = TUILaunch.demo(on: store, outbox: dir.appendingPathComponent("outbox"))
        let app = Task { @MainActor in try await TUIApp.run(launch, terminal: terminal) }
        try await terminal.waitForText("Saved sources", "Small", "[\(pg["user"]!)@\(pg["host"]!):")
        terminal.press(.enter)
        try await terminal.waitForText("Rows")
        terminal.press(.ctrl("s"))
        try await terminal.waitForText("done", "100%", within: .seconds(60))
        terminal.press(.escape)
        let list = try await terminal.waitForText("Saved sources", "done · 300 delivered")
        #expect(!list.text.contains("cannot record"), "\(list.text)")
        #expect(!list.text.contains(pg["password"]!), "\(list.text)")
        terminal.press(.char("q"))
        #expect(try await exitCode(of: app, within: .seconds(60), terminal: terminal) == 0)

        let history = try store.history(of: "Small")
        #expect(history.map(\.status) == [.done], "\(history)")
        #expect(history.first?.origin == "ui")
        #expect(store.snapshot(of: "Small") == nil, "the run's snapshot was cleared with its history row")
        #expect(!store.isRunning("Small"))
    }

    @Test("a long workspace name keeps its start and its end in a narrow header")
    func middleTruncation() {
        #expect("abcdef".truncatedInMiddle(to: 6) == "abcdef")
        #expect("panoply@db.internal:5432/panoply?schema=team".truncatedInMiddle(to: 21) == "panoply@db…chema=team")
        #expect("abcdef".truncatedInMiddle(to: 2) == "a…")
    }
}
