import Foundation
import PanoplyKit
import PostgresNIO

/// The connections of one run to one PostgreSQL server, shared by the instances that read
/// its tables (``RunScope``): an instance takes an idle connection or opens one, and gives
/// it back when it closes, so a run holds at most as many as it reads tables at once
/// (`--parallel-resources`), each opened once. A connection that broke is not given out
/// again. The SSH tunnel, when there is one, is opened once for them all, and opened anew
/// when ssh ended. The catalog of the run's tables is read once (``catalog(for:using:)``).
actor PostgresPool: RunScoped {
    let settings: PostgresSettings
    private var idle: [PostgresConnection] = []
    private var tunnel: SSHTunnel?
    private var closed = false
    /// Connections opened so far.
    private(set) var opened = 0
    private var catalogRead: Task<[String: PostgresTableInfo], Error>?
    /// The run's tables (worked out once: thousands of them).
    private var picked: ([String], Set<String>)?

    init(_ settings: PostgresSettings) { self.settings = settings }

    /// The pool of the run `context` belongs to, or one of the instance's own (nil scope).
    static func of(_ settings: PostgresSettings, context: SourceContext) throws -> (pool: PostgresPool, owned: Bool) {
        guard let scope = context.scope else { return (PostgresPool(settings), true) }
        let key = "postgres \(settings.user)@\(settings.host):\(settings.port)/\(settings.database) \(settings.sslmode) \(settings.tunnel?.display ?? "")"
        return (try scope.shared(key) { PostgresPool(settings) }, false)
    }

    /// An open connection: an idle one, or a new one (said in the log).
    /// - Throws: what connecting throws (auth, transient), as ``PanoplyError``.
    func acquire(log: @escaping @Sendable (String) -> Void) async throws -> PostgresConnection {
        while let c = idle.popLast() {
            if !c.isClosed { return c }
        }
        let s = settings
        log(
            "connecting to \(s.host):\(s.port)/\(s.database) as \(s.user) (sslmode=\(s.sslmode))"
                + (s.tunnel.map { " through the SSH tunnel \($0.display)" } ?? ""))
        let tunnel = try await liveTunnel(log: log)
        let connection = try await settings.connect(through: tunnel)
        opened += 1
        if closed { try? await connection.close() }
        return connection
    }

    /// Takes a connection back: kept for the next instance when `reusable` (nothing left
    /// running on it) and it is still open, else closed.
    func release(_ connection: PostgresConnection, reusable: Bool) async {
        if reusable, !closed, !connection.isClosed {
            idle.append(connection)
        } else {
            try? await connection.close()
        }
    }

    /// The tunnel, opened on first use and again when its ssh ended.
    private func liveTunnel(log: @escaping @Sendable (String) -> Void) async throws -> SSHTunnel? {
        if let tunnel, tunnel.processIsRunning { return tunnel }
        tunnel?.close()
        tunnel = nil
        let opened = try await settings.openTunnel(log: log)
        if let current = tunnel {
            // Another instance opened one meanwhile.
            opened?.close()
            return current
        }
        tunnel = opened
        return opened
    }

    /// What the catalog says of `relation` (nil: no such table or view). Read with one
    /// query (chunked) for every table of the run (`tables`, the same for each instance)
    /// the first time one of them is asked for; a relation not among them is read alone.
    func catalog(
        for relation: PostgresRelation, tables: JSONValue?, incrementalKey key: String?, using connection: PostgresConnection
    ) async throws -> PostgresTableInfo? {
        let settings = settings
        let (ids, set) = picked ?? Self.ids(tables, defaultSchema: settings.schema)
        picked = (ids, set)
        guard set.contains(relation.id) else {
            return try await PostgresTableInfo.read(
                [relation.id], defaultSchema: settings.schema, incrementalKey: key, settings: settings, connection)[relation.id]
        }
        let task =
            catalogRead
            ?? Task { try await PostgresTableInfo.read(ids, defaultSchema: settings.schema, incrementalKey: key, settings: settings, connection) }
        catalogRead = task
        do {
            return try await task.value[relation.id]
        } catch {
            // A later instance tries again, on its own connection.
            if catalogRead == task { catalogRead = nil }
            throw error
        }
    }

    /// The run's tables as `schema.name`, in order and as a set.
    private static func ids(_ tables: JSONValue?, defaultSchema: String) -> ([String], Set<String>) {
        let ids = ResourceList.all(tables).map { id -> String in
            let (s, n) = PostgresRelation.split(id, defaultSchema: defaultSchema)
            return "\(s).\(n)"
        }
        return (ids, Set(ids))
    }

    func close() async {
        closed = true
        let all = idle
        idle = []
        for c in all { try? await c.close() }
        tunnel?.close()
        tunnel = nil
    }
}
