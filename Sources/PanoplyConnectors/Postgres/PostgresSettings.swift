import Foundation
import PanoplyKit
import PostgresNIO

/// Connection params of the PostgreSQL source, and the few queries it runs besides pages.
package struct PostgresSettings: Sendable {
    var host: String
    var port: Int
    var database: String
    var user: String
    var password: String?
    var schema: String
    var sslmode: String
    /// CA certificates (PEM) that sign the server's certificate, for the verify modes.
    var sslrootcert: String?
    /// The SSH tunnel to reach the server through, when `ssh_tunnel` is on.
    var tunnel: SSHTunnelSettings?
    var logger: Logger

    /// The `sslmode` values libpq knows, as the source and a workspace URL accept them.
    package static let sslModes = ["disable", "prefer", "require", "verify-ca", "verify-full"]

    init(_ source: SourceInput) throws {
        guard let database = source.string("database") else { throw PanoplyError.config("Database is required") }
        guard let user = source.string("user") else { throw PanoplyError.config("User is required") }
        host = source.string("host") ?? "127.0.0.1"
        port = source.int("port") ?? 5432
        guard (1...65535).contains(port) else { throw PanoplyError.config("Port must be between 1 and 65535 (got \(port))") }
        self.database = database
        self.user = user
        password = source.string("password")
        schema = source.string("schema") ?? "public"
        sslmode = source.string("sslmode") ?? "prefer"
        guard Self.sslModes.contains(sslmode) else {
            throw PanoplyError.config("SSL mode must be disable, prefer, require, verify-ca or verify-full (got '\(sslmode)')")
        }
        sslrootcert = source.string("sslrootcert")
        if let file = sslrootcert, !FileManager.default.isReadableFile(atPath: file) {
            throw PanoplyError.config("sslrootcert \(file) does not exist or cannot be read")
        }
        tunnel = try SSHTunnelSettings.from(source)
        var logger = Logger(label: "panoply.postgres")
        logger.logLevel = .critical
        self.logger = logger
    }

    /// Opens the SSH tunnel when `ssh_tunnel` is on (nil otherwise).
    /// - Parameter log: told the fingerprint of an SSH host key trusted on first use.
    func openTunnel(log: @Sendable (String) -> Void = { _ in }) async throws -> SSHTunnel? {
        guard let tunnel else { return nil }
        return try await SSHTunnel(tunnel, targetHost: host, targetPort: port, log: log)
    }

    /// Opens and authenticates a connection (through `tunnel` when given).
    /// - Throws: auth (401, not retryable) for a rejected login; transient (retryable)
    ///   when the server cannot be reached.
    func connect(through tunnel: SSHTunnel? = nil) async throws -> PostgresConnection {
        do {
            let tls = try PostgresTLS.configuration(sslmode: sslmode, rootCertificates: sslrootcert)
            var configuration = PostgresConnection.Configuration(
                host: tunnel == nil ? host : "127.0.0.1", port: tunnel?.localPort ?? port,
                username: user, password: password, database: database, tls: tls)
            configuration.options.connectTimeout = .seconds(10)
            // Through a tunnel the connection goes to 127.0.0.1: verify-full (and SNI) must
            // still check the database's own host name, not the tunnel's end.
            if tunnel != nil, !HostAddress.isIP(host) { configuration.options.tlsServerName = host }
            return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...Int(Int32.max)), logger: logger)
        } catch {
            throw map(error)
        }
    }

    func map(_ error: any Error) -> PanoplyError {
        if let tls = PostgresTLS.describe(error, host: host, port: port, sslmode: sslmode) { return tls }
        return PostgresErrors.map(error, host: host, port: port, user: user, database: database)
    }

    /// The first column of the first row as text (nil when there is no row or it is NULL).
    func scalar(_ connection: PostgresConnection, _ sql: String, _ params: [String] = []) async throws -> String? {
        var binds = PostgresBindings()
        for p in params { binds.append(p) }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await row in rows {
            return try row.makeRandomAccess()[0].decode(String?.self)
        }
        return nil
    }

    /// The result of a `count(*)` query.
    func count(_ connection: PostgresConnection, _ sql: String, _ params: [String] = []) async throws -> Int {
        var binds = PostgresBindings()
        for p in params { binds.append(p) }
        for try await n in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(Int64.self) {
            return Int(n)
        }
        return 0
    }
}
