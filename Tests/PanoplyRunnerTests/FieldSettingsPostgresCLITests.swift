import Crypto
import Foundation
import PanoplyKit
import Testing

/// Field settings (#30) on the command line against the real PostgreSQL server: a role that
/// may read only some columns of `users` (so a run that selected `ssn` would fail: the
/// server's proof that it never was), exclude, hash with and without a salt, rename, the
/// errors that exit 2, and a resume after SIGKILL with the key excluded.
@Suite("Field settings with PostgreSQL (CLI)", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct FieldSettingsPostgresCLITests {
    static let reader = "panoply_reader_\(UInt32.random(in: 0...UInt32.max))"

    static let database: Result<String, TestFailure> = {
        do {
            let db = try PostgresServer.createDatabase("panoply_fields")
            try PostgresServer.run(FieldFixture.postgresSQL + grants, database: db)
            return .success(db)
        } catch {
            return .failure(TestFailure("fixture: \(error)"))
        }
    }()

    static let grants = """
        CREATE ROLE \(reader) LOGIN PASSWORD 'reader-pw';
        GRANT SELECT (id, fullname, email, note) ON users TO \(reader);
        GRANT SELECT (id, fullname, email, note) ON people TO \(reader);
        """

    /// `--param`s connecting as the column-granted role.
    static func readerParams() throws -> [String] {
        let pg = try #require(PostgresServer.env)
        return [
            "--param", "host=\(pg["host"]!)", "--param", "port=\(pg["port"]!)", "--param", "user=\(reader)", "--param", "password=reader-pw",
            "--param", "database=\(try database.get())", "--param", "sslmode=disable"
        ]
    }

    static let mapping = ["--exclude", "public.users:ssn", "--hash", "public.users:email", "--rename", "public.users:fullname=name"]

    @Test("as a role granted only some columns, the run excluding the others delivers no ssn, hashed emails and name for fullname")
    func columnGrantedRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["run", "postgres"] + Self.readerParams() + ["--param", "tables=public.users"] + Self.mapping + ["--outbox", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let records = try outboxRecords(out)
        #expect(FieldFixture.stripped(records) == FieldFixture.expected(salt: nil))
        // The role may not read ssn: the run succeeded, so no query selected it.
        #expect(!r.stderr.contains("ssn"), "\(r.stderr)")
    }

    @Test("with --hash-salt from the environment the emails are HMAC-SHA256, and the salt is never printed")
    func saltedHash() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let args = ["run", "postgres"] + (try Self.readerParams()) + ["--param", "tables=public.users"] + Self.mapping
        let r = try CLI.run(
            args + ["--hash-salt", "${FIELD_SALT}", "--outbox", out.path, "--events", "json"], environment: ["FIELD_SALT": "pepper-and-salt"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FieldFixture.stripped(try outboxRecords(out)) == FieldFixture.expected(salt: "pepper-and-salt"))
        #expect(!r.stdout.contains("pepper-and-salt") && !r.stderr.contains("pepper-and-salt"))
    }

    @Test("a run that does not exclude the columns the role may not read fails, naming them")
    func unreadableColumnsNamed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["run", "postgres"] + Self.readerParams() + ["--param", "tables=public.users", "--outbox", out.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("may not read the columns ssn of 'public.users'"), "\(r.stderr)")
        #expect(r.stderr.contains("--exclude public.users:ssn"), "\(r.stderr)")
        #expect(try outboxRecords(out).isEmpty)
        // discover lists the table as available, with ssn marked unreadable.
        let d = try CLI.run(["discover", "postgres"] + Self.readerParams() + ["--json"])
        let resources = try JSONParser.parse(d.stdout)[path: "resources"]?.arrayValue ?? []
        let users = try #require(resources.first { $0[path: "id"] == "public.users" })
        #expect(users[path: "available"] == true, "\(d.stdout)")
        let fields = users[path: "fields"]?.arrayValue ?? []
        #expect(fields.filter { $0[path: "available"] == false }.compactMap { $0[path: "name"]?.stringValue } == ["ssn"], "\(d.stdout)")
    }

    @Test(
        "an unknown field, a reserved key and two renames to one name exit 2 with a clear message and send nothing",
        arguments: [
            (["--exclude", "public.users:sn"], "public.users has no field 'sn' (its fields: id, fullname, email, ssn, note)"),
            (["--hash", "__table"], "'__table' of public.users is a key the runner sets"),
            (["--rename", "public.users:fullname=x", "--rename", "public.users:note=x"], "are both renamed to 'x'")
        ])
    func errorsExit2(options: [String], message: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let params = PostgresServer.params(try Self.database.get()) + ["--param", "tables=public.users"]
        for command in [["run", "postgres"] + params + ["--outbox", out.path], ["check", "postgres"] + params, ["preview", "postgres"] + params] {
            let r = try CLI.run(command + options)
            #expect(r.status == 2, "\(command[0]): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(command[0]): \(r.stderr)")
        }
        let save = try CLI.run(["save", "users", "postgres", "--config-dir", dir.appendingPathComponent("cfg").path] + params + options)
        #expect(save.status == 2, "\(save.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("hashed json and jsonb values are the hash of their compact JSON, numbers of their text as sent, in the run and in preview alike")
    func hashedJSONIsCompact() throws {
        let db = try Self.database.get()
        try PostgresServer.run(
            """
            CREATE TABLE hashed_docs (id int PRIMARY KEY, doc jsonb, raw json, n numeric, f float8);
            INSERT INTO hashed_docs VALUES (1, '{"a" :  1}', '{"a" :  1}', 1.50, 1e20),
                (2, '{"a": 1, "b" : [1,  2]}', ' [1,  {"c" : "x  y"}] ', -0.0100, 0.5), (3, NULL, NULL, NULL, NULL);
            """, database: db)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let params = PostgresServer.params(db) + ["--param", "tables=public.hashed_docs"]
        let hashed = ["--hash", "doc", "--hash", "raw", "--hash", "n", "--hash", "f"]
        let out = dir.appendingPathComponent("out"), plain = dir.appendingPathComponent("plain")
        let r = try CLI.run(["run", "postgres"] + params + hashed + ["--outbox", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let p = try CLI.run(["run", "postgres"] + params + ["--outbox", plain.path])
        #expect(p.status == 0, "\(p.stderr)")
        let preview = try CLI.run(["preview", "postgres"] + params + hashed + ["--json"])
        #expect(preview.status == 0, "\(preview.stderr)")
        let sha = { (text: String) -> JSONValue in .string(FieldFixture.hex(SHA256.hash(data: Array(text.utf8)))) }
        let expected: [JSONObject] = [
            ["id": 1, "doc": sha(#"{"a":1}"#), "raw": sha(#"{"a":1}"#), "n": sha("1.50"), "f": sha("1e+20")],
            ["id": 2, "doc": sha(#"{"a":1,"b":[1,2]}"#), "raw": sha(#"[1,{"c":"x  y"}]"#), "n": sha("-0.0100"), "f": sha("0.5")],
            ["id": 3, "doc": .null, "raw": .null, "n": .null, "f": .null]
        ]
        let sent = FieldFixture.stripped(try outboxRecords(out).sorted { ($0["id"]?.intValue ?? 0) < ($1["id"]?.intValue ?? 0) })
        #expect(sent == FieldFixture.stripped(expected))
        let previewed = try preview.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue ?? [:] }
        #expect(FieldFixture.stripped(previewed) == sent, "\(preview.stdout)")
        // Each hash is that of the value's text as the run sends it unhashed.
        for record in try outboxRecords(plain) where record["id"] != 3 {
            let want = expected.first { $0["id"] == record["id"] }
            for key in ["doc", "raw", "n", "f"] {
                let text = record[key].map { v in v.stringValue ?? JSONWriter.string(v) } ?? ""
                #expect(want?[key] == sha(text), "\(key) of \(record)")
            }
        }
    }

    @Test("a run killed with SIGKILL resumes with ssn and the key excluded: every row arrives, only rows after the committed key repeat")
    func resumeWithKeyExcluded() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("state.json").path
        let args =
            ["run", "postgres"] + (try Self.readerParams()) + [
                "--param", "tables=public.people", "--exclude", "public.people:ssn", "--exclude", "public.people:id"
            ]
            + ["--hash", "public.people:email"]
            + ["--state", state, "--outbox", out.path, "--events", "json", "--batch-size", "200", "--commit-interval", "0"]
        let first = try Child.start(CLI.binary, args)
        defer { first.kill9() }
        try waitUntil("a committed state", within: .seconds(300)) { hasStateEvent(first.stdout, naming: "public.people") || !first.isRunning }
        first.signal(SIGKILL)
        _ = try first.waitForExit(within: .seconds(30))
        let committed = try #require(try StateFile.load(state))
        let last = try #require(dig(committed, "public.people", "postgres", "public.people", "last")?.stringValue.flatMap { Int($0) })
        #expect(last < FieldFixture.people, "the kill came after the run's end")
        let second = try CLI.run(args, timeout: .seconds(400))
        #expect(second.status == 0, "\(second.stderr)")
        let records = try outboxRecords(out)
        #expect(records.allSatisfy { $0["id"] == nil && $0["ssn"] == nil && $0["email"]?.stringValue?.count == 64 })
        let ids = records.compactMap { $0["fullname"]?.stringValue.flatMap { Int($0.dropFirst(7)) } }
        let (repeats, complete) = repeatsAndCoverage(ids, FieldFixture.people)
        #expect(complete, "rows are missing")
        #expect(repeats.allSatisfy { $0 > last }, "a row at or before the committed key \(last) repeats")
    }

    @Test("a column added between two runs of a saved source is a warning in the log, kept in the history and shown by list --json")
    func schemaChangeNoticed() throws {
        let db = try Self.database.get()
        try PostgresServer.run("CREATE TABLE evolving (id int PRIMARY KEY, a text); INSERT INTO evolving VALUES (1, 'x'), (2, 'y');", database: db)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = ["--config-dir", dir.appendingPathComponent("cfg").path], out = ["--outbox", dir.appendingPathComponent("out").path]
        let save = try CLI.run(["save", "evolving", "postgres"] + PostgresServer.params(db) + ["--param", "tables=public.evolving"] + config)
        #expect(save.status == 0, "\(save.stderr)")
        let first = try CLI.run(["run", "--saved", "evolving", "--full-refresh"] + config + out)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stderr.contains("changed since"), "\(first.stderr)")
        try PostgresServer.run("ALTER TABLE evolving ADD COLUMN b int DEFAULT 7; ALTER TABLE evolving ALTER COLUMN a TYPE int USING 0;", database: db)
        let second = try CLI.run(["run", "--saved", "evolving", "--full-refresh"] + config + out)
        #expect(second.status == 0, "\(second.stderr)")
        let warning = "warning: the fields of public.evolving changed since the last successful run: added b (number); retyped a (string → number)"
        #expect(second.stderr.contains(warning), "\(second.stderr)")
        let list = try JSONParser.parse(try CLI.run(["list", "--json"] + config).stdout)
        #expect(list[path: "sources"]?.arrayValue?.first?[path: "lastRun.schemaChanges"] == [.string(warning)], "\(list)")
        // The next run compares with the second's fields: nothing to say.
        let third = try CLI.run(["run", "--saved", "evolving", "--full-refresh"] + config + out)
        #expect(third.status == 0 && !third.stderr.contains("changed since"), "\(third.stderr)")
    }
}

/// The rows every source of the field settings tests holds, and what they become.
enum FieldFixture {
    static let rows: [(id: Int, fullname: String, email: String?, ssn: String, note: String)] = (1...12).map { i in
        (i, "person \(i)", i == 5 ? nil : "user\(i)@example.com", "123-45-\(1000 + i)", i == 3 ? "Zoë \"q\" ✓" : "note \(i)")
    }
    static let people = 30_000

    static let postgresSQL: String = {
        let values = rows.map { r in
            "(\(r.id), '\(r.fullname)', \(r.email.map { "'\($0)'" } ?? "NULL"), '\(r.ssn)', '\(r.note.replacingOccurrences(of: "'", with: "''"))')"
        }
        return """
            CREATE TABLE users (id int PRIMARY KEY, fullname text, email text, ssn text, note text);
            INSERT INTO users VALUES \(values.joined(separator: ", "));
            CREATE TABLE people (id int PRIMARY KEY, fullname text, email text, ssn text, note text);
            INSERT INTO people SELECT g, 'person ' || g, 'p' || g || '@example.com', 'ssn ' || g, md5(g::text) FROM generate_series(1, \(people)) g;
            ANALYZE;
            """
    }()

    static func hex<D: Sequence<UInt8>>(_ d: D) -> String { d.map { String(format: "%02x", $0) }.joined() }

    /// What `--exclude ssn --hash email --rename fullname=name` makes of the rows.
    static func expected(salt: String?) -> [String] {
        rows.map { r in
            let hash: JSONValue =
                r.email.map { e in
                    .string(
                        salt.map { hex(HMAC<SHA256>.authenticationCode(for: Array(e.utf8), using: SymmetricKey(data: Array($0.utf8)))) }
                            ?? hex(SHA256.hash(data: Array(e.utf8))))
                } ?? .null
            return JSONWriter.string(["id": .number(JSONNumber(r.id)), "name": .string(r.fullname), "email": hash, "note": .string(r.note)])
        }
    }

    /// The records' JSON without the keys the runner adds.
    static func stripped(_ records: [JSONObject]) -> [String] {
        records.map { r in JSONWriter.string(.object(JSONObject(r.filter { !$0.0.hasPrefix("__") }))) }
    }
}
