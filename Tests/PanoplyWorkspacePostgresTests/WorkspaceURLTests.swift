import Foundation
import PanoplyKit
import Testing

@testable import PanoplyWorkspacePostgres

@Suite("Workspace URL")
struct WorkspaceURLTests {
    @Test("a full URL gives every part, and the defaults fill in the rest")
    func parsesEveryPart() throws {
        let url = try WorkspaceURL(parsing: "postgres://ana:s%40cret@db.example.com:6543/team?sslmode=verify-full&sslrootcert=/etc/ca.pem&schema=ops")
        #expect(url.user == "ana")
        #expect(url.password == "s@cret")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.database == "team")
        #expect(url.sslmode == "verify-full")
        #expect(url.sslrootcert == "/etc/ca.pem")
        #expect(url.schema == "ops")
        let plain = try WorkspaceURL(parsing: "postgresql://ana@db")
        #expect(plain.port == 5432)
        #expect(plain.database == "ana")
        #expect(plain.schema == "panoply")
        #expect(plain.sslmode == "prefer")
        #expect(plain.password == nil)
    }

    @Test("masked hides the password, even one with @ and /, and keeps the rest as written")
    func masksThePassword() throws {
        let url = try WorkspaceURL(parsing: "postgres://ana:p@ss/w0rd@db:5433/team?schema=ops")
        #expect(url.password == "p@ss/w0rd")
        #expect(url.host == "db")
        #expect(url.masked == "postgres://ana:***@db:5433/team?schema=ops")
        #expect("\(url)" == url.masked)
        #expect(try WorkspaceURL(parsing: "postgres://ana@db/team").masked == "postgres://ana@db/team")
    }

    @Test("a password holding ? or # parses, and is masked even in the message about a URL that does not parse")
    func passwordWithQuestionMark() throws {
        let url = try WorkspaceURL(parsing: "postgres://alice:pa?ss#1@db.example:5432/panoply?schema=ops")
        #expect(url.password == "pa?ss#1")
        #expect(url.schema == "ops")
        #expect(!url.masked.contains("pa?ss"))
        do {
            _ = try WorkspaceURL(parsing: "postgres://alice:pa?ss@db.example:notaport/panoply")
            Issue.record("a bad port parsed")
        } catch {
            #expect(!"\(error)".contains("pa?ss"), "\(error)")
            #expect("\(error)".contains("alice:***@"), "\(error)")
        }
    }

    @Test("an IPv6 host in brackets")
    func ipv6() throws {
        let url = try WorkspaceURL(parsing: "postgres://ana@[::1]:6000/team")
        #expect(url.host == "::1")
        #expect(url.port == 6000)
    }

    @Test(
        "a wrong URL says what to fix, with the password masked",
        arguments: [
            ("mysql://ana:pw@db/team", "must start with postgres://"),
            ("postgres://db/team", "names no user"),
            ("postgres://ana:pw@:5432/team", "names no host"),
            ("postgres://ana:pw@db:99999/team", "port '99999'"),
            ("postgres://ana:pw@db/team?sslmode=always", "sslmode=always"),
            ("postgres://ana:pw@db/team?schema=Ops-1", "schema=Ops-1"),
            ("postgres://ana:pw@db/team?timeout=3", "the param 'timeout'"),
            ("postgres://ana:pw@db/team?schema=a&schema=b", "'schema' twice")
        ])
    func refusesWithAReason(text: String, expected: String) {
        do {
            _ = try WorkspaceURL(parsing: text)
            Issue.record("parsed \(text)")
        } catch {
            let message = error.asPanoplyError.message
            #expect(message.contains(expected), "\(message)")
            #expect(!message.contains(":pw@"), "\(message)")
        }
    }

    @Test("a ${NAME} password is expanded from the environment, and a missing one is named")
    func passwordReference() throws {
        let url = try WorkspaceURL(parsing: "postgres://ana:${PG_PW}@db/team")
        #expect(url.password == "${PG_PW}")
        #expect(url.masked == "postgres://ana:***@db/team")
        #expect(try url.password(environment: ["PG_PW": "hunter2"]) == "hunter2")
        #expect(
            throws: PanoplyError.config(
                "the workspace URL postgres://ana:***@db/team has a password that refers to ${PG_PW}, which is not set: export PG_PW or change the URL")
        ) {
            try url.password(environment: [:])
        }
    }

    @Test("a password file gives the password of the first matching line; one open to others is refused")
    func passwordFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wsurl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/pgpass"
        let lines = "# comment\nother:5432:team:ana:no\ndb:5432:team:ana:a\\:b\\\\c\n*:*:*:*:fallback\n"
        FileManager.default.createFile(atPath: file, contents: Data(lines.utf8), attributes: [.posixPermissions: 0o600])
        let url = try WorkspaceURL(parsing: "postgres://ana@db/team?passfile=\(file)")
        #expect(try url.password(environment: [:]) == "a:b\\c")
        let other = try WorkspaceURL(parsing: "postgres://bob@elsewhere/x")
        #expect(try other.password(environment: ["PGPASSFILE": file]) == "fallback")
        #expect(try other.password(environment: ["HOME": dir + "/none"]) == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect(throws: PanoplyError.config("the password file \(file) may be read by others: chmod 600 \(file)")) {
            try url.password(environment: [:])
        }
    }

    @Test("a passfile with no matching line is named")
    func passfileWithoutMatch() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: file, contents: Data("db:1:x:y:z\n".utf8), attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(atPath: file) }
        let url = try WorkspaceURL(parsing: "postgres://ana@db/team?passfile=\(file)")
        #expect(throws: PanoplyError.self) { try url.password(environment: [:]) }
    }
}
