import Foundation
import PanoplyKit
import PostgresNIO

/// Rows of a PostgreSQL table, view or query, paged by key (`incremental_key`, else the
/// table's single-column primary key, else `ctid`; a view without a key is read whole by
/// a cursor). Each row comes from the server as `row_to_json`, so numerics, big integers
/// and timestamps keep their exact text, and that text goes into the message as it came
/// (``EncodedRecords``), without a `JSONObject` per row. The state is the last delivered key.
///
/// With `tables` the runner opens one instance per picked table (`resourcesParam`), each
/// reading `input.resource` (`schema.name`, split at the first dot).
public actor PostgresSource: EncodedRecordSource {
    public static let type = "postgres"
    public static let incremental = true
    public static let configuration = SourceConfiguration(
        title: "PostgreSQL", icon: "◈", summary: "Tables, views or a query of a PostgreSQL database, paged by key",
        params: [
            SourceParam(
                "host", title: "Host", required: true, default: "127.0.0.1", placeholder: "db.example.com", help: "Host name or IP address of the server"),
            SourceParam("port", title: "Port", kind: .number, default: "5432", placeholder: "5432"),
            SourceParam("database", title: "Database", required: true, placeholder: "analytics"),
            SourceParam("user", title: "User", required: true, placeholder: "readonly"),
            SourceParam("password", title: "Password", kind: .secret, help: "Never logged"),
            SourceParam("schema", title: "Schema", default: "public", placeholder: "public"),
            SourceParam(
                "tables", title: "Tables", kind: .list, placeholder: "public.orders, public.customers",
                help: "The tables and views to read, each as schema.name; each goes to its own destination table",
                dependencies: ["host", "port", "database", "user"]),
            SourceParam("table", title: "Table", placeholder: "orders", help: "One table of the schema to read (instead of tables or a query)"),
            SourceParam(
                "query", title: "Query", kind: .multiline, placeholder: "SELECT * FROM orders WHERE status = 'paid'",
                help: "A SELECT to read instead of a table; needs incremental_key"),
            SourceParam(
                "incremental_key", title: "Incremental key", placeholder: "updated_at",
                help: "A column that grows with new rows; default: the primary key, else ctid"),
            SourceParam(
                "sslmode", title: "SSL mode", kind: .choice, default: "prefer",
                help:
                    "As libpq: disable; prefer (TLS when offered); require (TLS, certificate not checked); verify-ca (TLS, chain checked); verify-full (chain and host name checked)",
                choices: PostgresSettings.sslModes),
            SourceParam(
                "sslrootcert", title: "SSL root certificate", kind: .path, placeholder: "/path/to/root.crt",
                help: "CA certificates (PEM) for verify-ca and verify-full; default: the system store. With require, checks the chain as libpq does"
            )
            .visible(when: "sslmode", is: "require", "verify-ca", "verify-full")
        ] + SSHTunnelSettings.params, resourcesParam: "tables")

    let settings: PostgresSettings
    private let connection: PostgresConnection
    /// The SSH tunnel the connection goes through, closed with the source.
    private let tunnel: SSHTunnel?
    /// Pages by key; nil when the relation has no usable key and is read whole by a cursor.
    private let keyset: KeysetQuery?
    private let keyName: String
    private let resource: String
    private var lastKey: String?
    private var loaded: Int
    private let total: Int
    private var done = false
    /// The rows after the last key, streamed by one query (a unique key).
    private var stream: PostgresRowStream?
    private let context: SourceContext

    /// What a relation without a usable key (a view) is read by: one cursor, whole.
    static let wholeKey = "(whole)"

    public init(source: SourceInput, context: SourceContext) async throws {
        let settings = try PostgresSettings(source)
        let relation = try PostgresRelation(source, defaultSchema: settings.schema)
        let key = source.string("incremental_key")
        if relation.name == nil, key == nil {
            throw PanoplyError.config("a query needs an incremental_key (a column of its result to page and resume by)")
        }
        self.settings = settings
        self.context = context
        resource = relation.id
        context.log(
            "connecting to \(settings.host):\(settings.port)/\(settings.database) as \(settings.user) (sslmode=\(settings.sslmode))"
                + (settings.tunnel.map { " through the SSH tunnel \($0.display)" } ?? ""))
        let tunnel = try await settings.openTunnel(log: { [context] in context.log($0) })
        self.tunnel = tunnel
        let connection: PostgresConnection
        do { connection = try await settings.connect(through: tunnel) } catch { tunnel?.close(); throw error }
        self.connection = connection
        do {
            let plan = try await settings.readPlan(connection, relation, incrementalKey: key, context: context)
            keyName = plan.keyName
            keyset = plan.keyset
            lastKey = try Self.savedKey(source.state, resource: relation.id, keyName: plan.keyName)
            (total, loaded) = try await Self.count(settings, connection, plan, after: lastKey, resource: relation.id, context: context)
            if let lastKey { context.log("resuming '\(resource)' after \(keyName) = \(lastKey)") }
            context.log("reading '\(resource)' by \(keyName): \(total - loaded) of \(total) rows to go")
        } catch {
            try? await connection.close()
            tunnel?.close()
            throw settings.map(error)
        }
    }

    /// The last key of `resource` in a resumed state (nil for a relation read whole).
    /// - Throws: config when the state pages it by another key.
    static func savedKey(_ state: JSONObject?, resource: String, keyName: String) throws -> String? {
        guard let saved = state?["postgres"]?.objectValue?[resource]?.objectValue else { return nil }
        guard saved["key"]?.stringValue == keyName else {
            throw PanoplyError.config(
                "the saved state pages '\(resource)' by '\(saved["key"]?.stringValue ?? "?")', not '\(keyName)'; delete the state file to start over")
        }
        return keyName == wholeKey ? nil : saved["last"]?.stringValue
    }

    /// The relation's rows in all and those already read; opens the cursor of a whole read.
    private static func count(
        _ settings: PostgresSettings, _ connection: PostgresConnection, _ plan: PostgresSettings.ReadPlan,
        after: String?, resource: String, context: SourceContext
    ) async throws -> (total: Int, loaded: Int) {
        guard let keyset = plan.keyset else {
            let total = try await settings.count(connection, "SELECT count(*) FROM \(plan.relation)")
            try await settings.openCursor(connection, relation: plan.relation)
            return (total, 0)
        }
        let counts = try await withBackgroundProgress(context, message: "counting rows of \(resource)", interval: .seconds(5)) {
            let total = try await settings.count(connection, keyset.total)
            let left = try await settings.count(connection, keyset.count(afterKey: after != nil), after.map { [$0] } ?? [])
            return (total, left)
        }
        return (counts.0, counts.0 - counts.1)
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        try await readEncoded(n)?.decoded(reportingTo: context)
    }

    public func readEncoded(_ n: Int) async throws -> EncodedRecords? {
        guard !done else { return nil }
        let size = max(1, n)
        let (batch, last): (EncodedRecords, String?)
        do {
            if let keyset, keyset.unique {
                (batch, last) = try await streamed(keyset, size: size)
            } else if let keyset {
                (batch, last) = try await page(keyset, size: size)
            } else {
                (batch, last) = try await fetch(size)
            }
        } catch {
            stream?.cancel()
            stream = nil
            throw settings.map(error)
        }
        guard !batch.isEmpty else {
            done = true
            context.progress(loaded, total, "\(loaded)/\(total) rows (done)")
            return nil
        }
        var out = batch
        lastKey = last
        loaded += batch.count
        var saved: JSONObject = ["key": .string(keyName)]
        if let last { saved["last"] = .string(last) }
        out.state = ("postgres-\(resource)-\(loaded)", ["postgres": [resource: .object(saved)]])
        out.progress = (loaded, max(total, loaded), "\(loaded)/\(total) rows")
        return out
    }

    /// The next batch of the rows after the last key, from the one query that streams them
    /// (started after the last key handed out, so a retry after an error reads on from there).
    private func streamed(_ keyset: KeysetQuery, size: Int) async throws -> (EncodedRecords, String?) {
        if stream == nil {
            var binds = PostgresBindings()
            if let lastKey { binds.append(lastKey) }
            stream = PostgresRowStream(
                connection, PostgresQuery(unsafeSQL: keyset.all(afterKey: lastKey != nil), binds: binds), logger: settings.logger,
                batchSize: size, keyColumn: 0, jsonColumn: 1, resource: resource)
        }
        guard let page = try await stream?.next() else {
            stream = nil
            return (EncodedRecords(), nil)
        }
        return (page.records, page.lastKey)
    }

    /// The next page after the last key: its rows' JSON and its last key.
    private func page(_ keyset: KeysetQuery, size: Int) async throws -> (EncodedRecords, String?) {
        var binds = PostgresBindings()
        binds.append(lastKey ?? "")  // always typed text, even where the first page ignores it
        binds.append(keyset.unique ? size : size - 1)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: keyset.page(afterKey: lastKey != nil), binds: binds), logger: settings.logger)
        return try await Self.collect(rows, keyColumn: 1, jsonColumn: 2, resource: resource)
    }

    /// The next rows of a whole read's cursor (no key: the second value is nil).
    private func fetch(_ size: Int) async throws -> (EncodedRecords, String?) {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "FETCH FORWARD \(size) FROM panoply_rows"), logger: settings.logger)
        return try await Self.collect(rows, keyColumn: nil, jsonColumn: 0, resource: resource)
    }

    /// The rows' `row_to_json` text, appended as it came, and the last row's key text.
    static func collect(_ rows: PostgresRowSequence, keyColumn: Int?, jsonColumn: Int, resource: String) async throws -> (EncodedRecords, String?) {
        var batch = EncodedRecords(reservingCapacity: 1 << 20)
        var lastKey: ByteBuffer?
        for try await row in rows {
            try PostgresRowStream.append(row, to: &batch, lastKey: &lastKey, keyColumn: keyColumn, jsonColumn: jsonColumn, resource: resource)
        }
        return (batch, lastKey.map { String(buffer: $0) })
    }

    public func check() async throws {
        do { _ = try await settings.scalar(connection, "SELECT 1") } catch { throw settings.map(error) }
    }

    public func close() async {
        stream?.cancel()
        try? await connection.close()
        tunnel?.close()
    }
}
