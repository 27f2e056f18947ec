import Foundation
import PanoplyConnectors
import PanoplyKit
import PostgresNIO
import Synchronization

/// A small blocking PostgreSQL client for the synchronous ``Workspace`` protocol: one
/// connection, guarded by a lock, over postgres-nio's `EventLoopFuture` API.
///
/// Every call blocks its caller with `.wait()` while the work runs on NIO's event loop
/// threads (`MultiThreadedEventLoopGroup.singleton`), never on the Swift concurrency pool:
/// a caller on a pool thread waits for NIO, not for another Swift task, so it cannot
/// deadlock the pool on a 2-core machine. Never call it on an event loop thread.
///
/// - The connection is opened on first use. When it broke (the server restarted, a
///   `pg_terminate_backend`, the network), the next call opens a new one. A call whose first
///   statement fails because the connection broke is run once more on a new connection: for
///   a transaction that statement is its `BEGIN` (nothing of it ran); a lone ``query(_:_:)``
///   or ``execute(_:_:)`` may have run, so use them for reads and idempotent writes. A
///   failure later in a body is thrown (its effect is unknown) and the next call reconnects.
///   With `reconnects: false` (a lease's own connection) a broken connection stays broken
///   and every call throws.
/// - Calls are serialized by the lock: ``transaction(_:)`` and ``withSession(_:)`` hold it
///   for their whole body, so the body must use the ``PGSession`` it is given and never call
///   this client again (that would deadlock).
/// - Errors out of the client are ``PanoplyError``s that name the workspace's server and what
///   to fix. Inside a body, a ``PGSession``'s statements throw ``PGError`` (with the SQLSTATE,
///   for a body that must tell a unique violation apart); the client turns it into its
///   ``PGError/panoply`` when it leaves the body. Other errors (``LostLease``) pass unchanged.
package final class PGClient: Sendable {
    package let url: WorkspaceURL
    /// How long a connection's opening or a statement may go unanswered before the
    /// connection counts as broken: a server cut off by the network (a blackhole, no reset)
    /// never answers, and a fenced write must then fail within its patience
    /// (``FenceRetry``) instead of waiting forever. The workspace's statements are small.
    package static let answerTimeout: Duration = .seconds(15)
    private let configuration: PostgresConnection.Configuration
    private let reconnects: Bool
    private let setup: [String]
    private let connection = Mutex<Holder>(Holder())
    let logger: Logger

    private struct Holder: ~Copyable {
        var current: PostgresConnection?
        var closed = false
        var connections = 0
    }

    /// Prepares a client; it connects on first use.
    /// - Parameters:
    ///   - url: the workspace.
    ///   - environment: for the password (`${NAME}`, `PGPASSFILE`, `HOME`).
    ///   - reconnects: whether a broken connection is replaced (false for a lease's connection).
    ///   - setup: statements run on each new connection before anything else (`SET …`).
    /// - Throws: ``PanoplyError`` (config) for a password that cannot be found, or a TLS
    ///   setup that cannot be built (an unreadable `sslrootcert`).
    package init(url: WorkspaceURL, environment: [String: String], reconnects: Bool = true, setup: [String] = []) throws {
        self.url = url
        self.reconnects = reconnects
        self.setup = setup
        var logger = Logger(label: "panoply.workspace")
        logger.logLevel = .critical
        self.logger = logger
        if let file = url.sslrootcert, !FileManager.default.isReadableFile(atPath: file) {
            throw PanoplyError.config("sslrootcert \(file) of the workspace URL \(url.masked) does not exist or cannot be read")
        }
        let tls: PostgresConnection.Configuration.TLS
        do { tls = try PostgresTLS.configuration(sslmode: url.sslmode, rootCertificates: url.sslrootcert) } catch {
            throw PanoplyError.config("cannot set up TLS for the workspace \(url.masked): \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: try url.password(environment: environment),
            database: url.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", "panoply")]
        self.configuration = configuration
    }

    /// Runs one statement and returns its rows (none for a statement without).
    /// - Parameters:
    ///   - sql: the statement, with `$1`, `$2`… for `binds`.
    ///   - binds: the values of its parameters.
    /// - Throws: ``PanoplyError`` naming the server and the cause.
    @discardableResult
    package func query(_ sql: String, _ binds: [PGBind] = []) throws -> [PostgresRow] {
        try withSession { try $0.query(sql, binds) }
    }

    /// Runs one statement and returns how many rows it changed (`UPDATE`, `INSERT`, `DELETE`).
    @discardableResult
    package func execute(_ sql: String, _ binds: [PGBind] = []) throws -> Int {
        try withSession { try $0.execute(sql, binds) }
    }

    /// Runs `body` in a transaction (`BEGIN` … `COMMIT`), rolled back when it throws.
    /// A transaction whose `BEGIN` fails on a connection found broken is retried once on a
    /// new one; nothing of it ran.
    /// - Throws: what `body` threw, or ``PanoplyError`` for a failed statement or commit.
    package func transaction<T>(_ body: (PGSession) throws -> T) throws -> T {
        try withSession { session in
            try session.execute("BEGIN")
            let result: T
            do { result = try body(session) } catch {
                _ = try? session.execute("ROLLBACK")
                throw error
            }
            try session.execute("COMMIT")
            return result
        }
    }

    /// Runs `body` with the connection to itself (the lock held), for several statements
    /// outside a transaction. Its first statement is retried once on a new connection when
    /// the connection was found closed; later ones are not.
    package func withSession<T>(_ body: (PGSession) throws -> T) throws -> T {
        try connection.withLock { holder in
            let first = try connected(&holder)
            do {
                return try body(PGSession(connection: first, client: self))
            } catch let error as PGError {
                guard error.connectionBroke, error.statement == 1, reconnects else { throw error.panoply }
                holder.current = nil
                let second = try connected(&holder)
                do { return try body(PGSession(connection: second, client: self)) } catch let error as PGError {
                    throw error.panoply
                }
            }
        }
    }

    /// The raw connection (opened if needed), for what the session does not cover: `LISTEN`,
    /// a lease's session lock. Held under the lock only while `body` runs.
    package func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try connection.withLock { holder in try body(try connected(&holder)) }
    }

    /// Whether the connection was opened and then broke or was closed (a lease's connection
    /// that broke means the lease is lost).
    package var isBroken: Bool {
        connection.withLock { holder in holder.closed || (holder.connections > 0 && (holder.current?.isClosed ?? true)) }
    }

    /// Closes the connection; later calls throw.
    package func close() {
        let open: PostgresConnection? = connection.withLock { holder in
            holder.closed = true
            defer { holder.current = nil }
            return holder.current
        }
        Self.close(open)
    }

    deinit {
        Self.close(connection.withLock { $0.current })
    }

    /// Closes `connection`, waiting for it unless this thread is an event loop's (a client
    /// dropped in a NIO callback), which must never wait.
    private static func close(_ connection: PostgresConnection?) {
        guard let connection else { return }
        if MultiThreadedEventLoopGroup.currentEventLoop == nil {
            try? connection.close().wait()
        } else {
            connection.close().whenComplete { _ in _ = connection }
        }
    }

    private func connected(_ holder: inout Holder) throws -> PostgresConnection {
        guard !holder.closed else { throw PanoplyError(.internal, "the connection to the workspace \(url.masked) was closed", retryable: false) }
        if let current = holder.current, !current.isClosed { return current }
        guard holder.current == nil || reconnects else {
            throw PanoplyError(.transient, "the connection to the workspace \(url.masked) broke", retryable: false)
        }
        holder.current = nil
        let opened = try open()
        holder.connections += 1
        holder.current = opened
        return opened
    }

    private func open() throws -> PostgresConnection {
        let loop = PostgresConnection.defaultEventLoopGroup.any()
        let connecting = PostgresConnection.connect(on: loop, configuration: configuration, id: Int.random(in: 1...Int(Int32.max)), logger: logger)
        let answered: PostgresConnection?
        do { answered = try connecting.wait(within: Self.answerTimeout) } catch { throw map(error) }
        guard let opened = answered else {
            // Accepted but never answered (the server cut off by the network).
            connecting.whenSuccess { $0.close().whenComplete { _ in } }
            throw PanoplyError(
                .transient, "cannot reach the workspace at \(url.host):\(url.port): no answer within \(Self.answerTimeout.components.seconds) s",
                retryable: true)
        }
        do {
            for statement in setup { try PGSession(connection: opened, client: self).execute(statement) }
        } catch {
            try? opened.close().wait()
            throw (error as? PGError)?.panoply ?? error
        }
        return opened
    }

    /// A postgres-nio error in words a user can act on, naming the workspace's server.
    func map(_ error: any Error) -> PanoplyError {
        if let e = error as? PanoplyError { return e }
        if let tls = PostgresTLS.describe(error, host: url.host, port: url.port, sslmode: url.sslmode) { return tls }
        if let e = error as? PSQLError, e.code == .server {
            let state = e.serverInfo?[.sqlState] ?? ""
            let message = e.serverInfo?[.message] ?? "error"
            if state.hasPrefix("28") || state == "3D000" || state.hasPrefix("08") || state.hasPrefix("57") || state == "53300" {
                return PostgresErrors.fromServer(state: state, message: message, server: url.server, user: url.user, database: url.database)
            }
            let retryable = ["40001", "40P01", "55P03"].contains(state)
            return PanoplyError(
                retryable ? .transient : .internal, "the workspace at \(url.host):\(url.port)/\(url.database): \(message) (SQLSTATE \(state))",
                retryable: retryable)
        }
        return PostgresErrors.map(error, host: url.host, port: url.port, user: url.user, database: url.database)
    }
}
