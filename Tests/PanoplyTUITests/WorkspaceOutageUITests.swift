import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// The UI on a PostgreSQL workspace that stops answering (a ``PauseProxy`` blackholes it):
/// the MainActor never waits for the workspace, so the UI goes on drawing and quits at once.
@Suite("The UI on a workspace that stops answering", .serialized, .enabled(if: TestPostgres.server != nil, "needs PANOPLY_TEST_PG_*"))
struct WorkspaceOutageUITests {
    /// A workspace with the source "Slow" saved, reached through a ``PauseProxy``; the UI's launch on it.
    static func setUp() throws -> (proxy: PauseProxy, launch: TUILaunch) {
        let pg = try #require(TestPostgres.server)
        let (host, port) = (pg["host"]!, pg["port"]!)
        let schema = "ui_\(UInt32.random(in: 0...UInt32.max))"
        let url = "postgres://\(pg["user"]!):\(pg["password"]!)@\(host):\(port)/\(pg["database"]!)?sslmode=disable&schema=\(schema)"
        let home = try temporaryDirectory()
        let env = ["HOME": home.path, "PANOPLY_CONFIG_DIR": "", "PANOPLY_WORKSPACE": url]
        let save = ["save", "Slow", "demo", "--param", "rows=100000", "--param", "batch_size=10", "--param", "delay_ms=20"]
        for args in [["workspace", "init"], save] {
            let r = try CLI.run(args, in: home, environment: env)
            guard r.status == 0 else { throw TestFailure("panoply \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        }
        let proxy = try PauseProxy(upstreamHost: host, upstreamPort: try #require(Int(port)))
        let proxied = url.replacingOccurrences(of: "@\(host):\(port)/", with: "@127.0.0.1:\(proxy.port)/")
        var launch = TUILaunch.demo(
            on: try Workspaces.workspace(url: proxied, keyFile: nil, configDir: nil, environment: env), outbox: home.appendingPathComponent("outbox"))
        launch.shutdownTimeout = .milliseconds(500)
        return (proxy, launch)
    }

    /// The UI on the workspace of ``setUp()``, "Slow" started from its form and drawing its rows.
    @MainActor
    static func slowRunning() async throws -> (PauseProxy, MemoryTerminal, Task<Int32, any Error>, Screen) {
        let (proxy, launch) = try setUp()
        let terminal = MemoryTerminal(width: 120, height: 30)
        let app = Task { @MainActor in try await TUIApp.run(launch, terminal: terminal) }
        do {
            try await terminal.waitForText("Saved sources", "Slow")
            terminal.press(.enter)
            try await terminal.waitForText("Rows")
            terminal.press(.ctrl("s"))
            return (proxy, terminal, app, try await terminal.waitForText("/100000 rows", within: .seconds(30)))
        } catch {
            app.cancel()
            proxy.stop()
            throw error
        }
    }

    @Test("with the workspace blackholed mid-run, the UI keeps drawing the run and quits within a second of its shutdown timeout")
    func blackholedWorkspace() async throws {
        let (proxy, terminal, app, started) = try await Self.slowRunning()
        defer { proxy.stop() }
        defer { app.cancel() }
        let before = try #require(Self.rows(started.text))

        // The workspace's runs version changes every 10 s (its slow poll), so the UI's
        // watcher reads the blackholed workspace within 12 s: the run goes on drawing.
        proxy.pause()
        _ = try await terminal.waitForFrame("6,000 more rows drawn with the workspace down", within: .seconds(40)) { screen in
            (Self.rows(screen.text) ?? 0) > before + 6000
        }
        terminal.press(.char("q"))
        try await terminal.waitForText("Quit while 1 run is active?")
        terminal.press(.char("y"))
        let clock = ContinuousClock(), asked = clock.now
        let code = try await exitCode(of: app, within: .seconds(30), terminal: terminal)
        let took = clock.now - asked
        #expect(took < .seconds(2), "the UI quit in \(took) (shutdown timeout 0.5 s)")
        #expect(code == 1, "the run was still delivering when the UI gave up on it")
    }

    @Test("a retry started while the workspace does not answer leaves the UI answering keys at once")
    func startWhileBlackholed() async throws {
        let (proxy, terminal, app, _) = try await Self.slowRunning()
        defer { proxy.stop() }
        defer { app.cancel() }
        terminal.press(.char("c"))
        terminal.press(.char("y"))
        try await terminal.waitForText("cancelled", within: .seconds(30))
        proxy.pause()
        // The retry's lease, lost-run check and state (after the cancelled run's history row)
        // wait on the workspace, up to its 15 s answer timeout, on the UI's records queue:
        // the help comes up at once.
        terminal.press(.char("r"))
        terminal.press(.char("?"))
        try await terminal.waitForText("show this help", within: .seconds(3))
        // A cancelled UI leaves as a confirmed quit does, without waiting for the workspace.
        app.cancel()
        _ = try await exitCode(of: app, within: .seconds(10), terminal: terminal)
    }

    /// The rows the run view shows (`14820/100000 rows`).
    static func rows(_ text: String) -> Int? {
        guard let r = text.range(of: #"(\d+)/100000 rows"#, options: .regularExpression) else { return nil }
        return Int(text[r].prefix { $0.isNumber })
    }
}
