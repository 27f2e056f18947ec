import Foundation
import PanoplyKit
import PostgresNIO
import Testing

@testable import PanoplyConnectors

/// Against the server of scripts/services/postgres.sh (skipped without it).
@Suite("PostgreSQL source")
struct PostgresSourceTests {
    static let env: [String: String]? = {
        guard let port = serviceEnv("PANOPLY_TEST_PG_PORT") else { return nil }
        return [
            "host": serviceEnv("PANOPLY_TEST_PG_HOST") ?? "127.0.0.1", "port": port,
            "user": serviceEnv("PANOPLY_TEST_PG_USER") ?? "panoply", "password": serviceEnv("PANOPLY_TEST_PG_PASSWORD") ?? "",
            "database": serviceEnv("PANOPLY_TEST_PG_DATABASE") ?? "panoply_test", "sslmode": "disable"
        ]
    }()

    static let available: Bool = {
        if env == nil { print("skipping PostgreSQL tests: PANOPLY_TEST_PG_PORT is not set (run scripts/services/postgres.sh start)") }
        return env != nil
    }()

    /// Creates a fresh table `name` with ids 1...rows and returns the params to read it.
    static func table(_ name: String, rows: Int, primaryKey: Bool = true) async throws -> [String: String] {
        let env = try #require(env)
        let config = PostgresConnection.Configuration(
            host: env["host"]!, port: Int(env["port"]!)!, username: env["user"]!,
            password: env["password"], database: env["database"], tls: .disable)
        let conn = try await PostgresConnection.connect(configuration: config, id: 1, logger: Logger(label: "test"))
        defer { Task { try? await conn.close() } }
        try await conn.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(name)"), logger: Logger(label: "test"))
        try await conn.query(
            PostgresQuery(
                unsafeSQL: """
                    CREATE TABLE \(name) (id bigint \(primaryKey ? "PRIMARY KEY" : ""), name text, amount numeric(30,10), big numeric,
                      created_at timestamptz, tags text[], doc jsonb, grp int)
                    """), logger: Logger(label: "test"))
        try await conn.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(name) SELECT g, 'user-' || g, g + 0.1, 123456789012345678901234567890 + g,
                      timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', ARRAY['a','b'], jsonb_build_object('n', g), g / 9
                    FROM generate_series(1, \(rows)) g ORDER BY random()
                    """), logger: Logger(label: "test"))
        return env.merging(["table": name]) { $1 }
    }

    @Test("a table run delivers every row with exact numerics", .enabled(if: available))
    func deliversTable() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let params = try await Self.table("conn_orders", rows: 1500)
        let outcome = try await h.run(PostgresSource.self, params, batchSize: 200)
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        let records = try h.delivered()
        #expect(holdsEachOnce(ids(records), 1500))
        let r = try #require(records.first { $0["id"] == 7 })
        #expect(r["amount"]?.description == "7.1000000000")
        #expect(r["big"]?.description == "123456789012345678901234567897")
        #expect(r["doc"]?[path: "n"] == 7)
        #expect(r["tags"] == ["a", "b"])
        #expect(outcome.logs.contains { $0.contains("by id: 1500 of 1500 rows to go") }, "\(outcome.logs)")
        #expect(outcome.progress.last?.0 == 1500 && outcome.progress.last?.1 == 1500)
    }

    @Test("without a primary key the table is paged by ctid; a non-unique key loses no rows", .enabled(if: available))
    func ctidAndTies() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let params = try await Self.table("conn_heap", rows: 700, primaryKey: false)
        _ = try await h.run(PostgresSource.self, params, batchSize: 64)
        #expect(holdsEachOnce(try h.deliveredIds(), 700))
        let h2 = try RunHarness()
        defer { h2.remove() }
        _ = try await h2.run(PostgresSource.self, params.merging(["incremental_key": "grp"]) { $1 }, batchSize: 5)
        #expect(holdsEachOnce(try h2.deliveredIds(), 700))
    }

    @Test("a run failed on purpose resumes from its state file and delivers every row", .enabled(if: available))
    func resumes() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let params = try await Self.table("conn_resume", rows: 1000)
        let failing = FailingSource.kind(SourceKind(PostgresSource.self), failAfter: 3, key: "postgres:public.conn_resume")
        let first = try await h.run(failing, params, batchSize: 100)
        #expect(first.summary.status == .failed)
        #expect(try h.deliveredIds().count == 300)
        let second = try await h.run(PostgresSource.self, params, batchSize: 100)
        #expect(second.summary.status == .done)
        #expect(second.logs.contains("resuming 'public.conn_resume' after id = 300"))
        #expect(holdsEachOnce(try h.deliveredIds(), 1000))
    }

    @Test("cancelled while its one streamed query runs: the run stops early, the server ends the query, the resume delivers every row", .enabled(if: available))
    func cancelMidStream() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let rows = 30_000
        let params = try await Self.table("conn_cancel", rows: rows)
        // Cancelled as the runner takes the first batch: the stream reads at most a batch or
        // two ahead (one-slot handoff), however fast the server and slow the disk.
        let first = try await h.run(SourceKind(PostgresSource.self), params, batchSize: 500) { event, runner in
            if case .progress(let loaded?, _, _) = event, loaded > 0 { runner.cancel() }
        }
        #expect(first.summary.status == .cancelled)
        let firstIds = try h.deliveredIds()
        #expect(firstIds.count < rows, "the cancelled run read the whole table")
        let id = "public.conn_cancel"
        let saved = first.summary.state["postgres"]?.objectValue?[id] ?? first.summary.state[id]?.objectValue?["postgres"]?.objectValue?[id]
        // A commit waits for the acknowledgement, which may come after the cancel: no key then.
        let last = saved?.objectValue?["last"]?.stringValue.flatMap { Int($0) } ?? 0
        #expect(last == 0 || Set(firstIds).isSuperset(of: 1...last), "the committed key \(last) covers rows that were not delivered")

        // The stream's query does not run on at the server after the cancel.
        let env = try #require(Self.env)
        let config = PostgresConnection.Configuration(
            host: env["host"]!, port: Int(env["port"]!)!, username: env["user"]!,
            password: env["password"], database: env["database"], tls: .disable)
        let conn = try await PostgresConnection.connect(configuration: config, id: 3, logger: Logger(label: "test"))
        defer { Task { try? await conn.close() } }
        let deadline = ContinuousClock.now + .seconds(30)
        var running = 1
        while ContinuousClock.now < deadline {
            let rowsLeft = try await conn.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT count(*)::int FROM pg_stat_activity WHERE query LIKE '%conn_cancel%' AND pid <> pg_backend_pid() AND state <> 'idle'
                        """), logger: Logger(label: "test"))
            running = 0
            for try await n in rowsLeft.decode(Int.self) { running = n }
            if running == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(running == 0, "the cancelled stream's query still runs at the server")

        let second = try await h.run(PostgresSource.self, params, batchSize: 500)
        #expect(second.summary.status == .done, "\(second.summary.error?.message ?? "")")
        if last > 0 { #expect(second.logs.contains("resuming 'public.conn_cancel' after id = \(last)"), "\(second.logs)") }
        let all = try h.deliveredIds()
        #expect(Set(all) == Set(1...rows))
        #expect(all.count - rows == firstIds.count - last, "the resume sent again more than the rows after the committed key")
    }

    @Test("a query with an incremental key is paged by it", .enabled(if: available))
    func query() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        var params = try await Self.table("conn_query", rows: 400)
        params["table"] = nil
        params["query"] = "SELECT id, name FROM conn_query WHERE id % 4 = 0"
        params["incremental_key"] = "id"
        _ = try await h.run(PostgresSource.self, params, batchSize: 30)
        #expect(Set(try h.deliveredIds()) == Set(stride(from: 4, through: 400, by: 4)))
    }

    @Test("a wrong password is a non-retryable auth error (401) that says so", .enabled(if: available))
    func wrongPassword() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        var params = try #require(Self.env)
        params["password"] = "not-the-password"
        params["table"] = "conn_orders"
        let outcome = try await h.run(PostgresSource.self, params)
        let error = try #require(outcome.summary.error)
        #expect(error.category == .auth)
        #expect(error.code == 401)
        #expect(error.retryable == false)
        #expect(error.message.contains("password authentication failed for user \"panoply\""), "\(error.message)")
        #expect(!error.message.contains("not-the-password"))
        #expect(!outcome.events.contains { if case .retrying = $0 { true } else { false } })
    }

    @Test("connection refused is a retryable transient error", .enabled(if: available))
    func refused() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        var params = try #require(Self.env)
        params["port"] = "1"
        params["table"] = "x"
        let outcome = try await h.run(PostgresSource.self, params, readAttempts: 2)
        let error = try #require(outcome.summary.error)
        #expect(error.category == .transient)
        #expect(error.retryable)
        #expect(error.message.hasPrefix("cannot connect to PostgreSQL at 127.0.0.1:1"), "\(error.message)")
        #expect(outcome.events.contains { if case .retrying = $0 { true } else { false } })
    }

    @Test("picked by tables, a view without a key is read whole by a cursor over many batches, and a keyed table beside it by its key", .enabled(if: available))
    func viewReadWholeByCursor() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let env = try #require(Self.env)
        let config = PostgresConnection.Configuration(
            host: env["host"]!, port: Int(env["port"]!)!, username: env["user"]!,
            password: env["password"], database: env["database"], tls: .disable)
        let conn = try await PostgresConnection.connect(configuration: config, id: 2, logger: Logger(label: "test"))
        // An earlier run's view would keep its table from being dropped and made anew.
        try await conn.query(PostgresQuery(unsafeSQL: "DROP VIEW IF EXISTS conn_view"), logger: Logger(label: "test"))
        var params = try await Self.table("conn_for_view", rows: 700)
        try await conn.query(
            PostgresQuery(unsafeSQL: "CREATE OR REPLACE VIEW conn_view AS SELECT id, name FROM conn_for_view WHERE id <= 650"), logger: Logger(label: "test"))
        try? await conn.close()
        params["table"] = nil
        params["tables"] = "public.conn_view,public.conn_for_view"
        let outcome = try await h.run(PostgresSource.self, params, batchSize: 64)
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        let records = try h.delivered()
        #expect(holdsEachOnce(ids(records.filter { $0["__resource"] == "public.conn_view" }), 650))
        #expect(holdsEachOnce(ids(records.filter { $0["__resource"] == "public.conn_for_view" }), 700))
        #expect(records.first { $0["__resource"] == "public.conn_view" }?["__table"] == "postgres_public_conn_view")
        #expect(outcome.logs.contains { $0.contains("'public.conn_view' has no usable key (a view has no ctid): reading it whole") }, "\(outcome.logs)")
        #expect(outcome.summary.state["public.conn_for_view"]?.objectValue?["postgres"]?.objectValue?["public.conn_for_view"]?.objectValue?["last"] == "700")
    }

    @Test("discovery lists tables with their columns", .enabled(if: available))
    func listsTables() async throws {
        let params = try await Self.table("conn_listed", rows: 1)
        let values = try PostgresSource.configuration.validate(params).get()
        let input = SourceInput(type: "postgres", params: values)
        let resources = try await PostgresSource.listResources(source: input, context: SourceContext(input: input))
        let t = try #require(resources.first { $0.id == "public.conn_listed" })
        #expect(t.fields.map(\.name) == ["id", "name", "amount", "big", "created_at", "tags", "doc", "grp"])
        #expect(t.fields.first?.type == "bigint")
    }
}

