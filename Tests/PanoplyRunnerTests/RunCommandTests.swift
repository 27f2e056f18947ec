import Foundation
import PanoplyKit
import Testing

@Suite("panoply run")
struct RunCommandTests {
    @Test("run demo with 50,000 rows leaves exactly ids 1...50000 in the outbox")
    func demoDeliversEveryId() throws {
        let dir = try temporaryDirectory()
        let r = try CLI.run(["run", "demo", "--param", "rows=50000", "--outbox", dir.appendingPathComponent("out").path])
        #expect(r.status == 0, "\(r.stderr)")
        let ids = try outboxIds(dir.appendingPathComponent("out"))
        #expect(ids.count == 50000)
        #expect(Set(ids) == Set(1...50000))
        #expect(r.stdout.contains("records=50000 messages="))
        #expect(r.stdout.range(of: #"records=\d+ messages=\d+ bytes=\d+ errors=\d+ retries=\d+ seconds=[0-9.]+"#, options: .regularExpression) != nil)
    }

    @Test("a retryable failure is retried once and every id arrives exactly once")
    func retryableFailureIsRetried() throws {
        let dir = try temporaryDirectory()
        let r = try CLI.run([
            "run", "demo", "--param", "rows=50000", "--param", "fail_at=20000", "--param", "fail_mode=retryable",
            "--outbox", dir.appendingPathComponent("out").path, "--events", "json", "--retry-base-ms", "10"
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let retries = r.stdout.split(separator: "\n").filter { $0.contains("\"event\":\"retrying\"") }
        #expect(retries.count == 1)
        let ids = try outboxIds(dir.appendingPathComponent("out"))
        #expect(ids.count == 50000)
        #expect(Set(ids).count == 50000)
    }

    @Test("a fatal failure exits 1 with the committed state saved; the same command again completes")
    func fatalFailureResumesFromState() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("out").path
        let state = dir.appendingPathComponent("demo.state").path
        let args = [
            "run", "demo", "--param", "rows=50000", "--param", "fail_at=20000", "--param", "fail_mode=fatal",
            "--outbox", out, "--state", state
        ]
        let first = try CLI.run(args)
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stderr.contains("demo failure at row 20000"))
        let saved = try #require(try StateFile.load(state))
        let nextId = try #require(saved["demo"]?[path: "next_id"]?.intValue)
        #expect(nextId > 1 && nextId <= 20000)

        let second = try CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        let ids = try outboxIds(URL(fileURLWithPath: out))
        #expect(Set(ids) == Set(1...50000))
        // Only ids after the last committed state may repeat.
        var seen = Set<Int>(), repeats = 0
        for id in ids where !seen.insert(id).inserted {
            repeats += 1
            #expect(id >= nextId)
        }
        print("fatal+resume: \(ids.count) records, \(repeats) repeated after the committed state \(nextId)")
        #expect(try StateFile.load(state)?["demo"]?[path: "next_id"]?.intValue == 50001)
    }

    @Test("with a commit interval longer than the run, a failed run still saves its newest committed state as it ends")
    func commitIntervalSavesAtTheEnd() throws {
        let dir = try temporaryDirectory()
        let state = dir.appendingPathComponent("demo.state").path
        let r = try CLI.run([
            "run", "demo", "--param", "rows=20000", "--param", "fail_at=15000", "--param", "fail_mode=fatal",
            "--outbox", dir.appendingPathComponent("out").path, "--state", state, "--commit-interval", "3600", "--events", "json"
        ])
        #expect(r.status == 1, "\(r.stderr)")
        let states = r.stdout.split(separator: "\n").filter { $0.contains("\"event\":\"state\"") }
        #expect((1...2).contains(states.count), "one save when the first commit came, one at the end: \(states.count)")
        let nextId = try #require(try StateFile.load(state)?["demo"]?[path: "next_id"]?.intValue)
        #expect(nextId > 1 && nextId <= 15000)
    }

