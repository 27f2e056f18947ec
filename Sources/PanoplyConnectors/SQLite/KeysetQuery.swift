/// The SQL of keyset pagination over a table or query, shared by the SQLite and
/// PostgreSQL sources: each page starts after the last key delivered (never OFFSET over
/// the whole relation), so a page costs the same at row 10 and at row 10 million, and
/// a resumed run starts from the saved key.
///
/// A key that is not unique (an `updated_at` column) is paged without losing rows that
/// share a value across a page boundary: a page runs up to and including every row with
/// the n-th key, so it may hold a few more than n rows. Rows whose key is NULL are not
/// read: they cannot be ordered against a saved key.
struct KeysetQuery: Sendable, Equatable {
    /// `"table" AS t` or `(SELECT ...) AS t`.
    var relation: String
    /// The key as SQL (`t."id"`, `rowid`, `ctid`).
    var key: String
    var unique: Bool
    /// What each row selects after the key.
    var columns: String
    /// The placeholder of the last key (`?1`, `$1::integer`).
    var lowerParam: String
    /// The placeholder of the page size (`?2`, `$2`).
    var limitParam: String

    /// The next page; binds the last key (when `afterKey`) then the page size. With a
    /// non-unique key the bound size is n - 1 (an offset within the page).
    func page(afterKey: Bool) -> String {
        let filter = where_(afterKey)
        if unique {
            return "SELECT \(key) AS __panoply_key, \(columns) FROM \(relation) WHERE \(filter) ORDER BY \(key) LIMIT \(limitParam)"
        }
        let upper = "SELECT \(key) FROM \(relation) WHERE \(filter) ORDER BY \(key) LIMIT 1 OFFSET \(limitParam)"
        return "SELECT \(key) AS __panoply_key, \(columns) FROM \(relation) WHERE \(filter) AND \(key) <= COALESCE((\(upper)), \(key)) ORDER BY \(key)"
    }

    /// The rows after the last key (when `afterKey`) up to and including the key bound at
    /// `upper` (`?2`), in key order: a page whose end is known.
    func page(afterKey: Bool, upperParam upper: String) -> String {
        "SELECT \(key) AS __panoply_key, \(columns) FROM \(relation) WHERE \(where_(afterKey)) AND \(key) <= \(upper) ORDER BY \(key)"
    }

    /// The key of the row `n` rows on (binds the last key when `afterKey`, then n - 1 at the
    /// page size's place): where a page of n rows ends.
    func nthKey(afterKey: Bool) -> String {
        "SELECT \(key) FROM \(relation) WHERE \(where_(afterKey)) ORDER BY \(key) LIMIT 1 OFFSET \(limitParam)"
    }

    /// Every row after the last key (when `afterKey`, binding it), in key order: one query
    /// streamed to its end, for a unique key. Selects only `columns`.
    func all(afterKey: Bool) -> String {
        "SELECT \(columns) FROM \(relation) WHERE \(where_(afterKey)) ORDER BY \(key)"
    }

    /// How many rows are left after the last key (or in all, without one).
    func count(afterKey: Bool) -> String {
        "SELECT count(*) FROM \(relation) WHERE \(where_(afterKey))"
    }

    /// One constant per row after the last key (when `afterKey`), or per row: what the
    /// planner's row estimate is asked for (`EXPLAIN`), without counting.
    func rows(afterKey: Bool) -> String {
        "SELECT 1 FROM \(relation) WHERE \(where_(afterKey))"
    }

    /// Every row, for the total.
    var total: String { "SELECT count(*) FROM \(relation)" }

    private func where_(_ afterKey: Bool) -> String {
        afterKey ? "\(key) > \(lowerParam)" : "\(key) IS NOT NULL"
    }

    /// `name` as a double-quoted SQL identifier.
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
