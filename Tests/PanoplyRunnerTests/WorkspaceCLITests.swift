import Foundation
import PanoplyKit
import Testing

/// Two "machines" (two HOMEs, so two config folders) on one workspace in the real
/// PostgreSQL of the test services: every process here is a real `panoply`.
@Suite("A team's workspace across machines", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct WorkspaceCLITests {
    /// One host: its own HOME (config folder) and the shared workspace's environment.
    struct Host {
        let home: URL
        let env: [String: String]

        func run(_ args: [String]) throws -> Child.Exit { try CLI.run(args, environment: env) }
        func start(_ args: [String]) throws -> Child { try Child.start(CLI.binary, args, environment: env) }
    }

    /// A fresh schema in the test database, initialised; two hosts on it.
    static func workspace() throws -> (url: String, a: Host, b: Host) {
        let pg = try #require(PostgresServer.env)
        let schema = "ws_\(UInt32.random(in: 0...UInt32.max))"
        let url = "postgres://\(pg["user"]!):\(pg["password"]!)@\(pg["host"]!):\(pg["port"]!)/\(Self.database)?sslmode=disable&schema=\(schema)"
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        func host(_ name: String) throws -> Host {
            let home = try temporaryDirectory().appendingPathComponent(name)
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            return Host(
                home: home,
                env: [
                    "HOME": home.path, "PANOPLY_CONFIG_DIR": "", "XDG_CONFIG_HOME": "", "PANOPLY_WORKSPACE": url,
                    "PANOPLY_WORKSPACE_KEY": key
                ])
        }
        let a = try host("host-a"), b = try host("host-b")
        let initialised = try a.run(["workspace", "init"])
        guard initialised.status == 0 else { throw TestFailure("workspace init exited \(initialised.status): \(initialised.stderr)") }
        return (url, a, b)
    }

    static let database: String = {
        ProcessInfo.processInfo.environment["PANOPLY_TEST_PG_DATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
    }()

    static func statusJSON(_ host: Host) throws -> [String: Any] {
        let r = try host.run(["status", "--json"])
        guard r.status == 0 else { throw TestFailure("status exited \(r.status): \(r.stderr)") }
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require((o["sources"] as? [[String: Any]])?.first)
    }

    static func saveSlowDemo(_ host: Host, rows: Int = 4000) throws {
        let saved = try host.run([
            "save", "Slow demo", "demo", "--param", "rows=\(rows)", "--param", "batch_size=10", "--param", "delay_ms=20"
        ])
        guard saved.status == 0 else { throw TestFailure("save exited \(saved.status): \(saved.stderr)") }
    }

    static func waitRunning(_ host: Host, _ child: Child) throws -> [String: Any] {
        var running: [String: Any]?
        try waitUntil("status shows the run", within: .seconds(30)) {
            if !child.isRunning { throw TestFailure("the run exited early: \(child.stderr)") }
            running = try statusJSON(host)["running"] as? [String: Any]
            return running != nil
        }
        return running ?? [:]
    }

    /// A workspace with "Slow demo" saved on A and running there (B's status shows it),
    /// past its first 300 records in A's outbox `out`. The caller SIGKILLs the run.
    static func slowDemoRunningOnA() throws -> (url: String, a: Host, b: Host, outA: URL, runA: Child) {
        let (url, a, b) = try workspace()
        try saveSlowDemo(a)
        let outA = a.home.appendingPathComponent("out")
        let runA = try a.start(["run", "--saved", "Slow demo", "--outbox", outA.path, "--flush-interval", "0.2"])
        do {
            _ = try waitRunning(b, runA)
            try waitUntil("some records delivered", within: .seconds(20)) { (try? outboxIds(outA).count) ?? 0 > 300 }
        } catch {
            runA.kill9()
            throw error
        }
        return (url, a, b, outA, runA)
    }

    @Test("a source saved on A is listed and run on B; a run on A refuses one on B with 4; B sees it live and cancels it (5)")
    func twoMachines() throws {
        let (_, a, b) = try Self.workspace()
        try Self.saveSlowDemo(a)
        let listed = try b.run(["list", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("\"Slow demo\""), "\(listed.stdout)")

        let outA = a.home.appendingPathComponent("out")
        let runA = try a.start(["run", "--saved", "Slow demo", "--outbox", outA.path, "--flush-interval", "0.2"])
        defer { runA.kill9() }
        let running = try Self.waitRunning(b, runA)
        #expect(running["pid"] as? Int == Int(runA.pid), "B's status shows A's run: \(running)")

        let refused = try b.run(["run", "--saved", "Slow demo", "--outbox", b.home.appendingPathComponent("out").path])
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(refused.stderr.contains("'Slow demo' is already running (pid \(runA.pid) on "), "\(refused.stderr)")

        let cancel = try b.run(["cancel", "Slow demo", "--wait"])
        #expect(cancel.status == 5, "\(cancel.stderr)")
        let exitA = try runA.waitForExit(within: .seconds(30))
        #expect(exitA.status == 5, "\(exitA.stderr)")

        // B resumes what A committed, and A's history row is visible to B.
        let outB = b.home.appendingPathComponent("out")
        let next = try b.run(["run", "--saved", "Slow demo", "--outbox", outB.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("resuming from the committed state"), "\(next.stderr)")
        #expect(Set(try outboxIds(outA) + outboxIds(outB)) == Set(1...4000))
        let last = try #require(try Self.statusJSON(a)["lastRun"] as? [String: Any])
        #expect(last["status"] as? String == "done")
    }

    @Test("a SIGKILLed run on A frees the lease within 2 s, is recorded lost, and B resumes from the committed state")
    func killedRunIsLost() throws {
        let (_, a, b, outA, runA) = try Self.slowDemoRunningOnA()
        runA.kill9()
        let clock = ContinuousClock(), killed = clock.now
        try waitUntil("B's status shows the run lost", within: .seconds(10)) {
            (try Self.statusJSON(b)["lastRun"] as? [String: Any])?["status"] as? String == "lost"
        }
        #expect(clock.now - killed < .seconds(2))
        let outB = b.home.appendingPathComponent("out")
        let next = try b.run(["run", "--saved", "Slow demo", "--outbox", outB.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("resuming from the committed state"), "\(next.stderr)")
        #expect(Set(try outboxIds(outA) + outboxIds(outB)) == Set(1...4000))
    }

    @Test("fencing: A's lease connection is cut, B takes the source, A's next commit is refused (lost lease) and B's state stands")
    func fencing() throws {
        let (url, a, b, outA, runA) = try Self.slowDemoRunningOnA()
        defer { runA.kill9() }
        // The lease holder's connection: the one holding a session advisory lock keyed by this
        // test's schema (other tests and processes on the server hold leases of their own).
        let schema = try #require(url.components(separatedBy: "schema=").last)
        try PostgresServer.run(
            """
            SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND classid = hashtext('\(schema)')::oid
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
            """, database: Self.database)
        let outB = b.home.appendingPathComponent("out")
        let runB = try b.start(["run", "--saved", "Slow demo", "--outbox", outB.path, "--wait=30"])
        defer { runB.kill9() }
        let exitA = try runA.waitForExit(within: .seconds(60))
        #expect(exitA.status == 1, "\(exitA.stderr)")
        #expect(exitA.stderr.contains("lost lease"), "\(exitA.stderr)")
        let exitB = try runB.waitForExit(within: .seconds(90))
        #expect(exitB.status == 0, "\(exitB.stderr)")
        #expect(Set(try outboxIds(outA) + outboxIds(outB)) == Set(1...4000))
        let last = try #require(try Self.statusJSON(a)["lastRun"] as? [String: Any])
        #expect(last["status"] as? String == "done", "the history's last run is B's: \(last)")
        // B finished: its committed state starts the next run over, so a next run reads every row again.
        let again = try a.run(["run", "--saved", "Slow demo", "--outbox", a.home.appendingPathComponent("again").path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Set(try outboxIds(a.home.appendingPathComponent("again"))) == Set(1...4000))
    }

    @Test("docs/deploy.md's crontab line runs as written against the workspace")
    func crontabExample() throws {
        let (url, a, _) = try Self.workspace()
        let saved = try a.run(["save", "Orders DB", "demo", "--param", "rows=500"])
        #expect(saved.status == 0, "\(saved.stderr)")
        let doc = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/deploy.md"), encoding: .utf8)
        let lines = doc.components(separatedBy: "\n")
        let marker = try #require(lines.firstIndex { $0.contains("<!-- crontab-example") })
        let entry = try #require(lines[(marker + 1)...].first { !$0.hasPrefix("```") && !$0.isEmpty })
        // A crontab line: five schedule fields, then the command cron gives to sh.
        let command = entry.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true).last.map(String.init) ?? ""
        #expect(command.contains("panoply run --saved \"Orders DB\""), "\(entry)")
        let envFile = "export PANOPLY_WORKSPACE='\(url)'\nexport PANOPLY_WORKSPACE_KEY='\(a.env["PANOPLY_WORKSPACE_KEY"]!)'\n"
        try envFile.write(to: a.home.appendingPathComponent(".panoply.env"), atomically: true, encoding: .utf8)
        let bin = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().path
        // cron's environment: HOME, a short PATH (with panoply on it), no workspace variables.
        let child = try Child.start(
            "/bin/sh", ["-c", command], in: a.home,
            environment: [
                "HOME": a.home.path, "PATH": "\(bin):/usr/bin:/bin", "PANOPLY_WORKSPACE": "", "PANOPLY_WORKSPACE_KEY": "",
                "PANOPLY_CONFIG_DIR": "", "XDG_CONFIG_HOME": ""
            ])
        child.closeInput()
        let cron = try child.waitForExit(within: .seconds(120))
        let log = (try? String(contentsOf: a.home.appendingPathComponent("panoply-orders.log"), encoding: .utf8)) ?? ""
        #expect(cron.status == 0, "\(log)")
        #expect(log.contains("records=500 "), "\(log)")
        let listed = try a.run(["list", "--json"])
        #expect(listed.stdout.contains("\"done\""), "\(listed.stdout)")
    }
}
