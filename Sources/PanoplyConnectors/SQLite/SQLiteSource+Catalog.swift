import Foundation
import PanoplyKit

/// What the database file holds: its tables and views with their columns, and the key
/// each is paged by.
extension SQLiteDatabase {
    /// The tables and views (not SQLite's own) with their columns; mandatory = NOT NULL
    /// or part of the primary key. A table's estimated rows come from `sqlite_stat1`
    /// (after `ANALYZE`), else from its rowid range (two b-tree lookups, no scan).
    func resources() throws -> [SourceResource] {
        var relations: [(String, String)] = []
        try query("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name") { row in
            relations.append((row.value(0).stringValue ?? "", row.value(1).stringValue ?? ""))
        }
        return try relations.map { name, type in
            var fields: [SourceResource.Field] = []
            try query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)", [.string(name)]) { row in
                let mandatory = (row.value(2).intValue ?? 0) != 0 || (row.value(3).intValue ?? 0) != 0
                fields.append(.init(name: row.value(0).stringValue ?? "", type: row.value(1).stringValue ?? "", mandatory: mandatory))
            }
            let estimate = type == "table" ? SQLiteSource.Totals.analyzed(self, table: name) ?? rowidRange(table: name) : nil
            return SourceResource(id: name, title: type == "view" ? "\(name) (view)" : name, fields: fields, estimatedRows: estimate)
        }
    }

    /// `max(rowid) - min(rowid) + 1` of a table (0 when empty), nil without a rowid.
    private func rowidRange(table: String) -> Int? {
        var rows: Int?
        try? query("SELECT coalesce(max(rowid) - min(rowid) + 1, 0) FROM \(KeysetQuery.quote(table))") { rows = $0.value(0).intValue }
        return rows
    }

    /// The key a table is paged by: its rowid, else (a WITHOUT ROWID table) its primary
    /// key of one column; nil (read whole, said in the log) for a view or another table.
    /// - Throws: not found when there is no such table or view.
    func rowKey(table: String, context: SourceContext) throws -> String? {
        var type: String?
        try query("SELECT type FROM sqlite_master WHERE name = ?1 AND type IN ('table', 'view')", [.string(table)]) { type = $0.value(0).stringValue }
        guard let type else {
            throw PanoplyError(.notFound, "there is no table or view '\(table)' in '\(path)' (list them with `panoply discover sqlite --param path=\(path)`)")
        }
        if type == "table", (try? query("SELECT rowid FROM \(KeysetQuery.quote(table)) LIMIT 0") { _ in }) != nil { return "rowid" }
        var keys: [String] = []
        try query("SELECT name FROM pragma_table_info(?1) WHERE pk > 0", [.string(table)]) { keys.append($0.value(0).stringValue ?? "") }
        if keys.count == 1 { return keys[0] }
        context.log(
            "'\(table)' \(type == "view" ? "is a view" : "has no rowid and no primary key of one column"): reading it whole, from its start on every run; give incremental_key to page and resume it"
        )
        return nil
    }
}

extension SQLiteSource {
    /// Lists the file's tables and views with their columns.
    public static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        guard let path = source.string("path") else { throw PanoplyError.config("Database file (path) is required to list its tables") }
        let db = try SQLiteDatabase(path: path)
        defer { db.close() }
        return try db.resources()
    }

    /// The values of `tables`: the file's tables and views.
    public static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        guard param == "tables" else { throw PanoplyError.config("sqlite has no list param '\(param)' (it has: tables)") }
        return try await listResources(source: source, context: context).map { ListValue(name: $0.title, value: $0.id) }
    }
}