@Suite("PostgreSQL resource ids")
struct PostgresRelationTests {
    @Test("a resource id splits at its first dot into schema and name, each quoted as it is")
    func splitsAtFirstDot() throws {
        var input = SourceInput(type: "postgres", params: ["table": "ignored"])
        input.resource = "sales.Quarterly.Report"
        let r = try PostgresRelation(input, defaultSchema: "public")
        #expect(r.schema == "sales" && r.name == "Quarterly.Report")
        #expect(r.sql == "\"sales\".\"Quarterly.Report\" AS t")
        input.resource = "public.Mixed \"Case\""
        #expect(try PostgresRelation(input, defaultSchema: "public").sql == "\"public\".\"Mixed \"\"Case\"\"\" AS t")
        let table = try PostgresRelation(SourceInput(type: "postgres", params: ["table": "a.b"]), defaultSchema: "s")
        #expect(table.id == "s.a.b" && table.name == "a.b")
        let first = try PostgresRelation(SourceInput(type: "postgres", params: ["tables": ["x.y", "z"]]), defaultSchema: "public")
        #expect(first.id == "x.y")
        #expect(throws: PanoplyError.self) {
            try PostgresRelation(SourceInput(type: "postgres", params: ["table": "t", "query": "SELECT 1"]), defaultSchema: "public")
        }
    }
}
