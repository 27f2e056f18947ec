import PanoplyKit
import PostgresNIO

/// Turns postgres-nio errors into errors a user can act on. PSQLError's own description
/// is deliberately generic, so the server's SQLSTATE and message are read here (never
/// the password, which the server does not echo).
package enum PostgresErrors {
    package static func map(_ error: any Error, host: String, port: Int, user: String, database: String) -> PanoplyError {
        if let e = error as? PanoplyError { return e }
        guard let e = error as? PSQLError else {
            if error is CancellationError { return PanoplyError(.internal, "cancelled", retryable: false) }
            return PanoplyError(.transient, "PostgreSQL at \(host):\(port): \(error)")
        }
        let server = "PostgreSQL at \(host):\(port)"
        switch e.code {
        case .server:
            let state = e.serverInfo?[.sqlState] ?? ""
            let message = e.serverInfo?[.message] ?? "error"
            return fromServer(state: state, message: message, server: server, user: user, database: database)
        case .connectionError:
            let why = e.underlying.map { "\($0)" } ?? "no answer"
            return PanoplyError(.transient, "cannot connect to \(server) (\(why)); check that the server runs and the host and port are right", code: 408)
        case .serverClosedConnection, .uncleanShutdown:
            return PanoplyError(.transient, "\(server) closed the connection; will retry", code: 408)
        case .sslUnsupported:
            return PanoplyError(.config, "\(server) does not support SSL; use sslmode=prefer or disable")
        case .authMechanismRequiresPassword:
            return PanoplyError(.auth, "\(server) requires a password for user '\(user)'; fill in the password", retryable: false)
        case .unsupportedAuthMechanism:
            return PanoplyError(
                .auth, "\(server) asks for an authentication method this client does not support (use scram-sha-256, md5 or password)", code: 501,
                retryable: false)
        case .saslError:
            return PanoplyError(.auth, "password authentication failed for user '\(user)' at \(server) (check the user and password)", retryable: false)
        case .queryCancelled:
            return PanoplyError(.transient, "the query was cancelled by \(server)")
        default:
            return PanoplyError(.internal, "\(server): \(String(reflecting: e).prefix(300))", retryable: true)
        }
    }

    /// Classifies a server error by its SQLSTATE class.
    package static func fromServer(state: String, message: String, server: String, user: String, database: String) -> PanoplyError {
        switch state {
        case "28P01", "28000":
            return PanoplyError(.auth, "\(server) rejected the login of user '\(user)': \(message) (check the user and password)", code: 401, retryable: false)
        case "3D000":
            return PanoplyError(.notFound, "database '\(database)' does not exist on \(server)")
        case "42P01", "3F000":
            return PanoplyError(.notFound, "\(message) on \(server) (check the table, schema or query)")
        case "42501":
            return PanoplyError(.auth, "\(message): user '\(user)' lacks the privilege (grant SELECT)", code: 403, retryable: false)
        case "57P01", "57P02", "57P03", "53300", "53000", "08000", "08001", "08003", "08006", "40001", "40P01":
            return PanoplyError(.transient, "\(server): \(message) (\(state)); will retry")
        case "57014":
            return PanoplyError(.transient, "\(server): statement timeout or cancel: \(message)", code: 408)
        default:
            if state.hasPrefix("42") || state.hasPrefix("22") {
                return PanoplyError(.config, "\(server): \(message) (SQLSTATE \(state)); check the query, table and incremental_key", code: 422)
            }
            return PanoplyError(.internal, "\(server): \(message) (SQLSTATE \(state))")
        }
    }
}
