import Foundation
import PanoplyKit
import Testing

/// One run of a saved source at a time, across processes: `run --saved` refused with 4 or
/// waiting with `--wait`, `status`, `cancel` from another process (exit 5), and a SIGKILLed
/// run recorded as lost and resumed. Every process here is a real `panoply`.
@Suite("Leases, status and cancel across processes", .serialized)
struct LeaseCLITests {
    /// A config folder with a demo source that takes about 8 s (4,000 rows, 10 a read, 20 ms each).
    static func slowDemo() throws -> (dir: URL, args: [String]) {
        let dir = try SavedRunCLITests.configFolder([("Slow demo", "demo", ["rows": "4000", "batch_size": "10", "delay_ms": "20"])])
        return (dir, ["--config-dir", dir.path])
    }

    static func statusJSON(_ config: [String]) throws -> [String: Any] {
        let r = try CLI.run(["status", "--json"] + config)
        guard r.status == 0 else { throw TestFailure("status exited \(r.status): \(r.stderr)") }
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require((o["sources"] as? [[String: Any]])?.first)
    }

    static func startRun(_ config: [String], outbox: URL, extra: [String] = []) throws -> Child {
        try Child.start(CLI.binary, ["run", "--saved", "Slow demo", "--outbox", outbox.path, "--flush-interval", "0.2"] + extra + config)
    }

    /// Waits until `status --json` shows the source running; returns its `running` object.
    static func waitRunning(_ config: [String], _ child: Child) throws -> [String: Any] {
        var running: [String: Any]?
        try waitUntil("status shows the run", within: .seconds(30)) {
            if !child.isRunning { throw TestFailure("the run exited early: \(child.stderr)") }
            running = try statusJSON(config)["running"] as? [String: Any]
            return running != nil
        }
        return running ?? [:]
    }

    @Test("a second run --saved is refused with 4 at once; status shows the first live; cancel --wait ends it with 5; --wait then resumes")
    func secondRunRefusedThenWaits() throws {
        let (dir, config) = try Self.slowDemo()
        let out = dir.appendingPathComponent("out")
        let first = try Self.startRun(config, outbox: out)
        defer { first.kill9() }
        let running = try Self.waitRunning(config, first)
        #expect(running["origin"] as? String == "cli")
        #expect(running["pid"] as? Int == Int(first.pid))

        let clock = ContinuousClock(), t0 = clock.now
        let second = try CLI.run(["run", "--saved", "Slow demo", "--outbox", dir.appendingPathComponent("out2").path] + config)
        #expect(clock.now - t0 < .seconds(2))
        #expect(second.status == 4, "\(second.stderr)")
        #expect(second.stderr.contains("'Slow demo' is already running (pid \(first.pid) on "), "\(second.stderr)")
        #expect(second.stderr.contains("from cli, since "), "\(second.stderr)")
        #expect(second.stderr.contains("panoply cancel \"Slow demo\""), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out2").path), "the refused run sent nothing")

        let delivered1 = try #require((Self.statusJSON(config)["running"] as? [String: Any])?["delivered"] as? Int)
        try waitUntil("delivered rises between two status calls", within: .seconds(20)) {
            let now = (try Self.statusJSON(config)["running"] as? [String: Any])?["delivered"] as? Int ?? 0
            return now > delivered1
        }

        let waiting = try Self.startRun(config, outbox: out, extra: ["--wait"])
        defer { waiting.kill9() }
        let cancel = try CLI.run(["cancel", "Slow demo", "--wait"] + config)
        #expect(cancel.status == 5, "cancel --wait returns the run's exit code: \(cancel.stderr)")
        let firstExit = try first.waitForExit(within: .seconds(30))
        #expect(firstExit.status == 5, "\(firstExit.stderr)")
        #expect(firstExit.stderr.contains("cancelling: asked from cli on "), "\(firstExit.stderr)")

        let thirdExit = try waiting.waitForExit(within: .seconds(60))
        #expect(thirdExit.status == 0, "\(thirdExit.stderr)")
        #expect(thirdExit.stderr.contains("resuming from the committed state"), "\(thirdExit.stderr)")
        let ids = try outboxIds(out)
        #expect(Set(ids) == Set(1...4000))
        #expect(ids.count < 4000 + 400, "the waiting run resumed where the cancelled one committed")
        let runs = try SavedRunCLITests.historyRuns(dir, "Slow_demo")
        #expect(runs.map { $0["status"] as? String } == ["cancelled", "done"])
        #expect((runs.first?["cancelledBy"] as? String)?.hasPrefix("cli on ") == true, "\(runs.first ?? [:])")
        #expect(try Self.statusJSON(config)["running"] is NSNull)
    }

