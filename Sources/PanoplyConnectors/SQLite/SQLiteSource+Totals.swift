import Foundation
import PanoplyKit

extension SQLiteSource {
    /// Tables estimated under this many rows are counted exactly (a cheap scan).
    static let exactCountBelow = 100_000

    /// A relation's total and the rows of it read before (a resumed run): `count(*)` for
    /// a small table, a view or a query (or with `exact_count=true`); for a big table the
    /// estimate of `sqlite_stat1` (written by `ANALYZE`), else of its rowid range, so the
    /// first row is read without a scan of the whole table first.
    struct Totals: Sendable, Equatable {
        var total: Int
        var loaded: Int
        /// True when ``total`` and ``loaded`` are estimates.
        var estimated: Bool

        /// - Parameters:
        ///   - table: the table read by key (nil for a view or a query read whole).
        ///   - rowKey: paged by the table's own key (rowid), not an `incremental_key`.
        init(_ db: SQLiteDatabase, _ keyset: KeysetQuery, table: String?, whole: Bool, rowKey: Bool, after: JSONValue?, exact: Bool) throws {
            let range = table != nil && rowKey && !whole ? try Self.keyRange(db, keyset) : nil
            let guess = table.flatMap { Self.analyzed(db, table: $0) } ?? range.map { Int($0.max - $0.min + 1) }
            if !exact, let guess, guess >= SQLiteSource.exactCountBelow {
                total = guess
                estimated = true
                // How far the saved key is into the key range.
                if let range, let last = after?.intValue {
                    let part = Double(Int64(last) - range.min + 1) / Double(range.max - range.min + 1)
                    loaded = min(guess, max(0, Int(Double(guess) * part)))
                } else {
                    loaded = 0
                }
                return
            }
            total = try db.count(keyset.total, [])
            estimated = false
            // count(*) reads every page of the table: once is enough when nothing was read
            // yet and the key is the row key, which is never NULL.
            let remaining = whole || (after == nil && rowKey) ? total : try db.count(keyset.count(afterKey: after != nil), after.map { [$0] } ?? [])
            loaded = total - remaining
        }

        /// "1000 of 1000 rows to go", "about 9,000,000 of 10,000,000 rows to go (...)".
        var toGo: String {
            guard estimated else { return "\(total - loaded) of \(total) rows to go" }
            return "about \(total - loaded) of \(total) rows to go (estimated; exact_count=true counts them)"
        }

        /// "1200/1000000 rows" or "1200/≈1000000 rows".
        func message(loaded now: Int) -> String {
            estimated ? "\(now)/≈\(max(total, now)) rows" : "\(now)/\(total) rows"
        }

        /// The rows `ANALYZE` found in `table` (`sqlite_stat1`), when it was run.
        static func analyzed(_ db: SQLiteDatabase, table: String) -> Int? {
            var stat: String?
            // No sqlite_stat1 (never analyzed) is an error here: no estimate then.
            try? db.query("SELECT stat FROM sqlite_stat1 WHERE tbl = ?1 LIMIT 1", [.string(table)]) { stat = $0.value(0).stringValue }
            return stat?.split(separator: " ").first.flatMap { Int($0) }
        }

        /// The smallest and largest rowid (two lookups in the table's b-tree), nil when empty.
        static func keyRange(_ db: SQLiteDatabase, _ keyset: KeysetQuery) throws -> (min: Int64, max: Int64)? {
            var range: (Int64, Int64)?
            let relation = keyset.relation
            try db.query("SELECT min(\(keyset.key)), max(\(keyset.key)) FROM \(relation)") { row in
                if let lo = row.integerKey(0), let hi = row.integerKey(1) { range = (lo, hi) }
            }
            return range
        }
    }
}
