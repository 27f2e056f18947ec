import Foundation
import PanoplyKit
import PanoplyWorkspace

@testable import PanoplyWorkspacePostgres

/// A schema of its own on the test server (PANOPLY_TEST_PG_*), migrated, with the sources
/// `orders` and `customers` saved, and two workspaces on it: two machines.
struct RunsFixture {
    let url: String
    let a: PostgresWorkspace
    let b: PostgresWorkspace
    /// A connection of the test's own, for what a run never does (`pg_terminate_backend`).
    let admin: PGClient
    static let hostA = LeaseHolder(pid: 4242, host: "host-a", origin: "cli", since: 1_700_000_000.25)
    static let hostB = LeaseHolder(pid: 5151, host: "host-b", origin: "ui", since: 1_700_000_100.5)
    var hostA: LeaseHolder { Self.hostA }
    var hostB: LeaseHolder { Self.hostB }

    static let environment = ProcessInfo.processInfo.environment

    static var available: Bool { environment["PANOPLY_TEST_PG_PORT"].map { !$0.isEmpty } ?? false }

    /// A workspace URL with a schema no other test uses.
    static func freshURL() -> String {
        let e = environment
        let user = e["PANOPLY_TEST_PG_USER"] ?? "panoply"
        let password = e["PANOPLY_TEST_PG_PASSWORD"].map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let host = e["PANOPLY_TEST_PG_HOST"] ?? "127.0.0.1"
        let port = e["PANOPLY_TEST_PG_PORT"] ?? "5432"
        let database = e["PANOPLY_TEST_PG_DATABASE"] ?? "panoply_test"
        let schema = "runs_" + UUID().uuidString.prefix(8).lowercased()
        return "postgres://\(user)\(password)@\(host):\(port)/\(database)?sslmode=disable&schema=\(schema)"
    }

    static func make() throws -> RunsFixture {
        let url = freshURL()
        let admin = try PGClient(url: WorkspaceURL(parsing: url), environment: environment)
        try Migrations.apply(admin)
        let a = try PostgresWorkspace.open(url: url, environment: environment)
        let b = try PostgresWorkspace.open(url: url, environment: environment)
        try a.saveSources([SavedSource(name: "orders", type: "demo", values: [:]), SavedSource(name: "customers", type: "demo", values: [:])])
        return RunsFixture(url: url, a: a, b: b, admin: admin)
    }

    /// Ends the server session that holds the advisory lock of `name`'s lease, as a cut
    /// network or a paused machine would.
    func terminateLeaseSession(of name: String) throws {
        let rows = try admin.query(
            """
            SELECT pg_terminate_backend(l.pid) FROM pg_locks l, \(admin.url.schema).sources s
            WHERE s.name = $1 AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
              AND l.classid = hashtext($2)::oid AND l.objid = hashtext(s.id)::oid
            """, [.text(name), .text(admin.url.schema)])
        guard try rows.first?.bool(0) == true else { throw FixtureError("no session holds the lease of \(name)") }
    }

    /// Closes both workspaces and drops the schema.
    func close() {
        a.close()
        b.close()
        _ = try? admin.execute("DROP SCHEMA IF EXISTS \(admin.url.schema) CASCADE")
        admin.close()
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Polls `condition` until it holds or `limit` passes (then throws with `what`).
func waitUntil(_ what: String, within limit: Duration, _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + limit
    while try !condition() {
        if ContinuousClock.now > deadline { throw FixtureError("timed out after \(limit) waiting for \(what)") }
        usleep(10_000)
    }
}
