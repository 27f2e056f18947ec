import Foundation
import PanoplyKit
import PostgresNIO
import Synchronization
import Testing

@testable import PanoplyConnectors

/// Runs over many tables cost their rows, not a connection and a count each (#31).
@Suite("PostgreSQL source, many tables")
struct PostgresManyTablesTests {
    static var available: Bool { PostgresSourceTests.available }
    /// A database of its own, so the connections counted are this run's only.
    static let database = "panoply_conn_many"

    static func connect(_ database: String? = nil) async throws -> PostgresConnection {
        let env = try #require(PostgresSourceTests.env)
        let config = PostgresConnection.Configuration(
            host: env["host"]!, port: Int(env["port"]!)!, username: env["user"]!,
            password: env["password"], database: database ?? env["database"], tls: .disable)
        return try await PostgresConnection.connect(configuration: config, id: 1, logger: Logger(label: "test"))
    }

    static func exec(_ conn: PostgresConnection, _ sql: String) async throws {
        try await conn.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test"))
    }

    /// `panoply_conn_many` with tables t1...t`count` (`id int primary key`), t`k` holding a
    /// row when k is a multiple of 100.
    static func manyTables(_ count: Int) async throws -> [String: String] {
        let main = try await connect()
        var exists = false
        for try await _ in try await main.query(
            PostgresQuery(unsafeSQL: "SELECT 1 FROM pg_database WHERE datname = '\(database)'"), logger: Logger(label: "test"))
        {
            exists = true
        }
        if !exists { try await exec(main, "CREATE DATABASE \(database)") }
        try await main.close()
        let conn = try await connect(database)
        try await exec(
            conn,
            """
            DO $$ BEGIN FOR i IN 1..\(count) LOOP
              EXECUTE format('CREATE TABLE IF NOT EXISTS t%s (id int PRIMARY KEY)', i);
              IF i % 100 = 0 THEN EXECUTE format('INSERT INTO t%s VALUES (%s) ON CONFLICT DO NOTHING', i, i); END IF;
            END LOOP; END $$
            """)
        try await conn.close()
        var params = try #require(PostgresSourceTests.env)
        params["database"] = database
        params["tables"] = (1...count).map { "public.t\($0)" }.joined(separator: ",")
        return params
    }

    @Test("a run over 1,000 tables holds at most --parallel-resources server connections at any moment", .enabled(if: available))
    func connectionsReused() async throws {
        let params = try await Self.manyTables(1000)
        let h = try RunHarness()
        defer { h.remove() }
        // Counted from the test database, every few milliseconds while the run goes.
        let watcher = try await Self.connect()
        let most = Mutex(0)
        let watching = Task {
            let sql = "SELECT count(*)::int FROM pg_stat_activity WHERE datname = '\(Self.database)' AND backend_type = 'client backend'"
            while !Task.isCancelled {
                for try await n in try await watcher.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")).decode(Int.self) {
                    most.withLock { $0 = max($0, n) }
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let outcome = try await h.run(SourceKind(PostgresSource.self), params, batchSize: 100, parallelResources: 3)
        watching.cancel()
        _ = await watching.result
        try await watcher.close()
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        #expect(try h.deliveredIds().sorted() == Array(stride(from: 100, through: 1000, by: 100)))
        #expect(most.withLock { $0 } <= 3, "at most 3 connections at once, saw \(most.withLock { $0 })")
        #expect(most.withLock { $0 } >= 1)
        #expect(outcome.logs.filter { $0.contains("connecting to") }.count <= 3, "\(outcome.logs.filter { $0.contains("connecting to") })")
    }

    @Test("a big analyzed table's total is the planner's estimate (≈), a small one's exact, and exact_count=true counts", .enabled(if: available))
    func estimatedTotals() async throws {
        let conn = try await Self.connect()
        try await Self.exec(conn, "DROP TABLE IF EXISTS conn_est_big")
        try await Self.exec(conn, "CREATE TABLE conn_est_big AS SELECT g AS id FROM generate_series(1, 150000) g")
        try await Self.exec(conn, "ALTER TABLE conn_est_big ADD PRIMARY KEY (id)")
        try await Self.exec(conn, "ANALYZE conn_est_big")
        try await conn.close()
        let small = try await PostgresSourceTests.table("conn_est_small", rows: 300)
        var params = small
        params["table"] = nil
        params["tables"] = "public.conn_est_big,public.conn_est_small"
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(SourceKind(PostgresSource.self), params, batchSize: 5000)
        #expect(out.summary.status == .done, "\(out.summary.error?.message ?? "")")
        #expect(
            out.logs.contains { $0.contains("public.conn_est_big: reading 'public.conn_est_big' by id: about") && $0.contains("planner's estimate") },
            "\(out.logs)")
        #expect(out.logs.contains { $0.contains("reading 'public.conn_est_small' by id: 300 of 300 rows to go") }, "\(out.logs)")
        let big = Self.resourceProgress(out, "public.conn_est_big")
        #expect(big.contains { $0.message.contains("/≈") && ($0.total ?? 0) > 100_000 && $0.estimated }, "\(big.suffix(2))")
        #expect(Self.resourceProgress(out, "public.conn_est_small").last?.total == 300)
        #expect(Self.resourceProgress(out, "public.conn_est_small").allSatisfy { !$0.estimated })

        let h2 = try RunHarness()
        defer { h2.remove() }
        params["exact_count"] = "true"
        let exact = try await h2.run(SourceKind(PostgresSource.self), params, batchSize: 5000)
        #expect(exact.logs.contains { $0.contains("reading 'public.conn_est_big' by id: 150000 of 150000 rows to go") }, "\(exact.logs)")
    }

    @Test("a connection that broke between reads is replaced: the run reads on after the last key, every row once", .enabled(if: available))
    func brokenConnectionReplaced() async throws {
        var params = try await PostgresSourceTests.table("conn_broken", rows: 5000)
        params["tables"] = "public.conn_broken"
        params["table"] = nil
        // Paged (a non-unique key): no query runs between two reads.
        params["incremental_key"] = "grp"
        let h = try RunHarness()
        defer { h.remove() }
        // Before the third read the server ends the source's connection (as a restart or a
        // proxy would), and the read goes on once the source's side saw it closed.
        let kind = HookedSource.kind(SourceKind(PostgresSource.self)) { n in
            guard n == 2 else { return }
            let conn = try await Self.connect()
            try await Self.exec(
                conn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%conn_broken%' AND pid <> pg_backend_pid()")
            try await conn.close()
        }
        let out = try await h.run(kind, params, batchSize: 500)
        #expect(out.summary.status == .done, "\(out.summary.error?.message ?? "")")
        #expect(holdsEachOnce(try h.deliveredIds(), 5000))
        #expect(out.logs.contains { $0.contains("was closed; reading on after grp") }, "\(out.logs.suffix(8))")
    }

    static func resourceProgress(_ out: RunHarness.Outcome, _ id: String) -> [ResourceProgress] {
        out.events.compactMap { if case .resource(let p) = $0, p.id == id { p } else { nil } }
    }
}
