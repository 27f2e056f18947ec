import Foundation
import Logging
import PanoplyKit
import PostgresNIO
import Testing

@testable import PanoplyConnectors

/// The picker shows each table's estimated rows from the catalog listing (#31 item 5).
@Suite("Row estimates in the catalog listing")
struct CatalogEstimateTests {
    @Test("SQLite: a table's estimate is its rowid range, then sqlite_stat1 after ANALYZE; a view has none")
    func sqliteEstimates() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("listed.sqlite")
        try SQLiteSourceTests.makeDatabase(file, rows: 1000)
        try SQLiteTotalsTests.exec(file, "DELETE FROM users WHERE id % 10 = 0; CREATE VIEW top_users AS SELECT id FROM users WHERE id < 10")
        let input = SourceInput(type: "sqlite", params: ["path": .string(file)])
        var listed = try await SQLiteSource.listResources(source: input, context: SourceContext(input: input))
        #expect(listed.first { $0.id == "users" }?.estimatedRows == 999, "rowid range 1...999")
        #expect(listed.first { $0.id == "top_users" }?.estimatedRows == nil)
        try SQLiteTotalsTests.exec(file, "ANALYZE")
        listed = try await SQLiteSource.listResources(source: input, context: SourceContext(input: input))
        #expect(listed.first { $0.id == "users" }?.estimatedRows == 900, "sqlite_stat1")
    }

    @Test("PostgreSQL: an analyzed table's estimate is its reltuples", .enabled(if: PostgresSourceTests.available))
    func postgresEstimates() async throws {
        let params = try await PostgresSourceTests.table("conn_estimated", rows: 321)
        let env = try #require(PostgresSourceTests.env)
        let config = PostgresConnection.Configuration(
            host: env["host"]!, port: Int(env["port"]!)!, username: env["user"]!, password: env["password"], database: env["database"], tls: .disable)
        let conn = try await PostgresConnection.connect(configuration: config, id: 9, logger: Logger(label: "test"))
        try await conn.query(PostgresQuery(unsafeSQL: "ANALYZE conn_estimated"), logger: Logger(label: "test"))
        try? await conn.close()
        let values = try PostgresSource.configuration.validate(params).get()
        let input = SourceInput(type: "postgres", params: values)
        let listed = try await PostgresSource.listResources(source: input, context: SourceContext(input: input))
        #expect(listed.first { $0.id == "public.conn_estimated" }?.estimatedRows == 321)
    }
}
