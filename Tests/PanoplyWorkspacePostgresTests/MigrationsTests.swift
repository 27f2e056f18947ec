import Foundation
import PanoplyKit
import Synchronization
import Testing

@testable import PanoplyWorkspacePostgres

@Suite("PostgreSQL workspace migrations", .enabled(if: TestDatabase.available))
struct MigrationsTests {
    @Test("init creates every table once; a second init does nothing")
    func idempotent() throws {
        try TestDatabase.withSchema { url in
            let client = try TestDatabase.client(url)
            #expect(try Migrations.status(client) == Migrations.Status(version: nil, current: Migrations.current))
            #expect(try Migrations.apply(client) == Migrations.Applied(from: nil, to: Migrations.current))
            let again = try Migrations.apply(client)
            #expect(again.upToDate)
            #expect(try Migrations.status(client).isCurrent)
            let tables = try client.query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [.text(client.url.schema)]
            ).map { try $0.text(0) ?? "" }
            #expect(tables == ["cancels", "destination", "leases", "meta", "runs", "snapshots", "source_types", "sources", "state"])
        }
    }

    @Test("a workspace never initialized asks for workspace init, naming the URL with its password masked")
    func missingSchema() throws {
        try TestDatabase.withSchema { url in
            let error = try #require(throws: PanoplyError.self) { try PostgresWorkspace.open(url: url, environment: TestDatabase.environment) }
            #expect(error.message.hasSuffix("yet: run `panoply workspace init --workspace URL` with this URL"), "\(error.message)")
            #expect(error.message.hasPrefix("the workspace postgres://"), "\(error.message)")
            let password = TestDatabase.environment["PANOPLY_TEST_PG_PASSWORD"] ?? ""
            #expect(password.count < 3 || !error.message.contains(password))
        }
    }

    @Test("a newer schema is refused (upgrade panoply), an older one asks for workspace init")
    func versionRefusal() throws {
        try TestDatabase.withSchema { url in
            let client = try TestDatabase.client(url)
            try Migrations.apply(client)
            let s = client.url.schema
            try client.execute("UPDATE \(s).meta SET value = '7' WHERE key = 'schema_version'")
            let newer = try #require(throws: PanoplyError.self) { try PostgresWorkspace.open(url: url, environment: TestDatabase.environment) }
            #expect(newer.message == "workspace schema version 7 is newer than this panoply (knows \(Migrations.current)): upgrade panoply")
            #expect(throws: newer) { try Migrations.apply(client) }
            try client.execute("UPDATE \(s).meta SET value = '0' WHERE key = 'schema_version'")
            let older = try #require(throws: PanoplyError.self) { try PostgresWorkspace.open(url: url, environment: TestDatabase.environment) }
            #expect(older.message.hasPrefix("workspace schema version 0 of postgres://"), "\(older.message)")
            #expect(older.message.contains("is older than this panoply (knows \(Migrations.current))"), "\(older.message)")
            #expect(older.message.contains("panoply workspace init --workspace"))
        }
    }

    @Test("two inits at once both succeed and leave one schema")
    func concurrentInits() throws {
        try TestDatabase.withSchema { url in
            let results = Mutex<[Result<Migrations.Applied, any Error>]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { _ in
                let result = Result { try Migrations.apply(try TestDatabase.client(url)) }
                results.withLock { $0.append(result) }
            }
            let applied = try results.withLock { r in try r.map { try $0.get() } }
            #expect(applied.filter { $0.from == nil }.count == 1, "\(applied)")
            #expect(applied.filter(\.upToDate).count == 1, "\(applied)")
            #expect(try Migrations.status(try TestDatabase.client(url)).isCurrent)
        }
    }
}

@Suite("PostgreSQL workspace init by a user without CREATE on the database", .enabled(if: TestDatabase.available))
struct MigrationsPrivilegeTests {
    @Test("init works in a schema made for the user, and says what to grant when there is none")
    func schemaMadeForTheUser() throws {
        try TestDatabase.withSchema { url in
            let admin = try TestDatabase.client(url)
            let role = "r_" + admin.url.schema
            let password = UUID().uuidString
            try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'")
            defer { _ = try? admin.execute("DROP ROLE IF EXISTS \(role)") }
            let parsed = admin.url
            let roleURL = "postgres://\(role):\(password)@\(parsed.host):\(parsed.port)/\(parsed.database)?sslmode=disable&schema=\(parsed.schema)"
            let refused = try #require(throws: PanoplyError.self) { try Migrations.apply(try TestDatabase.client(roleURL)) }
            #expect(refused.message.hasPrefix("user '\(role)' may not create the schema '\(parsed.schema)'"), "\(refused.message)")
            try admin.execute("CREATE SCHEMA \(parsed.schema) AUTHORIZATION \(role)")
            defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(parsed.schema) CASCADE") }
            let client = try TestDatabase.client(roleURL)
            #expect(try Migrations.apply(client).from == nil)
            #expect(try Migrations.apply(client).upToDate)
            client.close()
        }
    }
}
