import Foundation
import PanoplyKit
import Testing

@testable import PanoplyWorkspacePostgres

@Suite("PGClient", .enabled(if: TestDatabase.available))
struct PGClientTests {
    @Test("binds go in as parameters, and a transaction that throws leaves nothing behind")
    func bindsAndRollback() throws {
        try TestDatabase.withSchema { url in
            let client = try TestDatabase.client(url)
            let s = client.url.schema
            try client.execute("CREATE SCHEMA \(s)")
            try client.execute("CREATE TABLE \(s).t (k text PRIMARY KEY, n bigint, b bool)")
            #expect(try client.execute("INSERT INTO \(s).t VALUES ($1, $2, $3), ($4, NULL, NULL)", [.text("a'; --"), .int(5), .bool(true), .text("z")]) == 2)
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try client.transaction { session in
                    try session.execute("DELETE FROM \(s).t")
                    throw Boom()
                }
            }
            let rows = try client.query("SELECT k, n, b FROM \(s).t ORDER BY k")
            #expect(try rows.map { try $0.text(0) } == ["a'; --", "z"])
            #expect(try rows.map { try $0.int(1) } == [5, nil])
            #expect(try rows.map { try $0.bool(2) } == [true, nil])
        }
    }

    @Test("a server error says what failed with its SQLSTATE; inside a body it is a PGError with the state")
    func serverErrors() throws {
        try TestDatabase.withSchema { url in
            let client = try TestDatabase.client(url)
            let error = try #require(throws: PanoplyError.self) { try client.query("SELECT * FROM no_such_table") }
            #expect(error.message.contains("no_such_table") && error.message.contains("SQLSTATE 42P01"), "\(error.message)")
            let state = try client.withSession { session -> String? in
                do {
                    try session.query("SELECT 1/0")
                    return nil
                } catch let e as PGError { return e.sqlState }
            }
            #expect(state == "22012")
        }
    }

    @Test("a connection the server cut is replaced on the next call")
    func reconnects() throws {
        try TestDatabase.withSchema { url in
            let client = try TestDatabase.client(url)
            let admin = try TestDatabase.client(url)
            let pid = try #require(try client.query("SELECT pg_backend_pid()").first?.int(0))
            try admin.query("SELECT pg_terminate_backend($1::int)", [.int(pid)])
            let again = try client.query("SELECT pg_backend_pid()").first?.int(0)
            #expect(again != nil && again != pid)
        }
    }

    @Test("without reconnects, a cut connection stays broken and says so")
    func noReconnect() throws {
        try TestDatabase.withSchema { url in
            let client = try PGClient(url: WorkspaceURL(parsing: url), environment: TestDatabase.environment, reconnects: false)
            let admin = try TestDatabase.client(url)
            let pid = try #require(try client.query("SELECT pg_backend_pid()").first?.int(0))
            #expect(!client.isBroken)
            try admin.query("SELECT pg_terminate_backend($1::int)", [.int(pid)])
            #expect(try waitUntil(seconds: 5) { client.isBroken })
            #expect(throws: PanoplyError.self) { try client.query("SELECT 1") }
        }
    }

    @Test("a wrong password is an auth error naming the user, never the password")
    func wrongPassword() throws {
        var url = TestDatabase.url()
        let secret = "not-the-password-\(UUID().uuidString.prefix(6))"
        url = url.replacingOccurrences(of: ":${PANOPLY_TEST_PG_PASSWORD}@", with: ":\(secret)@")
        guard url.contains(secret) else { return }  // the test server takes no password
        let client = try TestDatabase.client(url)
        let error = try #require(throws: PanoplyError.self) { try client.query("SELECT 1") }
        #expect(error.category == .auth, "\(error.message)")
        #expect(!error.message.contains(secret))
    }
}
