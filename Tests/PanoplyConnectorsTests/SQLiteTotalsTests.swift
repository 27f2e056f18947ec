import CSQLite
import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// A big SQLite table's progress total is estimated, not counted before its first row (#31).
@Suite("SQLite source totals")
struct SQLiteTotalsTests {
    @Test("over 100,000 rows the total is an estimate (≈, rowid range, then sqlite_stat1 after ANALYZE); exact_count=true counts")
    func estimates() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("big.sqlite")
        try SQLiteSourceTests.makeDatabase(file, rows: 150_000)
        // Gaps: the rowid range (1...149,999) says more rows than there are.
        try Self.exec(file, "DELETE FROM users WHERE id % 10 = 0")
        let ranged = try await h.run(SQLiteSource.self, ["path": file, "table": "users"], batchSize: 50_000)
        #expect(ranged.summary.status == .done, "\(ranged.summary.error?.message ?? "")")
        #expect(ranged.logs.contains { $0.contains("about 149999 of 149999 rows to go (estimated; exact_count=true counts them)") }, "\(ranged.logs)")
        #expect(ranged.progress.contains { $0.1 == 149_999 })
        #expect(try h.deliveredIds().count == 135_000)

        try Self.exec(file, "ANALYZE")
        let h2 = try RunHarness()
        defer { h2.remove() }
        let analyzed = try await h2.run(SQLiteSource.self, ["path": file, "table": "users"], batchSize: 50_000)
        #expect(analyzed.logs.contains { $0.contains("about 135000 of 135000 rows to go (estimated") }, "\(analyzed.logs)")

        let h3 = try RunHarness()
        defer { h3.remove() }
        let exact = try await h3.run(SQLiteSource.self, ["path": file, "table": "users", "exact_count": "true"], batchSize: 50_000)
        #expect(exact.logs.contains { $0.contains("135000 of 135000 rows to go") && !$0.contains("about") }, "\(exact.logs)")
        #expect(exact.progress.last?.0 == 135_000 && exact.progress.last?.1 == 135_000)
    }

    static func exec(_ path: String, _ sql: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw PanoplyError.config("cannot open \(path)") }
        defer { sqlite3_close(db) }
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw PanoplyError.config(String(cString: sqlite3_errmsg(db))) }
    }
}
