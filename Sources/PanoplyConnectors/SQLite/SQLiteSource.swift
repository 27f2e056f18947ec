import Foundation
import PanoplyKit

/// Rows of a SQLite table, view or query, paged by key (the rowid, or `incremental_key`;
/// a view, or a table without a rowid and a one-column primary key, is read whole). The
/// state is the last delivered key, so a resumed run, or the next incremental run, reads
/// only what comes after it. With `tables` the runner opens one instance per picked table
/// (`resourcesParam`), each reading `input.resource`.
public actor SQLiteSource: EncodedRecordSource {
    public static let type = "sqlite"
    public static let incremental = true
    public static let configuration = SourceConfiguration(
        title: "SQLite database", icon: "◧", summary: "Tables, views or a query of a SQLite file, paged by key",
        params: [
            SourceParam(
                "path", title: "Database file", kind: .path, required: true, placeholder: "/data/app.sqlite",
                help: "Path of the SQLite database (opened read-only)"),
            SourceParam(
                "tables", title: "Tables", kind: .list, placeholder: "users, orders",
                help: "The tables and views to read; each goes to its own destination table", dependencies: ["path"]),
            SourceParam("table", title: "Table", placeholder: "users", help: "One table to read (instead of tables or a query)"),
            SourceParam(
                "query", title: "Query", kind: .multiline, placeholder: "SELECT * FROM users WHERE active",
                help: "A SELECT to read instead of a table; give incremental_key to page and resume it"),
            SourceParam(
                "incremental_key", title: "Incremental key", placeholder: "updated_at", help: "A column that grows with new rows; default: the table's rowid"),
            SourceParam(
                "exact_count", title: "Exact row counts", kind: .boolean, default: "false",
                help: "Count each table's rows before reading it (a full scan); by default a table over 100,000 rows shows an estimate (≈)",
                category: .advanced)
        ], resourcesParam: "tables")

    private let db: SQLiteDatabase
    private let keyset: KeysetQuery
    private let keyName: String
    /// True when the relation has no key to page by: read whole, by position.
    private let whole: Bool
    /// What a relation without a key is paged by.
    static let wholeKey = "(whole)"
    private let resource: String
    private var lastKey: JSONValue?
    private var loaded: Int
    private let totals: Totals
    private var total: Int { totals.total }
    private var done = false
    /// The run's handles on the file (nil: this instance's own, closed with it).
    private let handles: SQLiteHandles?
    /// What to reserve for a batch's JSON: grows to the largest batch seen.
    private var bytesPerBatch = 64 * 1024
    private let context: SourceContext

    public init(source: SourceInput, context: SourceContext) async throws {
        guard let path = source.string("path") else { throw PanoplyError.config("Database file (path) is required") }
        let table = source.resource ?? source.string("table")
        let query = source.resource == nil ? source.string("query") : nil
        let picked = table ?? (query == nil ? ResourceList.first(source.params["tables"]) : nil)
        guard (picked == nil) != (query == nil) else {
            throw PanoplyError.config("give either tables, a table or a query (a table and a query cannot go together)")
        }
        let key = source.string("incremental_key")
        if query != nil, key == nil {
            throw PanoplyError.config("a query needs an incremental_key (a column of its result to page and resume by)")
        }
        resource = picked ?? "query"
        let relation = picked.map { "\(KeysetQuery.quote($0)) AS t" } ?? "(\(query!)) AS t"
        self.context = context
        let handles = try SQLiteHandles.of(path, context: context)
        self.handles = handles
        let db = try handles?.acquire() ?? SQLiteDatabase(path: path)
        self.db = db
        do {
            (keyName, whole, keyset, lastKey, totals) = try Self.plan(
                db, source, picked: picked, relation: relation, resource: picked ?? "query", context: context)
        } catch {
            if let handles { handles.release(db) } else { db.close() }
            throw error
        }
        loaded = totals.loaded
        if let lastKey { context.log("resuming '\(resource)' after \(keyName) = \(lastKey.displayText)") }
        context.log("reading '\(resource)' from '\(path)': \(totals.toGo)")
    }

    /// How the relation is read (its key, the saved key) and its totals.
    private static func plan(
        _ db: SQLiteDatabase, _ source: SourceInput, picked: String?, relation: String, resource: String, context: SourceContext
    ) throws -> (String, Bool, KeysetQuery, JSONValue?, Totals) {
        let key = source.string("incremental_key")
        let column = try key ?? picked.flatMap { try db.rowKey(table: $0, context: context) }
        let keyName = column ?? Self.wholeKey
        let whole = column == nil
        let keySQL = column == "rowid" && key == nil ? "t.rowid" : "t." + KeysetQuery.quote(keyName)
        let columns = try picked.map { try db.selectedColumns(table: $0, fields: source.fields.fields(for: resource)) } ?? "t.*"
        let keyset = KeysetQuery(relation: relation, key: keySQL, unique: key == nil, columns: columns, lowerParam: "?1", limitParam: "?2")
        var lastKey: JSONValue?
        if let saved = source.state?["sqlite"]?.objectValue?[resource]?.objectValue {
            guard saved["key"]?.stringValue == keyName else {
                throw PanoplyError.config(
                    "the saved state pages '\(resource)' by '\(saved["key"]?.stringValue ?? "?")', not '\(keyName)'; delete the state file to start over")
            }
            lastKey = whole ? nil : saved["last"]
        }
        let totals = try Totals(
            db, keyset, table: whole ? nil : picked, whole: whole, rowKey: key == nil, after: lastKey, exact: source.bool("exact_count") ?? false)
        return (keyName, whole, keyset, lastKey, totals)
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        try await readEncoded(n)?.decoded(reportingTo: context)
    }

    /// The next page of up to `n` rows (more with a non-unique key: a page keeps rows that
    /// share a key together), each written from SQLite's columns straight into JSON. The
    /// batch carries the last key as its state.
    public func readEncoded(_ n: Int) async throws -> EncodedRecords? {
        guard !done else { return nil }
        let size = max(1, n)
        var batch: EncodedRecords
        let last: JSONValue?
        if let split = try parallelSplit(size) {
            (batch, last) = try readTwoPages(split, size)
        } else {
            batch = EncodedRecords(reservingCapacity: bytesPerBatch)
            let bounds: [JSONValue] = [lowerBound, .number(JSONNumber(keyset.unique ? size : size - 1))]
            let wholeSQL = "SELECT NULL AS __panoply_key, \(keyset.columns) FROM \(keyset.relation) LIMIT ?2 OFFSET \(loaded)"
            let sql = whole ? wholeSQL : keyset.page(afterKey: lastKey != nil)
            last = try Self.readPage(db, sql, whole ? [.null, .number(JSONNumber(size))] : bounds, whole: whole, into: &batch)
        }
        guard let last else {
            done = true
            context.progress(loaded, max(total, loaded), totals.message(loaded: loaded) + " (done)", estimated: totals.estimated)
            return nil
        }
        bytesPerBatch = max(bytesPerBatch, batch.bytes.count + batch.bytes.count / 8)
        lastKey = whole ? nil : last
        loaded += batch.count
        batch.state = ("sqlite-\(resource)-\(loaded)", ["sqlite": [resource: ["key": .string(keyName), "last": whole ? .null : last]]])
        batch.progress = (loaded, max(total, loaded), totals.message(loaded: loaded))
        batch.progressIsEstimate = totals.estimated
        return batch
    }

    /// Reads the rows of `sql` into `batch`.
    /// - Returns: the last row's key (`.null` when read whole), nil when there was no row.
    static func readPage(
        _ db: SQLiteDatabase, _ sql: String, _ bindings: [JSONValue], whole: Bool,
        into batch: inout EncodedRecords
    ) throws -> JSONValue? {
        var last: JSONValue?
        var lastRow: Int64?
        // The keys are encoded once, from the prepared statement's column names.
        try db.query(sql, bindings, prepared: { $0.recordKeys(from: 1) }) { row, keys in
            if whole { last = .null } else if let k = row.integerKey(0) { lastRow = k } else { lastRow = nil; last = row.value(0) }
            guard !batch.append(keys: keys, { row.writeCells(from: 1, into: &$0) }) else { return }
            // Text that is not valid UTF-8: the object repairs it, as String(decoding:) does.
            var o = JSONObject()
            for i in 1..<row.count { o[row.name(i)] = row.value(i) }
            try batch.append(o)
        }
        // An integer key is kept as a number until the page ends (no value per row).
        if let lastRow { return .number(JSONNumber(lastRow)) }
        return last
    }

    /// What `?1` binds: the last key, or a placeholder before the first page (whose SQL
    /// does not use it).
    private var lowerBound: JSONValue { lastKey ?? .null }

    // MARK: Two pages at once

    /// A second connection to the same file, for the page read beside the first one.
    private var second: SQLiteDatabase?
    /// Pages smaller than this are read in one piece: a thread hand-off costs more.
    static let parallelMinimum = 256

    /// Where the two halves of the next page meet, when they can be read in parallel: the
    /// key of the (n/2)-th row after the last key. Only for a unique key (each half is
    /// `(lower, upper]`), and when more than a page is left (the last page has no need).
    private func parallelSplit(_ n: Int) throws -> JSONValue? {
        guard keyset.unique, !whole, n >= Self.parallelMinimum, total - loaded > n else { return nil }
        let bindings: [JSONValue] = [lowerBound, .number(JSONNumber(n / 2 - 1))]
        var split: JSONValue?
        try db.query(keyset.nthKey(afterKey: lastKey != nil), bindings) { split = $0.value(0) }
        return split
    }

    /// Rows `(lastKey, split]` (n/2 of them) on this connection and the next n - n/2 after
    /// `split` on the second, at the same time (two cores), appended in key order. SQLite
    /// stepping and converting rows is most of a SQLite run's CPU; one connection kept one
    /// core busy and the writer half of the other.
    /// - Returns: the rows, and the last key read.
    private func readTwoPages(_ split: JSONValue, _ n: Int) throws -> (EncodedRecords, JSONValue?) {
        if second == nil { second = try handles?.acquire() ?? SQLiteDatabase(path: db.path) }
        let jobs = PagePair(
            first: (db, keyset.page(afterKey: lastKey != nil, upperParam: "?2"), [lowerBound, split]),
            second: (second!, keyset.page(afterKey: true), [split, .number(JSONNumber(n - n / 2))]),
            reserve: (bytesPerBatch, bytesPerBatch / 2))
        DispatchQueue.concurrentPerform(iterations: 2) { jobs.run($0) }
        var (a, b) = try jobs.results()
        a.batch.append(contentsOf: b.batch)
        b.batch.recycle()
        return (a.batch, b.last ?? a.last)
    }

    public func check() async throws {
        _ = try db.count(keyset.total, [])
    }

    public func close() async {
        if let handles {
            handles.release(db)
            if let second { handles.release(second) }
        } else {
            db.close()
            second?.close()
        }
        second = nil
    }
}

