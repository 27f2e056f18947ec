import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace

/// A PostgreSQL workspace's address, as given to `--workspace` or `PANOPLY_WORKSPACE`:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=…&sslrootcert=…&schema=…&passfile=…`
/// (`postgresql://` too). The conventions are the PostgreSQL source's (and libpq's): the
/// password may be a `${NAME}` reference to an environment variable, or come from a password
/// file (`passfile=`, else `PGPASSFILE`, else `~/.pgpass`); `sslmode` defaults to `prefer`.
/// Parsing is pure; ``password(environment:)`` reads the environment and the password file.
package struct WorkspaceURL: Sendable, Equatable, CustomStringConvertible {
    package var user: String
    /// The password as written (percent-decoded), possibly a `${NAME}` reference; nil when none.
    package var password: String?
    package var host: String
    package var port: Int
    package var database: String
    /// `disable`, `prefer` (the default), `require`, `verify-ca` or `verify-full`.
    package var sslmode: String
    /// CA certificates (PEM) for the verify modes.
    package var sslrootcert: String?
    /// The schema the workspace's tables live in (`panoply` unless `?schema=`).
    package var schema: String
    /// The password file named by `passfile=`, nil when none was.
    package var passfile: String?
    /// The URL as given.
    package let text: String

    package static let defaultSchema = "panoply"
    package static let defaultPort = 5432
    /// The query params a workspace URL accepts.
    package static let knownParams = ["sslmode", "sslrootcert", "schema", "passfile"]

    /// Whether `text` is meant as a PostgreSQL workspace (`postgres://` or `postgresql://`).
    package static func isPostgres(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses a workspace URL.
    /// - Throws: ``PanoplyError`` (config) naming what to fix, with the password masked.
    package init(parsing text: String) throws {
        self.text = text
        let parts = try Self.split(text)
        let userinfo = parts.userinfo.map(Self.splitUserinfo)
        guard let user = userinfo?.user, !user.isEmpty else {
            throw Self.problem(text, "names no user: write postgres://USER[:PASSWORD]@HOST:PORT/DB")
        }
        self.user = try Self.decode(user, what: "user", in: text)
        password = try userinfo?.password.map { try Self.decode($0, what: "password", in: text) }
        (host, port) = try Self.hostAndPort(parts.authority, in: text)
        let db = try Self.decode(parts.path, what: "database", in: text)
        database = db.isEmpty ? self.user : db
        let params = try Self.queryParams(parts.query, in: text)
        sslmode = params["sslmode"] ?? "prefer"
        guard PostgresSettings.sslModes.contains(sslmode) else {
            throw Self.problem(text, "has sslmode=\(sslmode): use disable, prefer, require, verify-ca or verify-full")
        }
        sslrootcert = params["sslrootcert"].flatMap { $0.isEmpty ? nil : $0 }
        passfile = params["passfile"].flatMap { $0.isEmpty ? nil : $0 }
        schema = params["schema"] ?? Self.defaultSchema
        guard Self.isPlainIdentifier(schema) else {
            throw Self.problem(
                text, "has schema=\(schema): a schema name here is 1 to 50 lowercase letters, digits and _, starting with a letter or _")
        }
    }

    /// The URL with its password as `***`: for messages, the UI's header and `workspace status`.
    package var masked: String { password == nil ? text : Self.maskedText(text) }

    package var description: String { masked }

    /// `PostgreSQL at HOST:PORT`: the server, for messages about reaching it.
    package var server: String { "PostgreSQL at \(host):\(port)" }

    /// The password to log in with: the URL's (its `${NAME}` references expanded), else the
    /// matching line of the password file (`passfile=`, `PGPASSFILE`, `~/.pgpass`), else nil.
    /// - Parameter environment: the process environment (`${NAME}`, `PGPASSFILE`, `HOME`).
    /// - Throws: ``PanoplyError`` (config) for a reference to a variable that is not set, a
    ///   password file that cannot be read or is open to others, or a `passfile=` with no
    ///   matching line.
    package func password(environment: [String: String]) throws -> String? {
        if let password {
            let (expanded, missing) = EnvReference.expand(password, env: environment)
            if let missing {
                throw Self.problem(
                    text, "has a password that refers to ${\(missing)}, which is not set: export \(missing) or change the URL")
            }
            return expanded
        }
        let explicit = passfile ?? environment["PGPASSFILE"].flatMap { $0.isEmpty ? nil : $0 }
        let file = explicit ?? environment["HOME"].map { $0 + "/.pgpass" }
        guard let file, explicit != nil || FileManager.default.fileExists(atPath: file) else { return nil }
        let found = try PasswordFile.lookup(file, host: host, port: port, database: database, user: user)
        if found == nil, passfile != nil {
            throw Self.problem(
                text, "names passfile \(file), which has no line for \(host):\(port):\(database):\(user) (format: host:port:database:user:password)")
        }
        return found
    }

    static func problem(_ text: String, _ what: String) -> PanoplyError {
        PanoplyError.config("the workspace URL \(maskedText(text)) \(what)")
    }

    /// `text` with whatever sits between `user:` and `@` replaced by `***`, even when the
    /// rest of it does not parse (for messages about a URL that is wrong).
    static func maskedText(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let after = text[scheme.upperBound...]
        // Up to the last `@` anywhere: a password may hold `?`, `/` or `@` (masking too much is safe).
        guard let at = after.lastIndex(of: "@"), let colon = after[..<at].firstIndex(of: ":") else { return text }
        return text[..<scheme.upperBound] + after[..<colon] + ":***" + after[at...]
    }
}
