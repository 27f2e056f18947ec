import Foundation
import PanoplyKit
import Testing

/// `panoply sources/discover/check/run` with python:MODULE and singer:EXECUTABLE types,
/// through the built binary (the fixtures of PanoplyConnectorsTests).
@Suite(
    "python: and singer: types on the command line",
    .enabled(if: ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"]?.isEmpty == false))
struct SubprocessCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PanoplyConnectorsTests/Fixtures")
    static var env: [String: String] {
        let python = ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"] ?? "python3"
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return [
            "PYTHONPATH": fixtures.appendingPathComponent("python").path, "PANOPLY_PYTHON": python,
            "PATH": fixtures.appendingPathComponent("singer").path + ":" + path
        ]
    }

    @Test("sources --json shows a module's params: list kind, dependencies, category")
    func sourcesJSON() throws {
        let r = try CLI.run(["sources", "--json", "python:t_api", "singer:tap-three"], environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try JSONParser.parse(r.stdout).arrayValue)
        #expect(list.compactMap { $0[path: "type"]?.stringValue } == ["python:t_api", "singer:tap-three"])
        let params = list[0][path: "params"]?.arrayValue ?? []
        let regions = try #require(params.first { $0[path: "name"] == "regions" })
        #expect(regions[path: "kind"] == "list")
        #expect(regions[path: "dependencies"] == ["account"])
        #expect(params.first { $0[path: "name"] == "target" }?[path: "category"] == "advanced")
        #expect(list[1][path: "params"]?.arrayValue?.first { $0[path: "name"] == "streams" }?[path: "kind"] == "list")
    }

    @Test("discover lists resources and the values of lists whose dependencies are given")
    func discover() throws {
        let r = try CLI.run(["discover", "python:t_api", "--param", "account=acme", "--json"], environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONParser.parse(r.stdout)
        #expect(o[path: "resources"]?.arrayValue?.compactMap { $0[path: "id"]?.stringValue } == ["items", "audit"])
        #expect(o[path: "values.regions"]?.arrayValue?.compactMap { $0[path: "value"]?.stringValue } == ["eu", "us", "ap"])
        let streams = try CLI.run(["discover", "singer:tap-three", "--param", "rows=3"], environment: Self.env)
        #expect(streams.stdout.contains("streams: users, orders, events"), "\(streams.stderr)")
    }

    @Test(
        "discover lists a database module's tables (its list param's values) when it keeps the base list_resources",
        .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
    func discoverTablesOfDatabaseModule() throws {
        let db = try PostgresServer.createDatabase("panoply_pydiscover")
        try PostgresServer.run(
            "CREATE TABLE orders (id int); CREATE TABLE customers (id int); CREATE SCHEMA other; CREATE TABLE other.hidden (id int);",
            database: db)
        let pg = try #require(PostgresServer.env)
        let params = ["host", "port", "user", "password"].flatMap { ["--param", "\($0)=\(pg[$0]!)"] } + ["--param", "database=\(db)"]
        let r = try CLI.run(["discover", "python:t_db"] + params + ["--json"], environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONParser.parse(r.stdout)
        let resources = o[path: "resources"]?.arrayValue ?? []
        #expect(resources.compactMap { $0[path: "id"]?.stringValue } == ["public.customers", "public.orders"], "\(r.stdout)")
        #expect(resources.compactMap { $0[path: "title"]?.stringValue } == ["customers", "orders"])
        #expect(o[path: "values.tables"]?.arrayValue?.compactMap { $0[path: "value"]?.stringValue } == ["public.customers", "public.orders"])
        let text = try CLI.run(["discover", "python:t_db"] + params + ["--param", "schema=other"], environment: Self.env)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.split(separator: "\n").first == "other.hidden  hidden", "\(text.stdout)")
        #expect(!text.stderr.contains("NotImplementedError"), "\(text.stderr)")
    }

    @Test("a look-alike runner planted where the runner used to be written (a world-writable temp folder) never runs")
    func plantedRunnerNeverRuns() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmp = dir.appendingPathComponent("tmp")
        let folder = tmp.appendingPathComponent("panoply-\(getuid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        chmod(tmp.path, 0o1777)
        chmod(folder.path, 0o777)
        // The name the runner had there: panoply_runner-<FNV-1a of its text>.py.
        let root = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = try String(contentsOf: root.appendingPathComponent("scripts/python/panoply_runner.py"), encoding: .utf8)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in script.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let marker = dir.appendingPathComponent("planted-runner-ran").path
        let planted = "open(\(JSONWriter.string(.string(marker))), 'a').write('ran\\n')\nraise SystemExit(7)\n"
        let plantedPath = folder.appendingPathComponent("panoply_runner-\(String(hash, radix: 16)).py").path
        try planted.write(toFile: plantedPath, atomically: true, encoding: .utf8)
        chmod(plantedPath, 0o666)

        var env = Self.env
        env["HOME"] = ""
        env["XDG_CACHE_HOME"] = ""
        env["TMPDIR"] = tmp.path + "/"
        env["PANOPLY_CONFIG_DIR"] = dir.appendingPathComponent("config").path
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["run", "python:t_fail", "--param", "mode=print", "--outbox", out.path], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try outboxIds(out) == [1, 2, 3, 4])
        let list = try CLI.run(["sources", "--json", "python:t_api"], environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the planted runner ran")
    }

    @Test("run delivers a module's records, comma-separated lists reach it, its prints are logged")
    func run() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(
            ["run", "python:t_fail", "--param", "mode=print", "--outbox", dir.appendingPathComponent("out").path],
            environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("hello from print"))
        #expect(try outboxIds(dir.appendingPathComponent("out")) == [1, 2, 3, 4])
        let bad = try CLI.run(["run", "python:t_broken"], environment: Self.env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("does not import") && bad.stderr.contains("module_that_does_not_exist"))
        let check = try CLI.run(["check", "python:t_fail", "--param", "mode=print"], environment: Self.env)
        #expect(check.status == 0, "\(check.stderr)")
    }
}
