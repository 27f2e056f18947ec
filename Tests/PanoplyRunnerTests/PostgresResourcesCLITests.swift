import Foundation
import PanoplyKit
import Testing

/// `panoply discover/run postgres` with `tables` against the real server: a fixture of 12
/// relations of different shapes in a database of this suite's own.
@Suite("PostgreSQL tables as resources (CLI)", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct PostgresResourcesCLITests {
    /// Rows per relation of the fixture.
    static let rows: [String: Int] = [
        "public.orders": 1500, "public.customers": 300, "public.order_items": 400, "public.events_log": 250,
        "public.big": 200_000, "public.empty_table": 0, "public.Mixed Case": 50, "sales.regions": 20,
        "sales.Quarterly.Report": 30, "public.paid_orders": 750, "public.products": 100, "sales.unpicked": 10
    ]
    /// The 10 the runs read (the big table in the middle); products and sales.unpicked are left out.
    static let picked = [
        "public.orders", "public.customers", "public.order_items", "public.events_log", "public.big",
        "public.empty_table", "public.Mixed Case", "sales.regions", "sales.Quarterly.Report", "public.paid_orders"
    ]

    static let database: Result<String, TestFailure> = {
        do {
            let db = try PostgresServer.createDatabase("panoply_resources")
            try PostgresServer.run(fixtureSQL, database: db)
            return .success(db)
        } catch {
            return .failure(TestFailure("fixture: \(error)"))
        }
    }()

    static let fixtureSQL = """
        CREATE SCHEMA sales;
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2), placed_at timestamptz);
        INSERT INTO orders SELECT g, g % 300 + 1, g * 1.25, timestamptz '2026-01-01' + g * interval '1 hour' FROM generate_series(1, 1500) g;
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
        INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 300) g;
        CREATE TABLE order_items (id int NOT NULL, order_id bigint, line int, qty int, PRIMARY KEY (order_id, line));
        INSERT INTO order_items SELECT g, (g - 1) / 4 + 1, (g - 1) % 4, g % 7 FROM generate_series(1, 400) g;
        CREATE TABLE events_log (id int, message text);
        INSERT INTO events_log SELECT g, 'event ' || g FROM generate_series(1, 250) g;
        CREATE TABLE big (id bigint PRIMARY KEY, payload text);
        INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 200000) g;
        CREATE TABLE empty_table (id int PRIMARY KEY, note text);
        CREATE TABLE "Mixed Case" (id int PRIMARY KEY, "Some Col" text);
        INSERT INTO "Mixed Case" SELECT g, 'v' || g FROM generate_series(1, 50) g;
        CREATE TABLE sales.regions (id int PRIMARY KEY, name text);
        INSERT INTO sales.regions SELECT g, 'region ' || g FROM generate_series(1, 20) g;
        CREATE TABLE sales."Quarterly.Report" (id int PRIMARY KEY, quarter text);
        INSERT INTO sales."Quarterly.Report" SELECT g, 'Q' || (g % 4 + 1) FROM generate_series(1, 30) g;
        CREATE VIEW paid_orders AS SELECT id / 2 AS id, amount FROM orders WHERE id % 2 = 0;
        CREATE TABLE products (id int PRIMARY KEY, sku text);
        INSERT INTO products SELECT g, 'sku-' || g FROM generate_series(1, 100) g;
        CREATE TABLE sales.unpicked (id int PRIMARY KEY);
        INSERT INTO sales.unpicked SELECT g FROM generate_series(1, 10) g;
        ANALYZE;
        """

    static func params() throws -> [String] { PostgresServer.params(try database.get()) }

    @Test("discover postgres lists every table and view of every schema with its columns")
    func discoverListsEveryRelation() throws {
        let r = try CLI.run(["discover", "postgres"] + Self.params() + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try #require(try JSONParser.parse(r.stdout).objectValue)
        let resources = (out["resources"]?.arrayValue ?? []).compactMap(\.objectValue)
        let ids = Set(resources.compactMap { $0["id"]?.stringValue })
        #expect(ids == Set(Self.rows.keys))
        func fields(_ id: String) -> [JSONObject] {
            (resources.first { $0["id"]?.stringValue == id }?["fields"]?.arrayValue ?? []).compactMap(\.objectValue)
        }
        #expect(fields("public.Mixed Case").compactMap { $0["name"]?.stringValue } == ["id", "Some Col"])
        #expect(fields("public.orders").map { $0["type"]?.stringValue ?? "" } == ["bigint", "integer", "numeric(12,2)", "timestamp with time zone"])
        #expect(fields("public.order_items").filter { $0["mandatory"] == true }.compactMap { $0["name"]?.stringValue } == ["id", "order_id", "line"])
        #expect(fields("public.paid_orders").compactMap { $0["name"]?.stringValue } == ["id", "amount"])
        #expect(fields("public.empty_table").count == 2)
        let values = (dig(out, "values", "tables")?.arrayValue ?? []).compactMap { $0.objectValue?["value"]?.stringValue }
        #expect(Set(values) == ids)
        let text = try CLI.run(["discover", "postgres"] + Self.params())
        #expect(text.stdout.contains("sales.Quarterly.Report"), "\(text.stdout)")
        #expect(text.stdout.contains("    Some Col text"), "\(text.stdout)")
    }

    @Test("a wrong password: discover says so without the password, and a run fails naming every table it could not read")
    func wrongPassword() throws {
        let wrong = "not-the-password-\(UInt16.random(in: 0...9999))"
        let params = try Self.params().map { $0.hasPrefix("password=") ? "password=\(wrong)" : $0 }
        let d = try CLI.run(["discover", "postgres"] + params)
        #expect(d.status == 1)
        #expect(d.stderr.contains("password authentication failed for user"), "\(d.stderr)")
        #expect(!d.stderr.contains(wrong))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["run", "postgres"] + params + ["--param", "tables=public.orders,sales.regions", "--outbox", dir.path, "--retry-base-ms", "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("2 of 2 resources failed: public.orders (") && r.stderr.contains("; sales.regions ("), "\(r.stderr)")
        #expect(r.stderr.contains("password authentication failed for user"), "\(r.stderr)")
        #expect(!r.stderr.contains(wrong))
    }

    @Test("run postgres with 10 of the tables delivers every row of each once, into its own table, and nothing of the other two")
    func runsTenTablesExactlyOnce() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("run.state").path
        let r = try CLI.run(
            ["run", "postgres"] + Self.params() + [
                "--param", "tables=\(Self.picked.joined(separator: ","))",
                "--state", state, "--outbox", out.path, "--parallel-resources", "3", "--batch-size", "5000"
            ], timeout: .seconds(400))
        #expect(r.status == 0, "\(r.stderr.suffix(3000))")
        let records = try outboxRecords(out)
        let byResource = idsByResource(records)
        #expect(Set(byResource.keys) == Set(Self.picked.filter { Self.rows[$0]! > 0 }))
        for id in Self.picked {
            let (repeats, complete) = repeatsAndCoverage(byResource[id] ?? [], Self.rows[id]!)
            #expect(repeats.isEmpty && complete, "\(id): \(repeats.count) repeats, complete \(complete)")
        }
        #expect(records.first { $0["__resource"] == "public.Mixed Case" }?["__table"] == "postgres_public_Mixed_Case")
        #expect(records.first { $0["__resource"] == "sales.Quarterly.Report" }?["Some Col"] == nil)
        #expect(r.stderr.contains("'public.events_log' has no primary key of one column"), "\(r.stderr.suffix(2000))")
        #expect(r.stderr.contains("'public.paid_orders' has no usable key"), "\(r.stderr.suffix(2000))")
        let saved = try #require(try StateFile.load(state))
        #expect(saved["__finished"] == nil)
        #expect(dig(saved, "public.big", "postgres", "public.big", "last") == "200000")
    }

    @Test(
        "a run killed with SIGKILL in the big table, run again with the same state, ends with every row; rows repeat only after their table's committed state")
    func killedRunResumes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("run.state").path
        let args =
            ["run", "postgres"] + (try Self.params()) + [
                "--param", "tables=\(Self.picked.joined(separator: ","))",
                "--state", state, "--outbox", out.path, "--events", "json", "--batch-size", "1000"
            ]
        let run = try KilledRun.run(args, killIn: "public.big", state: state, outbox: out)
        let bigLast = try #require(dig(run.committed, "public.big", "postgres", "public.big", "last")?.stringValue.flatMap { Int($0) })
        #expect(!run.finished.contains("public.big") && bigLast < 200_000, "killed after the big table: \(run.committed)")
        #expect(run.second.status == 0, "\(run.second.stderr.suffix(3000))")
        #expect(
            run.second.stdout.contains("resuming: \(run.finished.count) of 10 resources finished in an earlier attempt are skipped"),
            "\(run.second.stdout.suffix(2000))")
        let repeated = run.check(picked: Self.picked, rows: Self.rows, resource: "public.big", last: bigLast)
        print("killed run: \(repeated) rows repeated after the last committed states (public.big committed through id \(bigLast))")
    }
}
