import PanoplyKit
import PostgresNIO

/// What the catalog says of one table or view the run reads: what it is, its one-column
/// primary key, the type of the key it is paged by, and its size (the planner's row
/// estimate and the bytes on disk). Read for every picked table with one query per
/// thousand (``read(_:defaultSchema:incrementalKey:settings:_:)``), not per table.
struct PostgresTableInfo: Sendable, Equatable {
    /// `relkind`: `r` table, `v` view, `m` materialized view, `p` partitioned, `f` foreign.
    var kind: String
    /// The primary key's column when the key is one column.
    var primaryKey: String?
    /// The type of the primary key, or of the incremental key when one is given
    /// (`integer`, `text`); nil when there is no such column.
    var keyType: String?
    /// `reltuples`: the planner's row estimate; nil when the relation was never analyzed
    /// (-1) or holds no rows of its own (a view, a partitioned table).
    var estimatedRows: Int?
    /// The bytes of the relation's main fork (0 for a table that never held a row).
    var bytes: Int64
    /// Whether the user may read the whole table (not only some columns of it).
    var readable = true

    /// Whether the relation has storage of its own (a table or a materialized view).
    var stored: Bool { kind == "r" || kind == "m" }

    /// The catalog of the relations `ids` (`schema.name`, or `name` in `defaultSchema`) by
    /// id; an id missing from the result names no table or view.
    /// - Parameter incrementalKey: the column whose type ``keyType`` holds, instead of the
    ///   primary key's.
    static func read(
        _ ids: [String], defaultSchema: String, incrementalKey: String? = nil, settings: PostgresSettings, _ connection: PostgresConnection
    ) async throws -> [String: PostgresTableInfo] {
        var out: [String: PostgresTableInfo] = [:]
        for start in stride(from: 0, to: ids.count, by: chunk) {
            let part = Array(ids[start..<min(ids.count, start + chunk)])
            let names = part.map { PostgresRelation.split($0, defaultSchema: defaultSchema) }
            var binds = PostgresBindings()
            binds.append(part)
            binds.append(names.map(\.schema))
            binds.append(names.map(\.name))
            if let incrementalKey { binds.append(incrementalKey) } else { binds.appendNull() }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: settings.logger)
            let columns = (String, String, Double, Int64, String?, String?, String?, Bool).self
            for try await (id, kind, tuples, bytes, pk, pkType, keyType, readable) in rows.decode(columns) {
                let estimate = tuples >= 0 && ["r", "m"].contains(kind) ? Int(tuples) : nil
                out[id] = PostgresTableInfo(
                    kind: kind, primaryKey: pk, keyType: incrementalKey == nil ? pkType : keyType, estimatedRows: estimate, bytes: bytes,
                    readable: readable)
            }
        }
        return out
    }

    /// Relations per catalog query.
    static let chunk = 1000

    /// $1 ids, $2 schemas, $3 names, $4 the incremental key (or NULL).
    static let sql = """
        SELECT p.id, c.relkind::text, c.reltuples::float8, pg_relation_size(c.oid),
               pk.attname::text, pk.atttypid::regtype::text, ik.atttypid::regtype::text, has_table_privilege(c.oid, 'SELECT')
        FROM unnest($1::text[], $2::text[], $3::text[]) AS p(id, s, r)
        JOIN pg_namespace n ON n.nspname = p.s
        JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.r
        LEFT JOIN LATERAL (
            SELECT a.attname, a.atttypid FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1
        ) pk ON true
        LEFT JOIN pg_attribute ik ON ik.attrelid = c.oid AND ik.attname = $4 AND ik.attnum > 0 AND NOT ik.attisdropped
        """
}
