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
                "exact_count", title: "Exact row counts", kind: .boolean, default: "false",
                help: "Count each table's rows before reading it (a full scan); by default a table over 100,000 rows shows the planner's estimate (≈)",
                category: .advanced),
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
    /// The run's connections (or this instance's own): ``connection`` goes back to it on close.
    private let pool: PostgresPool
    private let ownsPool: Bool
    private var connection: PostgresConnection
    /// Pages by key; nil when the relation has no usable key and is read whole by a cursor.
    private let keyset: KeysetQuery?
    private let keyName: String
    private let resource: String
    private let relation: String
    private var lastKey: String?
    private var loaded: Int
    private let totals: Totals
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
        self.relation = relation.sql
        (pool, ownsPool) = try PostgresPool.of(settings, context: context)
        let connection = try await pool.acquire(log: { [context] in context.log($0) })
        self.connection = connection
        do {
            let info = try await Self.catalog(pool, relation, source: source, key: key, connection)
            let columns = try await PostgresColumns.plan(
                settings, connection, relation, info: info, fields: source.fields.fields(for: relation.id), user: settings.user)
            let plan = try await settings.readPlan(connection, relation, incrementalKey: key, info: info, context: context, columns: columns)
            keyName = plan.keyName
            keyset = plan.keyset
            lastKey = try Self.savedKey(source.state, resource: relation.id, keyName: plan.keyName)
            let exact = source.bool("exact_count") ?? false
            // A table with no page on disk needs no query (and no progress while waiting).
            totals =
                Self.totalSource(info, exact: exact) == .empty
                ? Totals(total: 0, loaded: 0, estimated: false)
                : try await withBackgroundProgress(context, message: "counting rows of \(relation.id)", interval: .seconds(5)) { [lastKey] in
                    try await Self.totals(settings, connection, plan, info: info, exact: exact, after: lastKey)
                }
            loaded = totals.loaded
            if plan.keyset == nil { try await settings.openCursor(connection, relation: plan.relation, json: plan.json) }
            if let lastKey { context.log("resuming '\(resource)' after \(keyName) = \(lastKey)") }
            context.log("reading '\(resource)' by \(keyName): \(Self.toGo(totals))")
        } catch {
            await pool.release(connection, reusable: false)
            if ownsPool { await pool.close() }
            throw settings.map(error)
        }
    }

    /// What the catalog says of the relation (nil for a query), read once for the run's tables.
    private static func catalog(
        _ pool: PostgresPool, _ relation: PostgresRelation, source: SourceInput, key: String?, _ connection: PostgresConnection
    ) async throws -> PostgresTableInfo? {
        guard relation.name != nil else { return nil }
        return try await pool.catalog(for: relation, tables: source.resource == nil ? nil : source.params["tables"], incrementalKey: key, using: connection)
    }

    /// "1500 of 1500 rows to go", "about 4,990,000 of 5,000,000 rows to go (estimated; ...)".
    static func toGo(_ t: Totals) -> String {
        guard let total = t.total else { return "the number of rows is not known (exact_count=true counts them)" }
        guard t.estimated else { return "\(total - t.loaded) of \(total) rows to go" }
        return "about \(total - t.loaded) of \(total) rows to go (the planner's estimate; exact_count=true counts them)"
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

    public func read(_ n: Int) async throws -> [JSONObject]? {
        try await readEncoded(n)?.decoded(reportingTo: context)
    }

    public func readEncoded(_ n: Int) async throws -> EncodedRecords? {
        guard !done else { return nil }
        let size = max(1, n)
        let (batch, last): (EncodedRecords, String?)
        do {
            try await replaceBrokenConnection()
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
            context.progress(loaded, totals.total.map { max($0, loaded) }, totals.message(loaded: loaded) + " (done)", estimated: totals.estimated)
            return nil
        }
        var out = batch
        lastKey = last
        loaded += batch.count
        var saved: JSONObject = ["key": .string(keyName)]
        if let last { saved["last"] = .string(last) }
        out.state = ("postgres-\(resource)-\(loaded)", ["postgres": [resource: .object(saved)]])
        out.progress = (loaded, totals.total.map { max($0, loaded) }, totals.message(loaded: loaded))
        out.progressIsEstimate = totals.estimated
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

    /// A keyed read whose connection broke (the server restarted, a proxy dropped it) goes
    /// on with a new one from the pool, after the last key handed out: the read that found
    /// it broken failed retryably, and the runner's retry lands here. A read whole by a
    /// cursor has no key to go on from: it fails, as before.
    private func replaceBrokenConnection() async throws {
        guard connection.isClosed, keyset != nil else { return }
        stream?.cancel()
        stream = nil
        await pool.release(connection, reusable: false)
        context.log("the connection for '\(resource)' was closed; reading on after \(keyName) = \(lastKey ?? "the start") on another one")
        connection = try await pool.acquire(log: { [context] in context.log($0) })
    }

    public func close() async {
        var reusable = done && stream == nil
        stream?.cancel()
        stream = nil
        if reusable, keyset == nil {
            // The cursor's transaction ends before the next instance takes the connection.
            reusable = (try? await connection.query(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: settings.logger)) != nil
        }
        await pool.release(connection, reusable: reusable)
        if ownsPool { await pool.close() }
    }
}
