import Foundation
import PanoplyKit
import Testing

/// A run whose workspace stops answering mid-run (issue #29 item 4): the workspace's calls
/// block, and must not hold the Swift concurrency pool the run reads and delivers on (two
/// threads on two cores). The workspace is reached through a ``PauseProxy`` the test
/// blackholes; every process here is a real `panoply`.
@Suite("A run whose workspace stops answering", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct WorkspaceOutageCLITests {
    /// A run of a slow demo source of 40,000 rows (~80 s) on a workspace reached through a
    /// proxy, once it delivered 300 records; the proxy, and where the run delivers.
    static func startRun() throws -> (proxy: PauseProxy, run: Child, out: URL) {
        let (url, a, _) = try WorkspaceCLITests.workspace()
        try WorkspaceCLITests.saveSlowDemo(a, rows: 40000)
        let pg = try #require(PostgresServer.env)
        let (host, port) = (try #require(pg["host"]), try #require(pg["port"]))
        let proxy = try PauseProxy(upstreamHost: host, upstreamPort: try #require(Int(port)))
        var env = a.env
        env["PANOPLY_WORKSPACE"] = url.replacingOccurrences(of: "@\(host):\(port)/", with: "@127.0.0.1:\(proxy.port)/")
        #expect(env["PANOPLY_WORKSPACE"] != url)
        let out = a.home.appendingPathComponent("out")
        let run = try Child.start(
            CLI.binary, ["run", "--saved", "Slow demo", "--outbox", out.path, "--flush-interval", "0.2", "--shutdown-timeout", "2"],
            environment: env)
        _ = try WorkspaceCLITests.waitRunning(a, run)
        try waitUntil("some records delivered", within: .seconds(30)) { (try? outboxIds(out).count) ?? 0 > 300 }
        return (proxy, run, out)
    }

    @Test("the workspace blackholed mid-run: the run keeps delivering what it reads, and SIGINT ends it within seconds")
    func blackholedWorkspace() throws {
        let (proxy, run, out) = try Self.startRun()
        defer { proxy.stop() }
        defer { run.kill9() }
        proxy.pause()
        // Delivering 2,000 more records takes ~4 s: commits, snapshots and cancel checks
        // are due meanwhile, and each waits for the blackholed workspace.
        let before = try outboxIds(out).count
        try waitUntil("the run keeps delivering while the workspace is down", within: .seconds(30)) {
            if !run.isRunning { throw TestFailure("the run exited: \(run.stderr)") }
            return (try? outboxIds(out).count) ?? 0 > before + 2000
        }

        let clock = ContinuousClock(), signalled = clock.now
        run.signal(SIGINT)
        let exit = try run.waitForExit(within: .seconds(60))
        let took = clock.now - signalled
        #expect(took < .seconds(8), "SIGINT ended the run in \(took): \(exit.stderr)")
        #expect(exit.status != 0, "\(exit.stderr)")
        #expect(exit.stderr.contains("SIGINT: cancelling the run"), "\(exit.stderr)")
        let ids = try outboxIds(out)
        #expect(ids.count == Set(ids).count, "no record delivered twice")
    }

    @Test("the workspace blackholed mid-run: the run's commit cannot confirm its lease, so it stops reading and fails by itself (lost lease)")
    func blackholedWorkspaceFailsTheRun() throws {
        let (proxy, run, out) = try Self.startRun()
        defer { proxy.stop() }
        defer { run.kill9() }
        proxy.pause()
        // A statement unanswered for 15 s breaks its connection; a new one is not answered
        // either: the commit's ~30 s of patience run out, then the history row, the
        // snapshot and the lease's release each wait for the workspace in vain.
        let exit = try run.waitForExit(within: .seconds(150))
        #expect(exit.status == 1, "\(exit.stderr)")
        #expect(exit.stderr.contains("lost lease: cannot confirm the lease of source 'Slow demo'"), "\(exit.stderr)")
        let ids = try outboxIds(out)
        #expect(ids.count < 40000, "the run stopped reading")
        #expect(ids.count == Set(ids).count, "no record delivered twice")
    }
}