    @Test("a SIGKILLed run shows as idle with a lost last run within 2 s, and the next run resumes with every id")
    func killedRunIsLost() throws {
        let (dir, config) = try Self.slowDemo()
        let out = dir.appendingPathComponent("out")
        let first = try Self.startRun(config, outbox: out)
        _ = try Self.waitRunning(config, first)
        try waitUntil("some records committed", within: .seconds(20)) { (try? outboxIds(out).count) ?? 0 > 200 }
        first.kill9()
        let clock = ContinuousClock(), killed = clock.now
        var source: [String: Any] = [:]
        try waitUntil("status shows the run lost", within: .seconds(10)) {
            source = try Self.statusJSON(config)
            return (source["lastRun"] as? [String: Any])?["status"] as? String == "lost"
        }
        #expect(clock.now - killed < .seconds(2))
        #expect(source["running"] is NSNull)
        let next = try CLI.run(["run", "--saved", "Slow demo", "--outbox", out.path] + config)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("resuming from the committed state"), "\(next.stderr)")
        #expect(Set(try outboxIds(out)) == Set(1...4000))
    }

    @Test("two runs on one --state file: the second is refused with 4")
    func stateFileLease() throws {
        let dir = try temporaryDirectory()
        let state = dir.appendingPathComponent("demo.state").path
        let args = ["run", "demo", "--param", "rows=4000", "--param", "batch_size=10", "--param", "delay_ms=20", "--state", state]
        let first = try Child.start(CLI.binary, args + ["--outbox", dir.appendingPathComponent("a").path])
        defer { first.kill9() }
        try waitUntil("the first run holds the lock", within: .seconds(20)) {
            if !first.isRunning { throw TestFailure("exited early: \(first.stderr)") }
            return first.stderr.contains("rows")
        }
        let second = try CLI.run(args + ["--outbox", dir.appendingPathComponent("b").path])
        #expect(second.status == 4, "\(second.stderr)")
        #expect(second.stderr.contains("the state file \(state) is in use by another run (pid \(first.pid)"), "\(second.stderr)")
    }

    @Test("save creates and updates a source with the form's checks, keeping references; delete removes it; cancel of an idle source exits 0")
    func saveAndDelete() throws {
        let dir = try temporaryDirectory()
        let config = ["--config-dir", dir.path]
        let bad = try CLI.run(["save", "Orders", "demo", "--param", "rows=many"] + config)
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(bad.stderr.contains("--param rows"), "\(bad.stderr)")
        let saved = try CLI.run(["save", "Orders", "demo", "--param", "rows=${DEMO_ROWS}"] + config)
        #expect(saved.status == 0, "\(saved.stderr)")
        let sources = try String(contentsOf: dir.appendingPathComponent("sources.json"), encoding: .utf8)
        #expect(sources.contains("${DEMO_ROWS}"), "the reference is kept as written: \(sources)")
        let run = try CLI.run(
            ["run", "--saved", "Orders", "--outbox", dir.appendingPathComponent("out").path] + config, environment: ["DEMO_ROWS": "300"])
        #expect(run.status == 0, "\(run.stderr)")
        let same = try CLI.run(["save", "Orders", "demo", "--param", "rows=${DEMO_ROWS}"] + config)
        #expect(same.stdout.contains("params unchanged"), "\(same.stdout)")
        let idle = try CLI.run(["cancel", "Orders"] + config)
        #expect(idle.status == 0 && idle.stdout.contains("'Orders' is not running"), "\(idle.stdout)\(idle.stderr)")
        let deleted = try CLI.run(["delete", "Orders"] + config)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let list = try CLI.run(["list", "--json"] + config)
        #expect(list.stdout.contains("\"sources\":[]"), "\(list.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("history/Orders.json").path))
        let missing = try CLI.run(["delete", "Orders"] + config)
        #expect(missing.status == 2 && missing.stderr.contains("no saved source named 'Orders'"), "\(missing.stderr)")
    }

    @Test("an incremental SQLite source run by two processes started together delivers each row once")
    func incrementalTwoProcesses() throws {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("items.sqlite").path
        let make = try Child.start(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table items (id integer primary key, v text)'); "
                    + "c.executemany('insert into items values (?,?)', ((i, 'v%d' % i) for i in range(1, 100001))); c.commit()",
                db
            ])
        make.closeInput()
        #expect(try make.waitForExit(within: .seconds(60)).status == 0)
        let config = ["--config-dir", dir.path]
        let saved = try CLI.run(["save", "Items", "sqlite", "--param", "path=\(db)", "--param", "table=items"] + config)
        #expect(saved.status == 0, "\(saved.stderr)")
        let out = dir.appendingPathComponent("out")
        let args = ["run", "--saved", "Items", "--outbox", out.path, "--wait"] + config
        let a = try Child.start(CLI.binary, args)
        let b = try Child.start(CLI.binary, args)
        defer {
            a.kill9()
            b.kill9()
        }
        let ea = try a.waitForExit(within: .seconds(120)), eb = try b.waitForExit(within: .seconds(120))
        #expect(ea.status == 0 && eb.status == 0, "\(ea.stderr)\n\(eb.stderr)")
        let ids = try outboxIds(out)
        #expect(ids.count == 100_000, "each row once, not \(ids.count) records")
        #expect(Set(ids) == Set(1...100_000))
        let waited = [ea.stderr, eb.stderr].filter { $0.contains("is already running (pid ") && $0.contains("waiting for it to end") }
        #expect(waited.count <= 1, "at most one waited for the other")
    }
}
