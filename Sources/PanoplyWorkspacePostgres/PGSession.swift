import Dispatch
import PanoplyKit
import PostgresNIO

/// A value bound to a statement's `$n` parameter. JSON goes as text and is cast in SQL
/// (`$2::jsonb`), so the client needs no JSON coder of postgres-nio's.
package enum PGBind: Sendable, Equatable {
    case text(String?)
    case int(Int64?)
    case bool(Bool?)
}

/// A failed statement in a ``PGSession``: the user's error, the server's SQLSTATE when the
/// server refused it, and whether the connection broke.
package struct PGError: Error, Sendable, CustomStringConvertible {
    /// The error as a user reads it (naming the workspace's server).
    package var panoply: PanoplyError
    /// The server's SQLSTATE (`23505`: unique violation), nil when the server did not answer.
    package var sqlState: String?
    /// The connection broke (closed, reset, cut): the statement's effect is unknown.
    package var connectionBroke: Bool
    /// Which statement of its session failed (1 for the first).
    package var statement: Int

    package var description: String { panoply.message }
}

/// The connection of a ``PGClient`` while its lock is held: the statements of one
/// ``PGClient/transaction(_:)`` or ``PGClient/withSession(_:)`` body. Valid only inside it.
package final class PGSession {
    package let connection: PostgresConnection
    private let client: PGClient
    private var statements = 0

    init(connection: PostgresConnection, client: PGClient) {
        self.connection = connection
        self.client = client
    }

    /// Runs one statement and returns its rows.
    /// - Throws: ``PGError``.
    @discardableResult
    package func query(_ sql: String, _ binds: [PGBind] = []) throws -> [PostgresRow] {
        try run(sql, binds).rows
    }

    /// Runs one statement and returns how many rows it changed.
    /// - Throws: ``PGError``.
    @discardableResult
    package func execute(_ sql: String, _ binds: [PGBind] = []) throws -> Int {
        try run(sql, binds).metadata.rows ?? 0
    }

    private func run(_ sql: String, _ binds: [PGBind]) throws -> PostgresQueryResult {
        statements += 1
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .text(let v): bindings.append(v)
            case .int(let v): bindings.append(v)
            case .bool(let v): bindings.append(v)
            }
        }
        let answer: PostgresQueryResult?
        do {
            answer = try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: client.logger).wait(within: PGClient.answerTimeout)
        } catch {
            throw failure(error)
        }
        guard let answer else {
            // A server cut off by the network (no reset, no close) would never answer:
            // the connection is closed and counts as broken (the next call opens a new one).
            connection.close().whenComplete { _ in }
            let seconds = PGClient.answerTimeout.components.seconds
            let error = PanoplyError(
                .transient, "the workspace at \(client.url.host):\(client.url.port) did not answer within \(seconds) s", retryable: true)
            throw PGError(panoply: error, sqlState: nil, connectionBroke: true, statement: statements)
        }
        return answer
    }

    private func failure(_ error: any Error) -> PGError {
        let psql = error as? PSQLError
        let broke = [PSQLError.Code.serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError].contains {
            psql?.code == $0
        }
        let state = psql?.code == .server ? psql?.serverInfo?[.sqlState] : nil
        // The server's last word on a connection it ends (pg_terminate_backend: 57P01, a crash:
        // 57P02, class 08: connection exceptions) may arrive before the close is seen.
        let ended = state.map { $0 == "57P01" || $0 == "57P02" || $0.hasPrefix("08") } ?? false
        return PGError(panoply: client.map(error), sqlState: state, connectionBroke: broke || ended || connection.isClosed, statement: statements)
    }
}

extension PostgresRow {
    /// Column `index` as text (nil for NULL).
    /// - Throws: when the column is not text.
    package func text(_ index: Int) throws -> String? {
        try makeRandomAccess()[index].decode(String?.self)
    }

    /// Column `index` as an integer (`int2`, `int4`, `int8`; nil for NULL).
    package func int(_ index: Int) throws -> Int64? {
        try makeRandomAccess()[index].decode(Int64?.self)
    }

    /// Column `index` as a boolean (nil for NULL).
    package func bool(_ index: Int) throws -> Bool? {
        try makeRandomAccess()[index].decode(Bool?.self)
    }
}

extension EventLoopFuture {
    /// Waits for the value at most `limit` (from a thread that is not an event loop's).
    /// - Returns: the value, nil when `limit` passed first (the future goes on).
    /// - Throws: what the future failed with.
    func wait(within limit: Duration) throws -> Value? {
        let done = DispatchSemaphore(value: 0)
        whenComplete { _ in done.signal() }
        let (seconds, attoseconds) = limit.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        guard done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
        return try wait()
    }
}
