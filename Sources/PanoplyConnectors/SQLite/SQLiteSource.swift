import Foundation
import PanoplyKit

/// Rows of a SQLite table or query, paged by key (the rowid, or `incremental_key`). The
/// state is the last delivered key, so a resumed run, or the next incremental run, reads
/// only what comes after it.
public actor SQLiteSource: DataSource {
    public static let type = "sqlite"
    public static let incremental = true
    public static let configuration = SourceConfiguration(
        title: "SQLite database", icon: "◧", summary: "A table or query of a SQLite file, paged by key",
        params: [
            SourceParam("path", title: "Database file", kind: .path, required: true, placeholder: "/data/app.sqlite", help: "Path of the SQLite database (opened read-only)"),
            SourceParam("table", title: "Table", placeholder: "users", help: "The table to read (or give a query)"),
            SourceParam("query", title: "Query", kind: .multiline, placeholder: "SELECT * FROM users WHERE active", help: "A SELECT to read instead of a table; give incremental_key to page and resume it"),
            SourceParam("incremental_key", title: "Incremental key", placeholder: "updated_at", help: "A column that grows with new rows; default: the table's rowid"),
        ])

    private let db: SQLiteDatabase
    private let keyset: KeysetQuery
    private let keyName: String
    private let resource: String
    private var lastKey: JSONValue?
    private var loaded: Int
    private let total: Int
    private var done = false
    private let context: SourceContext

    public init(source: SourceInput, context: SourceContext) async throws {
        guard let path = source.string("path") else { throw PanoplyError.config("Database file (path) is required") }
        let table = source.string("table")
        let query = source.string("query")
        guard (table == nil) != (query == nil) else {
            throw PanoplyError.config("give either a table or a query (not both, not neither)")
        }
        let key = source.string("incremental_key")
        if query != nil, key == nil {
            throw PanoplyError.config("a query needs an incremental_key (a column of its result to page and resume by)")
        }
        resource = table ?? "query"
        keyName = key ?? "rowid"
        let relation = table.map { "\(KeysetQuery.quote($0)) AS t" } ?? "(\(query!)) AS t"
        keyset = KeysetQuery(relation: relation, key: key.map { "t." + KeysetQuery.quote($0) } ?? "t.rowid", unique: key == nil,
                             columns: "t.*", lowerParam: "?1", limitParam: "?2")
        self.context = context
        db = try SQLiteDatabase(path: path)
        let saved = source.state?["sqlite"]?.objectValue?[resource]?.objectValue
        if let saved {
            guard saved["key"]?.stringValue == keyName else {
                throw PanoplyError.config("the saved state pages '\(resource)' by '\(saved["key"]?.stringValue ?? "?")', not '\(keyName)'; delete the state file to start over")
            }
            lastKey = saved["last"]
        }
        total = try db.count(keyset.total, [])
        let remaining = try db.count(keyset.count(afterKey: lastKey != nil), lastKey.map { [$0] } ?? [])
        loaded = total - remaining
        if let lastKey { context.log("resuming '\(resource)' after \(keyName) = \(lastKey.displayText)") }
        context.log("reading '\(resource)' from '\(path)': \(remaining) of \(total) rows to go")
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        guard !done else { return nil }
        try ConnectorFaults.check("sqlite:\(db.path):\(resource)")
        let size = max(1, n)
        let bounds: [JSONValue] = (lastKey.map { [$0] } ?? [.null]) + [.number(JSONNumber(keyset.unique ? size : size - 1))]
        var batch: [JSONObject] = []
        var last: JSONValue?
        try db.query(keyset.page(afterKey: lastKey != nil), bounds) { row in
            last = row.value(0)
            var o = JSONObject()
            for i in 1..<row.count { o[row.name(i)] = row.value(i) }
            batch.append(o)
        }
        guard let last else {
            done = true
            context.progress(loaded, total, "\(loaded)/\(total) rows (done)")
            return nil
        }
        lastKey = last
        loaded += batch.count
        context.state("sqlite-\(resource)-\(loaded)", ["sqlite": [resource: ["key": .string(keyName), "last": last]]])
        context.progress(loaded, max(total, loaded), "\(loaded)/\(total) rows")
        return batch
    }

    public func check() async throws {
        _ = try db.count(keyset.total, [])
    }

    public func close() async { db.close() }
}

extension SQLiteDatabase {
    func count(_ sql: String, _ bindings: [JSONValue]) throws -> Int {
        var n = 0
        try query(sql, bindings) { n = $0.value(0).intValue ?? 0 }
        return n
    }
}
