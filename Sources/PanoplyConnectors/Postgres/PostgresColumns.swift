import PanoplyKit
import PostgresNIO

/// The columns an instance selects when it cannot take the whole row: some are excluded by
/// the field settings (they never leave the database), or the user may read the table only
/// through column grants (`GRANT SELECT (a, b) ON t`). The row is then built from the named
/// columns (`row_to_json` of a lateral projection), never from `t.*`.
struct PostgresColumns: Sendable, Equatable {
    /// The columns selected into the records, in table order.
    var selected: [String]

    /// The columns to select for `relation`, or nil when the whole row is read (nothing
    /// excluded, every column readable, or a query).
    /// - Throws: auth (403) naming the columns the user may not read and that are not excluded.
    static func plan(
        _ settings: PostgresSettings, _ connection: PostgresConnection, _ relation: PostgresRelation, info: PostgresTableInfo?,
        fields: ResourceFields?, user: String
    ) async throws -> PostgresColumns? {
        guard let schema = relation.schema, let name = relation.name, let info else { return nil }
        let excluded = Set(fields?.exclude ?? [])
        guard !excluded.isEmpty || !info.readable else { return nil }
        let columns = try await read(settings, connection, schema: schema, name: name)
        let unreadable = columns.filter { !$0.readable && !excluded.contains($0.name) }.map(\.name)
        guard unreadable.isEmpty else {
            let list = unreadable.joined(separator: ", ")
            let options = unreadable.map { "--exclude \(relation.id):\($0)" }.joined(separator: " ")
            throw PanoplyError(
                .auth,
                "user \(user) may not read the columns \(list) of '\(relation.id)' (it may read: \(columns.filter(\.readable).map(\.name).joined(separator: ", "))); exclude them (\(options)) or GRANT SELECT on them",
                code: 403, retryable: false)
        }
        return PostgresColumns(selected: columns.map(\.name).filter { !excluded.contains($0) })
    }

    /// The relation's columns in order, and whether the user may read each.
    static func read(_ settings: PostgresSettings, _ connection: PostgresConnection, schema: String, name: String) async throws -> [(
        name: String, readable: Bool
    )] {
        let sql = """
            SELECT a.attname::text, has_column_privilege(c.oid, a.attnum, 'SELECT')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = $1 AND c.relname = $2 ORDER BY a.attnum
            """
        var binds = PostgresBindings()
        binds.append(schema)
        binds.append(name)
        var out: [(name: String, readable: Bool)] = []
        for try await (column, readable) in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: settings.logger).decode(
            (String, Bool).self)
        {
            out.append((column, readable))
        }
        return out
    }

    /// The relation with the projection joined (`... AS t CROSS JOIN LATERAL (SELECT t."a", t."b") AS x`),
    /// whose `row_to_json(x)` is the record.
    func relation(_ sql: String) -> String {
        "\(sql) CROSS JOIN LATERAL (SELECT \(selected.map { "t." + KeysetQuery.quote($0) }.joined(separator: ", "))) AS x"
    }

    /// The record's JSON: of the projection, or of the whole row when `columns` is nil.
    static func json(_ columns: PostgresColumns?) -> String { columns == nil ? "row_to_json(t)" : "row_to_json(x)" }
}
