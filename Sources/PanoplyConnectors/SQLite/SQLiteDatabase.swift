import CSQLite
import Foundation
import PanoplyKit

/// A read-only SQLite connection: just what the source needs, errors as ``PanoplyError``.
/// Used by one instance (or thread) at a time; passed between them by ``SQLiteHandles``.
final class SQLiteDatabase: @unchecked Sendable {
    private var db: OpaquePointer?
    let path: String

    /// - Throws: not found when the file does not exist, config when it is not a database.
    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw PanoplyError(.notFound, "SQLite database '\(path)' does not exist (check the path)")
        }
        // A connection is used by one source actor (or one function) at a time: no mutex
        // around every sqlite3_column_* call (FULLMUTEX cost ~5% of a SQLite run).
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(rc)"
            sqlite3_close(db)
            db = nil
            throw PanoplyError(.config, "cannot open SQLite database '\(path)': \(message)")
        }
        sqlite3_busy_timeout(db, 5000)
    }

    /// Runs `sql` with `bindings` and calls `row` for each result row.
    /// - Throws: ``PanoplyError`` classified from SQLite's result code.
    func query(_ sql: String, _ bindings: [JSONValue] = [], row: (SQLiteRow) throws -> Void) throws {
        try query(sql, bindings, prepared: { _ in () }, row: { r, _ in try row(r) })
    }

    /// Runs `sql` with `bindings`: `prepared` once before the first row (the columns are
    /// known, no value yet), then `row` for each result row with what `prepared` returned.
    /// - Throws: ``PanoplyError`` classified from SQLite's result code.
    func query<Context>(
        _ sql: String, _ bindings: [JSONValue], prepared: (SQLiteRow) -> Context,
        row: (SQLiteRow, Context) throws -> Void
    ) throws {
        guard let db else { throw PanoplyError(.internal, "SQLite database '\(path)' is closed") }
        var stmt: OpaquePointer?
        var rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, context: "preparing the query") }
        defer { sqlite3_finalize(stmt) }
        for (i, value) in bindings.enumerated() { bind(stmt, Int32(i + 1), value) }
        let r = SQLiteRow(stmt: stmt)
        let context = prepared(r)
        while true {
            rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw error(rc, context: "reading rows") }
            try row(r, context)
        }
    }

    private func bind(_ stmt: OpaquePointer, _ i: Int32, _ value: JSONValue) {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        switch value {
        case .null: sqlite3_bind_null(stmt, i)
        case .bool(let b): sqlite3_bind_int64(stmt, i, b ? 1 : 0)
        case .number(let n):
            if let v = Int64(n.text) { sqlite3_bind_int64(stmt, i, v) } else { sqlite3_bind_double(stmt, i, n.doubleValue ?? 0) }
        case .string(let s): sqlite3_bind_text(stmt, i, s, -1, transient)
        case .array, .object: sqlite3_bind_text(stmt, i, JSONWriter.string(value), -1, transient)
        }
    }

    private func error(_ rc: Int32, context: String) -> PanoplyError {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(rc)"
        let text = "SQLite error \(context) in '\(path)': \(message)"
        switch rc & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR: return PanoplyError(.transient, text)
        case SQLITE_PERM, SQLITE_AUTH, SQLITE_CANTOPEN: return PanoplyError(.auth, text, code: 403)
        case SQLITE_NOTADB, SQLITE_CORRUPT: return PanoplyError(.config, text, code: 422)
        default:
            if message.hasPrefix("no such table") || message.hasPrefix("no such column") {
                return PanoplyError(.notFound, text)
            }
            return PanoplyError(.config, text)
        }
    }

    func close() {
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    deinit { close() }
}

/// The current row of a running statement.
struct SQLiteRow {
    let stmt: OpaquePointer

    var count: Int { Int(sqlite3_column_count(stmt)) }

    func name(_ i: Int) -> String { String(cString: sqlite3_column_name(stmt, Int32(i))) }

    /// The column's integer, when it holds one (no value built).
    @inline(__always)
    func integerKey(_ i: Int) -> Int64? {
        guard let v = sqlite3_column_value(stmt, Int32(i)), sqlite3_value_type(v) == SQLITE_INTEGER else { return nil }
        return sqlite3_value_int64(v)
    }

    /// The column as JSON: integers and reals as numbers, text as strings, blobs as base64.
    func value(_ i: Int) -> JSONValue {
        let c = Int32(i)
        switch sqlite3_column_type(stmt, c) {
        case SQLITE_INTEGER: return .number(JSONNumber(sqlite3_column_int64(stmt, c)))
        case SQLITE_FLOAT:
            let d = sqlite3_column_double(stmt, c)
            return d.isFinite ? .number(JSONNumber(d)) : .string(String(d))
        case SQLITE_TEXT:
            let n = Int(sqlite3_column_bytes(stmt, c))
            guard let p = sqlite3_column_text(stmt, c) else { return .string("") }
            return .string(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, c))
            guard let p = sqlite3_column_blob(stmt, c) else { return .string("") }
            return .string(Data(bytes: p, count: n).base64EncodedString())
        default: return .null
        }
    }
}
