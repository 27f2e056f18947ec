import Foundation
import PanoplyKit
import PostgresNIO

/// What the catalog tells the source: the relations it can read with their columns, and
/// how to read one (by which key, or whole).
extension PostgresSettings {
    /// How an instance reads its relation.
    struct ReadPlan: Sendable {
        var relation: String
        /// The record's JSON expression (`row_to_json(t)`, or of the named columns).
        var json = "row_to_json(t)"
        /// The key paged by (`id`, `ctid`, the incremental key), or ``PostgresSource/wholeKey``.
        var keyName: String
        /// Nil when the relation is read whole by a cursor.
        var keyset: KeysetQuery?
    }

    /// The key `relation` is paged by: `incrementalKey`, else its one-column primary key,
    /// else `ctid` for a table; a view (no ctid) is read whole. Says so in the log.
    /// - Parameter info: what the catalog says of a table or view (nil for a query).
    /// - Throws: not found when there is no such table or view.
    func readPlan(
        _ connection: PostgresConnection, _ relation: PostgresRelation, incrementalKey key: String?, info: PostgresTableInfo?,
        context: SourceContext, columns: PostgresColumns? = nil
    ) async throws -> ReadPlan {
        let sql = columns?.relation(relation.sql) ?? relation.sql
        let json = PostgresColumns.json(columns)
        var keyName = key
        if relation.name != nil {
            guard let info else {
                throw PanoplyError(.notFound, "there is no table or view '\(relation.id)' in database \(database) (list them with `panoply discover postgres`)")
            }
            if key == nil { keyName = info.primaryKey }
            if keyName == nil, !["r", "m"].contains(info.kind) {
                context.log(
                    "'\(relation.id)' has no usable key (a \(info.kind == "v" ? "view" : "relation like it") has no ctid): reading it whole, from its start on every run; give incremental_key to page and resume it"
                )
                return ReadPlan(relation: sql, json: json, keyName: PostgresSource.wholeKey, keyset: nil)
            }
            if keyName == nil {
                context.log(
                    "'\(relation.id)' has no primary key of one column: paging it by row position (ctid); give incremental_key to read it incrementally")
            }
        }
        let keySQL = keyName.map { "t." + KeysetQuery.quote($0) } ?? "t.ctid"
        var keyType = keyName == nil ? "tid" : info?.keyType
        if keyType == nil { keyType = try await scalar(connection, "SELECT pg_typeof(\(keySQL))::text FROM \(relation.sql) LIMIT 1") ?? "text" }
        let keyset = KeysetQuery(
            relation: sql, key: keySQL, unique: key == nil, columns: "(\(keySQL))::text, \(json)::text",
            lowerParam: "$1::\(keyType!)", limitParam: "$2")
        return ReadPlan(relation: sql, json: json, keyName: keyName ?? "ctid", keyset: keyset)
    }

    /// Opens the cursor a relation without a key is read whole by (in a read-only transaction).
    func openCursor(_ connection: PostgresConnection, relation: String, json: String = "row_to_json(t)") async throws {
        try await connection.query(PostgresQuery(unsafeSQL: "BEGIN READ ONLY"), logger: logger)
        try await connection.query(
            PostgresQuery(unsafeSQL: "DECLARE panoply_rows NO SCROLL CURSOR FOR SELECT \(json)::text FROM \(relation)"), logger: logger)
    }

    /// Every table and view (all schemas but the system ones) with its columns: the
    /// resource id is `schema.name` as the names are; mandatory = NOT NULL; unavailable
    /// without the SELECT privilege; the estimated rows are the planner's (`reltuples`) of
    /// an analyzed table.
    func resources(_ connection: PostgresConnection) async throws -> [SourceResource] {
        let sql = """
            SELECT n.nspname::text, c.relname::text, c.relkind::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                   a.attnotnull, has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'),
                   CASE WHEN a.attnum IS NOT NULL THEN has_column_privilege(c.oid, a.attnum, 'SELECT') END,
                   CASE WHEN c.relkind IN ('r', 'm', 'p') AND c.reltuples >= 0 THEN c.reltuples::int8 END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            ORDER BY n.nspname, c.relname, a.attnum
            """
        var out: [SourceResource] = []
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        let columns = (String, String, String, String?, String?, Bool?, Bool, Bool?, Int64?).self
        for try await (schema, name, kind, column, type, notNull, available, readable, estimate) in rows.decode(columns) {
            let id = "\(schema).\(name)"
            if out.last?.id != id {
                let title = kind == "v" ? "\(id) (view)" : kind == "m" ? "\(id) (materialized view)" : id
                out.append(SourceResource(id: id, title: title, available: available, estimatedRows: estimate.map { Int($0) }))
            }
            if let column {
                out[out.count - 1].fields.append(.init(name: column, type: type ?? "?", mandatory: notNull ?? false, available: readable ?? true))
            }
        }
        return out
    }

    /// Connects, runs `body`, closes.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let tunnel = try await openTunnel()
        defer { tunnel?.close() }
        let connection = try await connect(through: tunnel)
        do {
            let value = try await body(connection)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw map(error)
        }
    }
}

extension PostgresSource {
    /// Lists every table and view of the database (all schemas but the system ones) with
    /// its columns.
    public static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        let settings = try PostgresSettings(source)
        return try await settings.withConnection { try await settings.resources($0) }
    }

    /// The values of `tables`: the database's tables and views (`schema.name`).
    public static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        guard param == "tables" else { throw PanoplyError.config("postgres has no list param '\(param)' (it has: tables)") }
        return try await listResources(source: source, context: context).map {
            ListValue(name: $0.title, value: $0.id, disabled: !$0.available)
        }
    }
}
