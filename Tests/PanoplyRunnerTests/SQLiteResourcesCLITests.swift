import Foundation
import PanoplyKit
import Testing

/// `panoply discover/run sqlite` with `tables`: a file with tables and views of different
/// shapes, made with Python's sqlite3.
@Suite("SQLite tables as resources (CLI)", .serialized)
struct SQLiteResourcesCLITests {
    static let rows: [String: Int] = ["orders": 2000, "Mixed Case": 50, "kv": 100, "v_even": 1000, "big": 200_000, "empty": 0, "unpicked": 10]
    static let picked = ["orders", "Mixed Case", "big", "kv", "v_even", "empty"]

    static let file: Result<String, TestFailure> = {
        do {
            let dir = try temporaryDirectory()
            let path = dir.appendingPathComponent("shop.sqlite").path
            let script = """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                c.executescript('''
                CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL NOT NULL, note TEXT);
                CREATE TABLE "Mixed Case" (id INTEGER PRIMARY KEY, "Some Col" TEXT);
                CREATE TABLE kv (id INTEGER NOT NULL, a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
                CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT);
                CREATE TABLE empty (id INTEGER PRIMARY KEY);
                CREATE TABLE unpicked (id INTEGER PRIMARY KEY);
                CREATE VIEW v_even AS SELECT id / 2 AS id, amount FROM orders WHERE id % 2 = 0;
                ''')
                c.executemany('INSERT INTO orders VALUES (?, ?, ?)', ((i, i * 1.5, 'n%d' % i) for i in range(1, 2001)))
                c.executemany('INSERT INTO "Mixed Case" VALUES (?, ?)', ((i, 'v%d' % i) for i in range(1, 51)))
                c.executemany('INSERT INTO kv VALUES (?, ?, ?)', ((i, 'a%d' % (i % 7), 'b%d' % i) for i in range(1, 101)))
                c.executemany('INSERT INTO big VALUES (?, ?)', ((i, 'payload %d' % i) for i in range(1, 200001)))
                c.executemany('INSERT INTO unpicked VALUES (?)', ((i,) for i in range(1, 11)))
                c.commit()
                """
            return try pythonFixture(script, path)
        } catch {
            return .failure(TestFailure("fixture: \(error)"))
        }
    }()

    static func params() throws -> [String] { ["--param", "path=\(try file.get())"] }

    @Test("discover sqlite lists every table and view with its columns")
    func discoverListsEveryRelation() throws {
        let r = try CLI.run(["discover", "sqlite"] + Self.params() + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let resources = (try JSONParser.parse(r.stdout).objectValue?["resources"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(Set(resources.compactMap { $0["id"]?.stringValue }) == Set(Self.rows.keys))
        let mixed = resources.first { $0["id"] == "Mixed Case" }
        #expect((mixed?["fields"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue } == ["id", "Some Col"])
        let orders = (resources.first { $0["id"] == "orders" }?["fields"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(orders.map { $0["mandatory"] } == [true, true, false])
        #expect(resources.first { $0["id"] == "v_even" }?["title"] == "v_even (view)")
    }

    @Test("check passes for tables that exist and names every picked table that does not, before any run")
    func checkNamesMissingTables() throws {
        let ok = try CLI.run(["check", "sqlite"] + Self.params() + ["--param", "tables=orders,Mixed Case"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let bad = try CLI.run(["check", "sqlite"] + Self.params() + ["--param", "tables=orders,nosuch,gone"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("Tables: 'nosuch', 'gone' not found among the 7 the source offers"), "\(bad.stderr)")
    }

    @Test("sources --json names the resources param of postgres and sqlite, with the list kind, dependencies and category")
    func sourcesShowTheResourcesParam() throws {
        let r = try CLI.run(["sources", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let types = (try JSONParser.parse(r.stdout).arrayValue ?? []).compactMap(\.objectValue)
        for (type, deps) in [("postgres", ["host", "port", "database", "user"]), ("sqlite", ["path"])] {
            let t = try #require(types.first { $0["type"]?.stringValue == type })
            #expect(t["resourcesParam"] == "tables")
            let tables = (t["params"]?.arrayValue ?? []).compactMap(\.objectValue).first { $0["name"] == "tables" }
            #expect(tables?["kind"] == "list" && tables?["category"] == "basic" && tables?["title"] == "Tables")
            #expect(tables?["dependencies"] == .array(deps.map { .string($0) }))
        }
        #expect(types.first { $0["type"]?.stringValue == "demo" }?["resourcesParam"] == .null)
    }

    @Test("run sqlite with tables delivers every row of each once; killed with SIGKILL in the big table, the rerun repeats only after its committed state")
    func runAndResume() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("run.state").path
        let args =
            ["run", "sqlite"] + (try Self.params()) + [
                "--param", "tables=\(Self.picked.joined(separator: ","))",
                "--state", state, "--outbox", out.path, "--events", "json", "--batch-size", "500",
                // A state at every commit: the kill must come in the big table (read in well under
                // a commit interval), and each state event names the parts it changed.
                "--commit-interval", "0"
            ]
        let run = try KilledRun.run(args, killIn: "big", state: state, outbox: out)
        let bigLast = try #require(dig(run.committed, "big", "sqlite", "big", "last")?.intValue)
        #expect(!run.finished.contains("big") && bigLast < 200_000, "killed after the big table: \(run.committed)")
        #expect(run.finished == ["orders", "Mixed Case"])
        #expect(run.second.status == 0, "\(run.second.stderr.suffix(3000))")
        let repeated = run.check(picked: Self.picked, rows: Self.rows, resource: "big", last: bigLast)
        print("killed sqlite run: \(repeated) rows repeated after the last committed states (big committed through id \(bigLast))")
        let second = run.second, records = run.records
        #expect(records.first { $0["__resource"] == "Mixed Case" }?["__table"] == "sqlite_Mixed_Case")
        #expect(second.stdout.contains("'kv' has no rowid and no primary key of one column"), "\(second.stdout.suffix(2000))")
        #expect(try StateFile.load(state)?["__finished"] == nil)
        // State events name the resources whose part they changed.
        let named = second.stdout.split(separator: "\n").filter { $0.contains("\"event\":\"state\"") }
            .compactMap { (try? JSONParser.parse(String($0)))?.objectValue?["resources"]?.arrayValue?.compactMap(\.stringValue) }
        #expect(named.contains(["big"]), "\(named.prefix(3))")
        #expect(named.contains { $0.contains("v_even") })
        #expect(!named.contains { $0.contains("orders") }, "orders was finished before the kill")
    }
}