extension SQLiteDatabase {
    func count(_ sql: String, _ bindings: [JSONValue]) throws -> Int {
        var n = 0
        try query(sql, bindings) { n = $0.value(0).intValue ?? 0 }
        return n
    }
}

/// The two half-page reads of ``SQLiteSource/readEncoded(_:)`` (keyed pages, never whole)
/// and their results, each on its own connection and thread (a connection is used by one
/// thread at a time).
private final class PagePair: @unchecked Sendable {
    typealias Job = (db: SQLiteDatabase, sql: String, bindings: [JSONValue])
    let jobs: [Job]
    /// Bytes to reserve for each: the first takes the second's rows after it.
    let reserve: (Int, Int)
    typealias Outcome = Result<(batch: EncodedRecords, last: JSONValue?), Error>
    /// Each written by its own job only (two properties: two threads must not mutate one
    /// array), read after both ended.
    private var first: Outcome?
    private var second: Outcome?

    init(first: Job, second: Job, reserve: (Int, Int)) {
        jobs = [first, second]
        self.reserve = reserve
    }

    func run(_ i: Int) {
        let job = jobs[i]
        let r = Result { () throws -> (batch: EncodedRecords, last: JSONValue?) in
            var b = EncodedRecords(reservingCapacity: i == 0 ? reserve.0 : reserve.1)
            let last = try SQLiteSource.readPage(job.db, job.sql, job.bindings, whole: false, into: &b)
            return (b, last)
        }
        if i == 0 { first = r } else { second = r }
    }

    /// Takes both results out (so their buffers are held only by the caller).
    func results() throws -> ((batch: EncodedRecords, last: JSONValue?), (batch: EncodedRecords, last: JSONValue?)) {
        defer { first = nil; second = nil }
        return (try first!.get(), try second!.get())
    }
}
