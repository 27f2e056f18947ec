import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// t_db.py: a database-shaped module (a dynamic-list of tables whose values come from a
/// function of the source, string ports, `last_index` state, `__tablename` on rows) reading
/// the test PostgreSQL through psycopg2.
@Suite(
    "A database-shaped Python source on PostgreSQL",
    .enabled(if: PythonFixtures.available && serviceEnv("PANOPLY_TEST_PG_PORT") != nil))
struct PythonDatabaseTests {
    static let env = ProcessInfo.processInfo.environment

    /// Creates schema `schema` with orders (90 rows), customers (55) and skipped (5).
    static func createTables(_ schema: String) throws {
        let sql = """
            CREATE SCHEMA \(schema);
            CREATE TABLE \(schema).orders (id int PRIMARY KEY, total numeric(10,2));
            INSERT INTO \(schema).orders SELECT g, g * 1.5 FROM generate_series(1, 90) g;
            CREATE TABLE \(schema).customers (id int PRIMARY KEY, name text);
            INSERT INTO \(schema).customers SELECT g, 'c' || g FROM generate_series(1, 55) g;
            CREATE TABLE \(schema).skipped (id int PRIMARY KEY);
            INSERT INTO \(schema).skipped SELECT generate_series(1, 5);
            """
        let script =
            "import psycopg2, os, sys\nc = psycopg2.connect(host=os.environ['PANOPLY_TEST_PG_HOST'], port=os.environ['PANOPLY_TEST_PG_PORT'], dbname=os.environ['PANOPLY_TEST_PG_DATABASE'], user=os.environ['PANOPLY_TEST_PG_USER'], password=os.environ.get('PANOPLY_TEST_PG_PASSWORD'))\nc.autocommit = True\nc.cursor().execute(sys.stdin.read())\n"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(PythonFixtures.python))
        p.arguments = ["-c", script]
        let input = Pipe()
        p.standardInput = input
        try p.run()
        try input.fileHandleForWriting.write(contentsOf: Data(sql.utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    func params(_ schema: String) -> [String: String] {
        [
            "host": Self.env["PANOPLY_TEST_PG_HOST"] ?? "127.0.0.1", "port": Self.env["PANOPLY_TEST_PG_PORT"] ?? "",
            "database": Self.env["PANOPLY_TEST_PG_DATABASE"] ?? "", "user": Self.env["PANOPLY_TEST_PG_USER"] ?? "",
            "password": Self.env["PANOPLY_TEST_PG_PASSWORD"] ?? "", "schema": schema
        ]
    }

    @Test("the picked tables arrive whole, each row once with __tablename, with and without the original SDK", arguments: [true, false])
    func readsPickedTables(originalSDK: Bool) async throws {
        let schema = "pyt_\(UUID().uuidString.prefix(8).lowercased())"
        try Self.createTables(schema)
        let kind = try PythonFixtures.kind("t_db", originalSDK: originalSDK)
        #expect(kind.configuration.param("tables")?.dependencies == ["host", "port", "database", "user"])

        // The tables' values need the dependencies (and the password this server asks for), not the rest.
        let deps = try kind.configuration.validate(params(schema), dependenciesOf: "tables").get()
        #expect(Set(deps.keys) == ["host", "port", "database", "user"])
        let input = SourceInput(type: kind.type, params: try kind.configuration.validate(params(schema)).get())
        let values = try await kind.values("tables", source: input, context: SourceContext(input: input))
        #expect(values.map(\.value) == ["\(schema).customers", "\(schema).orders", "\(schema).skipped"])

        let h = try RunHarness()
        defer { h.remove() }
        var p = params(schema)
        p["tables"] = "\(schema).orders,\(schema).customers"
        let out = try await h.run(kind, p)
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error)) \(out.logs.suffix(10))")
        let rows = try h.delivered()
        let orders = rows.filter { $0["__tablename"] == .string("\(schema).orders") }.compactMap { $0["id"]?.intValue }
        let customers = rows.filter { $0["__tablename"] == .string("\(schema).customers") }.compactMap { $0["id"]?.intValue }
        #expect(holdsEachOnce(orders, 90))
        #expect(holdsEachOnce(customers, 55))
        #expect(rows.count == 145)
        #expect(rows.first { $0["id"] == 2 && $0["__tablename"] == .string("\(schema).orders") }?["total"]?.doubleValue == 3.0)
        let state = try #require(try h.savedState())
        #expect(state["\(schema).orders"]?[path: "last_index"] == 90)
        #expect(state["\(schema).customers"]?[path: "last_index"] == 55)
        #expect(out.logs.contains("table \(schema).orders done"))

        // Like Panoply's own database sources, it keeps the base list_resources: its tables are the list's values.
        await #expect { try await kind.listResources(input, context: SourceContext(input: input)) } throws: { error in
            error.asPanoplyError.code == 501
        }
    }

    @Test("a table that is not in the live database is a clear error")
    func unknownTable() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        var p = params("public")
        p["tables"] = "public.no_such_table"
        let out = try await h.run(try PythonFixtures.kind("t_db"), p)
        #expect(out.summary.status == .failed)
        #expect(out.summary.error?.message.contains("tables: public.no_such_table not among its values") == true, "\(String(describing: out.summary.error))")
        #expect(out.retries == 0)
    }
}
