import Foundation
import PanoplyKit
import PanoplyWorkspace

@testable import PanoplyWorkspacePostgres

/// The PostgreSQL server of the test services (`PANOPLY_TEST_PG_*`); each test works in a
/// schema of its own (`t_<random>`), dropped at its end.
enum TestDatabase {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static let available: Bool = {
        let set = environment["PANOPLY_TEST_PG_PORT"].map { !$0.isEmpty } ?? false
        if !set { print("skipping PostgreSQL workspace tests: PANOPLY_TEST_PG_PORT is not set (source the services' env)") }
        return set
    }()

    /// A workspace URL for a new schema; the password comes from `${PANOPLY_TEST_PG_PASSWORD}`.
    static func url(schema: String = newSchema()) -> String {
        let e = environment
        let host = e["PANOPLY_TEST_PG_HOST"] ?? "127.0.0.1"
        let user = e["PANOPLY_TEST_PG_USER"] ?? "panoply"
        let db = e["PANOPLY_TEST_PG_DATABASE"] ?? "panoply_test"
        let password = (e["PANOPLY_TEST_PG_PASSWORD"] ?? "").isEmpty ? "" : ":${PANOPLY_TEST_PG_PASSWORD}"
        return "postgres://\(user)\(password)@\(host):\(e["PANOPLY_TEST_PG_PORT"] ?? "5432")/\(db)?sslmode=disable&schema=\(schema)"
    }

    static func newSchema() -> String { "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16) }

    static func client(_ url: String) throws -> PGClient {
        try PGClient(url: WorkspaceURL(parsing: url), environment: environment)
    }

    /// Runs `body` with a new schema's URL (not initialized), and drops the schema after.
    static func withSchema<T>(_ body: (String) throws -> T) throws -> T {
        let url = url()
        let admin = try client(url)
        defer {
            _ = try? admin.execute("DROP SCHEMA IF EXISTS \(admin.url.schema) CASCADE")
            admin.close()
        }
        return try body(url)
    }

    /// Opens the workspace at `url` with no secret params (the secrets have tests of their own).
    static func open(_ url: String) throws -> PostgresWorkspace {
        let workspace = try PostgresWorkspace.open(url: url, environment: environment)
        workspace.useSecrets(WorkspaceSecrets(key: nil, secretParams: { _ in [] }))
        return workspace
    }

    /// Runs `body` with an initialized workspace in a new schema, dropped after.
    static func withWorkspace<T>(_ body: (PostgresWorkspace, String) throws -> T) throws -> T {
        try withSchema { url in
            try Migrations.apply(try client(url))
            let workspace = try open(url)
            defer { workspace.close() }
            return try body(workspace, url)
        }
    }
}

extension PGClient {
    /// The first column of the first row as text.
    func scalar(_ sql: String, _ binds: [PGBind] = []) throws -> String? {
        try query(sql, binds).first?.text(0)
    }
}

/// Checks `condition` until it holds or `seconds` passed; whether it held.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}
