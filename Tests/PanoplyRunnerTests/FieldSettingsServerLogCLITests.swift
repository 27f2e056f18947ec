import Foundation
import PanoplyKit
import Testing

/// The server's own log shows that an excluded column is never selected: a role that may read
/// every column, with `log_statement = 'all'`, runs with `--exclude`; every statement it sent
/// that names the table is in the server log, and none names the column.
@Suite("Field settings: the server log (CLI)", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct FieldSettingsServerLogCLITests {
    @Test("with --exclude public.<table>:ssn no statement the run sent selects ssn (PostgreSQL's log_statement = 'all')")
    func serverLogHasNoSsn() throws {
        let pg = try #require(PostgresServer.env)
        let dir = try #require(ProcessInfo.processInfo.environment["PANOPLY_TEST_PG_DIR"], "PANOPLY_TEST_PG_DIR names the server's folder")
        let db = try FieldSettingsPostgresCLITests.database.get()
        let tag = UInt32.random(in: 0...UInt32.max)
        let role = "panoply_logged_\(tag)", table = "logged_users_\(tag)"
        try PostgresServer.run(
            """
            CREATE TABLE \(table) AS SELECT * FROM users;
            ALTER TABLE \(table) ADD PRIMARY KEY (id);
            CREATE ROLE \(role) LOGIN PASSWORD 'logged-pw';
            GRANT SELECT ON \(table) TO \(role);
            ALTER ROLE \(role) SET log_statement = 'all';
            """, database: db)
        let params = [
            "--param", "host=\(pg["host"]!)", "--param", "port=\(pg["port"]!)", "--param", "user=\(role)", "--param", "password=logged-pw",
            "--param", "database=\(db)", "--param", "sslmode=disable", "--param", "tables=public.\(table)"
        ]
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["run", "postgres"] + params + ["--exclude", "public.\(table):ssn", "--hash", "public.\(table):email", "--outbox", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try outboxRecords(out).allSatisfy { $0["ssn"] == nil })
        // The statements naming the table, as the server logged them (a statement may span lines).
        let log = try String(contentsOfFile: dir + "/server.log", encoding: .utf8)
        let statements = log.components(separatedBy: "\n").filter { $0.contains(table) && ($0.contains("statement:") || $0.contains("execute")) }
        #expect(statements.contains { $0.contains("SELECT") || $0.contains("select") }, "the run's SELECTs are in the log")
        #expect(!statements.contains { $0.contains("ssn") }, "\(statements.filter { $0.contains("ssn") })")
        #expect(!statements.contains { $0.contains("\(table).*") || $0.contains("t.*") || $0.contains("row_to_json(t)") }, "\(statements)")
    }
}
