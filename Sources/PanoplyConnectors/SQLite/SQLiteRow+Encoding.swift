import CSQLite
import Foundation
import PanoplyKit

/// A row's columns written straight into a record's JSON, as ``SQLiteRow/value(_:)``
/// would give them and the SDK's writer write them: integers as their digits, reals as
/// `JSONNumber(Double)` writes them, text escaped from SQLite's own bytes, blobs as base64,
/// NULL as null.
extension SQLiteRow {
    /// The keys of columns `first...`, for ``writeCells(from:into:)``.
    func recordKeys(from first: Int) -> RecordKeys {
        RecordKeys((first..<count).map { name($0) })
    }

    /// Writes columns `first...` as the cells of a record (keys from ``recordKeys(from:)``).
    /// Text is copied as SQLite holds it: text that is not valid UTF-8 makes the record
    /// invalid, and the caller builds it from ``value(_:)`` instead.
    @inline(__always)
    func writeCells(from first: Int, into w: inout RecordWriter) {
        for k in 0..<(count - first) {
            w.key(k)
            write(first + k, into: &w)
        }
    }

    /// Writes column `i`'s value. One `sqlite3_column_value` and the value's own accessors:
    /// each `sqlite3_column_*` call enters and leaves the connection's API (mutex, error
    /// state), and three of them per column were a seventh of a SQLite run's CPU.
    @inline(__always)
    func write(_ i: Int, into w: inout RecordWriter) {
        guard let v = sqlite3_column_value(stmt, Int32(i)) else { return w.null() }
        switch sqlite3_value_type(v) {
        case SQLITE_INTEGER: w.integer(sqlite3_value_int64(v))
        case SQLITE_TEXT:
            // The text first, then its length (SQLite's advice: the text may be converted).
            guard let p = sqlite3_value_text(v) else { return w.text(UnsafeBufferPointer(start: nil, count: 0)) }
            w.text(UnsafeBufferPointer(start: p, count: Int(sqlite3_value_bytes(v))))
        case SQLITE_NULL: w.null()
        case SQLITE_FLOAT:
            let d = sqlite3_value_double(v)
            if d.isFinite { w.number(d) } else { w.string(String(d)) }
        default:
            // Blobs: their base64 text is built once anyway.
            if case .string(let s) = value(i) { w.string(s) } else { w.null() }
        }
    }
}
