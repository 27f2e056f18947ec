import CSQLite
import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

@Suite("SQLite source")
struct SQLiteSourceTests {
    /// A database with `users` (ids 1...rows, a non-unique `grp`) and a view.
    static func makeDatabase(_ path: String, rows: Int) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw PanoplyError.config("cannot create \(path)") }
        defer { sqlite3_close(db) }
        let sql = """
            CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, score REAL, grp INTEGER, photo BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
            INSERT INTO users SELECT i, 'user-' || i, i / 8.0, i / 7, CASE WHEN i % 100 = 0 THEN x'00ff' END FROM n;
            CREATE VIEW active AS SELECT id, name, grp FROM users WHERE id % 2 = 0;
            """
        var err: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &err) == SQLITE_OK else {
            throw PanoplyError.config(String(cString: err!))
        }
    }

    @Test("a table run delivers every row, paged by rowid, with progress out of count(*)")
    func deliversTable() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("app.sqlite")
        try Self.makeDatabase(file, rows: 1234)
        let outcome = try await h.run(SQLiteSource.self, ["path": file, "table": "users"], batchSize: 100)
        #expect(outcome.summary.status == .done)
        let records = try h.delivered()
        #expect(holdsEachOnce(ids(records), 1234))
        let r = try #require(records.first { $0["id"] == 100 })
        #expect(Array(r.keys.prefix(5)) == ["id", "name", "score", "grp", "photo"])
        #expect(r["score"] == 12.5)
        #expect(r["photo"] == "AP8=")
        #expect(outcome.progress.last?.0 == 1234 && outcome.progress.last?.1 == 1234)
        #expect(try h.savedState()?["sqlite"]?.objectValue?["users"]?.objectValue?["last"] == 1234)
    }

    @Test("a non-unique incremental key loses no row at page boundaries")
    func nonUniqueKey() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("app.sqlite")
        try Self.makeDatabase(file, rows: 500)
        // grp = id / 7: groups of 7 rows, pages of 5 always split a group.
        let outcome = try await h.run(SQLiteSource.self, ["path": file, "table": "users", "incremental_key": "grp"], batchSize: 5)
        #expect(outcome.summary.status == .done)
        #expect(holdsEachOnce(try h.deliveredIds(), 500))
    }

    @Test("a query with an incremental key is paged by it")
    func query() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("app.sqlite")
        try Self.makeDatabase(file, rows: 300)
        _ = try await h.run(SQLiteSource.self, ["path": file, "query": "SELECT id, name FROM active", "incremental_key": "id"], batchSize: 40)
        let got = try h.deliveredIds()
        #expect(got.count == 150 && Set(got) == Set(stride(from: 2, through: 300, by: 2)))
    }

    @Test("a run failed on purpose resumes from its state file and delivers every row")
    func resumes() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("app.sqlite")
        try Self.makeDatabase(file, rows: 1000)
        let failing = FailingSource.kind(SourceKind(SQLiteSource.self), failAfter: 4, key: "sqlite:\(file):users")
        let first = try await h.run(failing, ["path": file, "table": "users"], batchSize: 100)
        #expect(first.summary.status == .failed)
        #expect(try h.deliveredIds().count == 400)
        let second = try await h.run(SQLiteSource.self, ["path": file, "table": "users"], batchSize: 100)
        #expect(second.summary.status == .done)
        #expect(second.logs.contains("resuming 'users' after rowid = 400"))
        #expect(holdsEachOnce(try h.deliveredIds(), 1000))
        #expect(second.progress.first?.0 == 400 || second.progress.contains { $0.0 == 500 && $0.1 == 1000 })
    }

    @Test("pages read in two halves at once (two connections) keep key order with sparse and negative keys, and resume")
    func parallelHalves() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("app.sqlite")
        try Self.makeDatabase(file, rows: 2345)
        var db: OpaquePointer?
        #expect(sqlite3_open(file, &db) == SQLITE_OK)
        // Gaps, and keys below zero: the halves meet at a key found by position, not by value.
        #expect(
            sqlite3_exec(db, "DELETE FROM users WHERE id % 3 = 0 OR id BETWEEN 700 AND 900; UPDATE users SET id = -id WHERE id < 50", nil, nil, nil)
                == SQLITE_OK)
        sqlite3_close(db)
        let expected = (1...2345).filter { $0 % 3 != 0 && !(700...900).contains($0) }.map { $0 < 50 ? -$0 : $0 }.sorted()
        // Pages of 300 (halves of 150): the fault stops the run after 3 pages.
        let failing = FailingSource.kind(SourceKind(SQLiteSource.self), failAfter: 3, key: "sqlite:\(file):users")
        let first = try await h.run(failing, ["path": file, "table": "users"], batchSize: 300)
        #expect(first.summary.status == .failed)
        #expect(try h.deliveredIds() == Array(expected.prefix(900)))
        let second = try await h.run(SQLiteSource.self, ["path": file, "table": "users"], batchSize: 300)
        #expect(second.summary.status == .done)
        #expect(try h.deliveredIds() == expected)
        #expect(try h.savedState()?["sqlite"]?.objectValue?["users"]?.objectValue?["last"] == .number(JSONNumber(expected.last!)))
    }

    @Test("a missing table or file is a not-found error")
    func notFound() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("app.sqlite")
        try Self.makeDatabase(file, rows: 3)
        let noTable = try await h.run(SQLiteSource.self, ["path": file, "table": "nope"])
        #expect(noTable.summary.error?.category == .notFound)
        #expect(noTable.summary.error?.message.contains("there is no table or view 'nope'") == true, "\(noTable.summary.error?.message ?? "")")
        let noFile = try await h.run(SQLiteSource.self, ["path": h.path("missing.sqlite"), "table": "users"])
        #expect(noFile.summary.error?.message == "SQLite database '\(h.path("missing.sqlite"))' does not exist (check the path)")
    }

    @Test("keyset SQL starts each page after the last key and keeps tie groups whole")
    func keysetSQL() {
        let q = KeysetQuery(relation: "\"t\" AS t", key: "t.\"k\"", unique: false, columns: "t.*", lowerParam: "?1", limitParam: "?2")
        #expect(
            q.page(afterKey: true)
                == "SELECT t.\"k\" AS __panoply_key, t.* FROM \"t\" AS t WHERE t.\"k\" > ?1 AND t.\"k\" <= COALESCE((SELECT t.\"k\" FROM \"t\" AS t WHERE t.\"k\" > ?1 ORDER BY t.\"k\" LIMIT 1 OFFSET ?2), t.\"k\") ORDER BY t.\"k\""
        )
        #expect(KeysetQuery.quote("we\"ird") == "\"we\"\"ird\"")
    }
}