    @Test("events are JSON lines, and secrets never appear in them")
    func eventsAreJSONLines() throws {
        let dir = try temporaryDirectory()
        let r = try CLI.run(["run", "demo", "--param", "rows=1000", "--outbox", dir.path, "--events", "json"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").dropLast()
        #expect(lines.allSatisfy { (try? JSONParser.parse(String($0)))?.objectValue?["event"] != nil })
        #expect(lines.first?.contains("\"started\"") == true)
        #expect(lines.last?.contains("\"completed\"") == true)
    }

    @Test(
        "bad params exit 2 and name every problem",
        arguments: [
            (["--param", "rows=abc"], "Rows must be a number"),
            (["--param", "bogus=1"], "unknown param 'bogus'"),
            (["--param", "fail_mode=sometimes"], "must be one of retryable, fatal"),
            (["--param", "rows"], "--param takes NAME=VALUE")
        ])
    func badParamsExit2(args: [String], message: String) throws {
        let dir = try temporaryDirectory()
        let r = try CLI.run(["run", "demo"] + args + ["--outbox", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test(
        "huge, infinite, negative or NaN seconds exit 2 naming the option and its range",
        arguments: [
            (["run", "demo", "--flush-interval", "1e300"], "--flush-interval must be a number of seconds from 0.001 to 3600 (got 1e+300)"),
            (["run", "demo", "--flush-interval", "inf"], "--flush-interval must be a number of seconds from 0.001 to 3600 (got inf)"),
            (["send", "t", "--flush-interval", "nan"], "--flush-interval must be a number of seconds from 0.001 to 3600 (got nan)"),
            (["send", "t", "--flush-interval=-2"], "--flush-interval must be a number of seconds from 0.001 to 3600 (got -2)"),
            (["run", "demo", "--shutdown-timeout", "1e300"], "--shutdown-timeout must be a number of seconds from 0.001 to 86400 (got 1e+300)"),
            (["send", "t", "--shutdown-timeout", "inf"], "--shutdown-timeout must be a number of seconds from 0.001 to 86400 (got inf)"),
            (["send", "t", "--shutdown-timeout=-1"], "--shutdown-timeout must be a number of seconds from 0.001 to 86400 (got -1)"),
            (["run", "demo", "--commit-interval=-1"], "--commit-interval must be a number of seconds from 0 to 3600 (got -1)"),
            (["run", "demo", "--commit-interval", "nan"], "--commit-interval must be a number of seconds from 0 to 3600 (got nan)")
        ])
    func outOfRangeSecondsExit2(args: [String], message: String) throws {
        let dir = try temporaryDirectory()
        let r = try CLI.run(args + ["--outbox", dir.path])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(!r.signalled, "it must not trap")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "nothing was written")
    }

    @Test("an unknown source type exits 2 and lists the available ones")
    func unknownType() throws {
        let r = try CLI.run(["run", "nosuch"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("available: ") && r.stderr.contains("demo"))
    }

    @Test("sources --json lists every type with its params")
    func sourcesJSON() throws {
        let r = try CLI.run(["sources", "--json"])
        #expect(r.status == 0)
        let list = try #require(try JSONParser.parse(r.stdout).arrayValue)
        #expect(list.compactMap { $0[path: "type"]?.stringValue } == ["demo", "csv", "jsonl", "sqlite", "postgres", "http"])
        #expect(list.allSatisfy { ($0[path: "params"]?.arrayValue?.count ?? 0) > 0 })
        let pg = list.first { $0[path: "type"] == "postgres" }?[path: "params"]?.arrayValue ?? []
        #expect(pg.first { $0[path: "name"] == "password" }?[path: "kind"] == "secret")
        let demo = try #require(list.first { $0[path: "type"] == "demo" })
        let params = demo[path: "params"]?.arrayValue?.compactMap { $0[path: "name"]?.stringValue }
        #expect(params == ["rows", "batch_size", "delay_ms", "fail_at", "fail_mode"])
    }

    @Test("check validates params and connects without reading")
    func checkDemo() throws {
        let ok = try CLI.run(["check", "demo", "--param", "rows=10"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("ok:"))
        let bad = try CLI.run(["check", "demo", "--param", "rows=-"])
        #expect(bad.status == 2)
    }
}
