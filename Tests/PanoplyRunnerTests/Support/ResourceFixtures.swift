import Foundation
import PanoplyKit
import Testing

/// The PostgreSQL server of scripts/services/postgres.sh, driven with its `psql`.
enum PostgresServer {
    static let env: [String: String]? = {
        let e = ProcessInfo.processInfo.environment
        guard let port = e["PANOPLY_TEST_PG_PORT"], !port.isEmpty else { return nil }
        return [
            "host": e["PANOPLY_TEST_PG_HOST"] ?? "127.0.0.1", "port": port, "user": e["PANOPLY_TEST_PG_USER"] ?? "panoply",
            "password": e["PANOPLY_TEST_PG_PASSWORD"] ?? ""
        ]
    }()

    static var available: Bool { env != nil && psql != nil }
    static let skipMessage: Comment = "PANOPLY_TEST_PG_PORT is not set (run scripts/services/postgres.sh start)"

    /// The server's psql (beside postgres.sh's binaries, else on PATH).
    static let psql: String? = {
        let dirs = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed().map {
            "/usr/lib/postgresql/\($0)/bin"
        }
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        return (dirs + path).map { "\($0)/psql" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `sql` in `database`, stopping at the first error.
    static func run(_ sql: String, database: String) throws {
        guard let env, let psql else { throw TestFailure("no PostgreSQL server") }
        let child = try Child.start(
            psql, ["-h", env["host"]!, "-p", env["port"]!, "-U", env["user"]!, "-d", database, "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            environment: ["PGPASSWORD": env["password"]!])
        child.write(Data(sql.utf8))
        child.closeInput()
        let exit = try child.waitForExit(within: .seconds(120))
        guard exit.status == 0 else { throw TestFailure("psql failed (\(exit.status)): \(exit.stderr)") }
    }

    /// A fresh database for one suite; returns its name.
    static func createDatabase(_ prefix: String) throws -> String {
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        try run("CREATE DATABASE \(name)", database: "postgres")
        return name
    }

    /// The `--param` arguments that connect to `database`.
    static func params(_ database: String) -> [String] {
        guard let env else { return [] }
        return ["host", "port", "user", "password"].flatMap { ["--param", "\($0)=\(env[$0]!)"] }
            + ["--param", "database=\(database)", "--param", "sslmode=disable"]
    }
}

/// Every record in an outbox folder, parsed, in file order.
func outboxRecords(_ dir: URL) throws -> [JSONObject] {
    guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ndjson") }.sorted()
    var out: [JSONObject] = []
    for name in names {
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            if case .object(let o) = try JSONParser.parse(Array(line)) { out.append(o) }
        }
    }
    return out
}

/// The `id`s of the records of each `__resource`.
func idsByResource(_ records: [JSONObject]) -> [String: [Int]] {
    var out: [String: [Int]] = [:]
    for r in records {
        out[r["__resource"]?.stringValue ?? "", default: []].append(r["id"]?.intValue ?? -1)
    }
    return out
}

/// How many ids occur more than once, and whether `ids` holds each of 1...n.
func repeatsAndCoverage(_ ids: [Int], _ n: Int) -> (repeats: [Int], complete: Bool) {
    var seen = Set<Int>()
    var repeats: [Int] = []
    for id in ids where !seen.insert(id).inserted { repeats.append(id) }
    return (repeats, seen == Set(n == 0 ? [] : Array(1...n)))
}

/// Whether `--events json` output holds a state event with a part for `resource`.
func hasStateEvent(_ stdout: String, naming resource: String) -> Bool {
    stdout.split(separator: "\n").contains { line in
        guard line.contains("\"event\":\"state\""), line.contains("\"\(resource)\":{") else { return false }
        return (try? JSONParser.parse(String(line)))?.objectValue.flatMap { dig($0, "state", resource) } != nil
    }
}

/// The value at `keys` in nested objects (keys may hold dots).
func dig(_ object: JSONObject, _ keys: String...) -> JSONValue? {
    var current: JSONValue? = .object(object)
    for k in keys { current = current?.objectValue?[k] }
    return current
}

/// A `panoply run` killed with SIGKILL once it committed a state of one resource (so in
/// the middle of it), then run again with the same arguments to its end.
struct KilledRun {
    /// The state on disk right after the kill: the last one committed.
    var committed: JSONObject
    var second: Child.Exit
    /// Every record both runs left in the outbox.
    var records: [JSONObject]
    var finished: Set<String> { Set(ResourcePlan.finished(in: committed)) }

    static func run(_ args: [String], killIn resource: String, state: String, outbox: URL) throws -> KilledRun {
        let first = try Child.start(CLI.binary, args)
        defer { first.kill9() }
        try waitUntil("a committed state in \(resource)", within: .seconds(300)) { hasStateEvent(first.stdout, naming: resource) || !first.isRunning }
        first.signal(SIGKILL)
        _ = try first.waitForExit(within: .seconds(30))
        guard let committed = try StateFile.load(state) else { throw TestFailure("no state file after the kill") }
        let second = try CLI.run(args, timeout: .seconds(400))
        return KilledRun(committed: committed, second: second, records: try outboxRecords(outbox))
    }

    /// Checks that each picked resource holds every one of its rows, that a resource
    /// finished before the kill repeats none, and that `resource` repeats only rows after
    /// the key `last` it had committed. Returns how many rows repeat in all.
    func check(picked: [String], rows: [String: Int], resource: String, last: Int) -> Int {
        let byResource = idsByResource(records)
        var repeated = 0
        for id in picked {
            let (repeats, complete) = repeatsAndCoverage(byResource[id] ?? [], rows[id]!)
            #expect(complete, "\(id) misses rows")
            repeated += repeats.count
            if finished.contains(id) { #expect(repeats.isEmpty, "\(id) was finished, yet \(repeats.count) rows repeat") }
            if id == resource { #expect(repeats.allSatisfy { $0 > last }, "a row of \(id) at or before the committed key \(last) repeats") }
        }
        for id in Set(rows.keys).subtracting(picked) { #expect(byResource[id] == nil, "\(id) was not picked") }
        return repeated
    }
}

/// A SQLite file of `tables` tables `t1`...`tN` of `rowsEach` rows (`id`, `v`), made once per suite.
func manyTablesSQLite(_ name: String, tables: Int, rowsEach: Int) -> Result<String, TestFailure> {
    do {
        let path = try temporaryDirectory().appendingPathComponent(name).path
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            for t in range(1, \(tables) + 1):
                c.execute('CREATE TABLE t%d (id INTEGER PRIMARY KEY, v TEXT)' % t)
                c.executemany('INSERT INTO t%d VALUES (?, ?)' % t, ((i, 'r%d' % i) for i in range(1, \(rowsEach) + 1)))
            c.commit()
            """
        return try pythonFixture(script, path)
    } catch {
        return .failure(TestFailure("fixture: \(error)"))
    }
}

/// Runs the Python `script` with `path` as its argument (it writes the fixture there).
/// - Returns: `path` once the script exited 0.
func pythonFixture(_ script: String, _ path: String) throws -> Result<String, TestFailure> {
    let child = try Child.start("/usr/bin/env", ["python3", "-c", script, path])
    child.closeInput()
    let exit = try child.waitForExit(within: .seconds(120))
    guard exit.status == 0 else { throw TestFailure("python3 failed: \(exit.stderr)") }
    return .success(path)
}
