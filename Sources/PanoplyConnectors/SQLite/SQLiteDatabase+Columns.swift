import PanoplyKit

extension SQLiteDatabase {
    /// What a page selects of `table`: every column (`t.*`), or with excluded fields the
    /// others by name, so an excluded column is never read (the key is selected apart).
    /// - Throws: config when every column is excluded.
    func selectedColumns(table: String, fields: ResourceFields?) throws -> String {
        guard let excluded = fields?.exclude, !excluded.isEmpty else { return "t.*" }
        var names: [String] = []
        try query("SELECT name FROM pragma_table_info(?1) ORDER BY cid", [.string(table)]) { names.append($0.value(0).stringValue ?? "") }
        let kept = names.filter { !excluded.contains($0) }
        guard !kept.isEmpty else { throw PanoplyError.config("every column of '\(table)' is excluded: nothing is left to send") }
        return kept.map { "t." + KeysetQuery.quote($0) }.joined(separator: ", ")
    }
}
