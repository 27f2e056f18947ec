import Foundation
import PanoplyKit
import PostgresNIO

/// Rows of a PostgreSQL table or query, paged by key (`incremental_key`, else the
/// table's single-column primary key, else `ctid`). Each row comes from the server as
/// `row_to_json`, so numerics, big integers and timestamps keep their exact text. The
/// state is the last delivered key.
public actor PostgresSource: DataSource {
    public static let type = "postgres"
    public static let incremental = true
    public static let configuration = SourceConfiguration(
        title: "PostgreSQL", icon: "◈", summary: "A table or query of a PostgreSQL database, paged by key",
        params: [
            SourceParam("host", title: "Host", required: true, default: "127.0.0.1", placeholder: "db.example.com", help: "Host name or IP address of the server"),
            SourceParam("port", title: "Port", kind: .number, default: "5432", placeholder: "5432"),
            SourceParam("database", title: "Database", required: true, placeholder: "analytics"),
            SourceParam("user", title: "User", required: true, placeholder: "readonly"),
            SourceParam("password", title: "Password", kind: .secret, help: "Never logged"),
            SourceParam("schema", title: "Schema", default: "public", placeholder: "public"),
            SourceParam("table", title: "Table", placeholder: "orders", help: "The table to read (or give a query)"),
            SourceParam("query", title: "Query", kind: .multiline, placeholder: "SELECT * FROM orders WHERE status = 'paid'", help: "A SELECT to read instead of a table; needs incremental_key"),
            SourceParam("incremental_key", title: "Incremental key", placeholder: "updated_at", help: "A column that grows with new rows; default: the primary key, else ctid"),
            SourceParam("sslmode", title: "SSL mode", kind: .choice, default: "prefer",
                        help: "As libpq: disable; prefer (TLS when offered); require (TLS, certificate not checked); verify-ca (TLS, chain checked); verify-full (chain and host name checked)",
                        choices: PostgresSettings.sslModes),
            SourceParam("sslrootcert", title: "SSL root certificate", kind: .path, placeholder: "/path/to/root.crt",
                        help: "CA certificates (PEM) for verify-ca and verify-full; default: the system store. With require, checks the chain as libpq does")
                .visible(when: "sslmode", is: "require", "verify-ca", "verify-full"),
        ] + SSHTunnelSettings.params)

    let settings: PostgresSettings
    private let connection: PostgresConnection
    /// The SSH tunnel the connection goes through, closed with the source.
    private let tunnel: SSHTunnel?
    private let keyset: KeysetQuery
    private let keyName: String
    private let resource: String
    private var lastKey: String?
    private var loaded: Int
    private let total: Int
    private var done = false
    private let context: SourceContext

    public init(source: SourceInput, context: SourceContext) async throws {
        let settings = try PostgresSettings(source)
        let table = source.string("table")
        let query = source.string("query")
        guard (table == nil) != (query == nil) else { throw PanoplyError.config("give either a table or a query (not both, not neither)") }
        let key = source.string("incremental_key")
        if query != nil, key == nil {
            throw PanoplyError.config("a query needs an incremental_key (a column of its result to page and resume by)")
        }
        self.settings = settings
        self.context = context
        resource = table.map { "\(settings.schema).\($0)" } ?? "query"
        let relation = table.map { "\(KeysetQuery.quote(settings.schema)).\(KeysetQuery.quote($0)) AS t" } ?? "(\(query!)) AS t"
        context.log("connecting to \(settings.host):\(settings.port)/\(settings.database) as \(settings.user) (sslmode=\(settings.sslmode))"
                    + (settings.tunnel.map { " through the SSH tunnel \($0.display)" } ?? ""))
        let tunnel = try await settings.openTunnel()
        self.tunnel = tunnel
        let connection: PostgresConnection
        do { connection = try await settings.connect(through: tunnel) } catch { tunnel?.close(); throw error }
        self.connection = connection
        do {
            var keyName = key
            if keyName == nil, let table { keyName = try await settings.primaryKey(connection, schema: settings.schema, table: table) }
            self.keyName = keyName ?? "ctid"
            let keySQL = keyName.map { "t." + KeysetQuery.quote($0) } ?? "t.ctid"
            let keyType = try await settings.scalar(connection, "SELECT pg_typeof(\(keySQL))::text FROM \(relation) LIMIT 1") ?? "text"
            keyset = KeysetQuery(relation: relation, key: keySQL, unique: key == nil, columns: "(\(keySQL))::text, row_to_json(t)::text",
                                 lowerParam: "$1::\(keyType)", limitParam: "$2")
            let saved = source.state?["postgres"]?.objectValue?[resource]?.objectValue
            if let saved {
                guard saved["key"]?.stringValue == self.keyName else {
                    throw PanoplyError.config("the saved state pages '\(resource)' by '\(saved["key"]?.stringValue ?? "?")', not '\(self.keyName)'; delete the state file to start over")
                }
                lastKey = saved["last"]?.stringValue
            }
            let keysetSQL = keyset
            let after = lastKey
            let counts = try await withBackgroundProgress(context, message: "counting rows of \(resource)", interval: .seconds(5)) {
                let total = try await settings.count(connection, keysetSQL.total)
                let left = try await settings.count(connection, keysetSQL.count(afterKey: after != nil), after.map { [$0] } ?? [])
                return (total, left)
            }
            total = counts.0
            loaded = counts.0 - counts.1
            if let lastKey { context.log("resuming '\(resource)' after \(self.keyName) = \(lastKey)") }
            context.log("reading '\(resource)' by \(self.keyName): \(counts.1) of \(counts.0) rows to go")
        } catch {
            try? await connection.close()
            tunnel?.close()
            throw settings.map(error)
        }
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        guard !done else { return nil }
        try ConnectorFaults.check("postgres:\(resource)")
        let size = max(1, n)
        var binds = PostgresBindings()
        binds.append(lastKey ?? "")  // always typed text, even where the first page ignores it
        binds.append(keyset.unique ? size : size - 1)
        var batch: [JSONObject] = []
        var last: String?
        do {
            let sql = keyset.page(afterKey: lastKey != nil)
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: settings.logger)
            for try await row in rows {
                let cells = row.makeRandomAccess()
                let key = try cells[1].decode(String?.self)
                let json = try cells[2].decode(String.self)
                guard case .object(let o) = try JSONParser.parse(json) else { continue }
                batch.append(o)
                last = key
            }
        } catch {
            throw settings.map(error)
        }
        guard let last else {
            done = true
            context.progress(loaded, total, "\(loaded)/\(total) rows (done)")
            return nil
        }
        lastKey = last
        loaded += batch.count
        context.state("postgres-\(resource)-\(loaded)", ["postgres": [resource: ["key": .string(keyName), "last": .string(last)]]])
        context.progress(loaded, max(total, loaded), "\(loaded)/\(total) rows")
        return batch
    }

    public func check() async throws {
        do { _ = try await settings.scalar(connection, "SELECT 1") } catch { throw settings.map(error) }
    }

    public func close() async {
        try? await connection.close()
        tunnel?.close()
    }
}
