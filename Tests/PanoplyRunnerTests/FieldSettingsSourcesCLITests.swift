import Foundation
import PanoplyKit
import Testing

/// Field settings (#30) with every kind of source, and `panoply preview`: SQLite, CSV, JSON
/// Lines, HTTP, a Python module and a Singer tap written here give the records of the PostgreSQL
/// case byte for byte; a preview prints rows and leaves no outbox, state or history.
@Suite("Field settings with every source, and preview (CLI)", .serialized)
struct FieldSettingsSourcesCLITests {
    static let mapping = ["--exclude", "ssn", "--hash", "email", "--rename", "fullname=name"]

    /// The fixture's rows as JSON objects, in column order.
    static var objects: [JSONObject] {
        FieldFixture.rows.map { r in
            [
                "id": .number(JSONNumber(r.id)), "fullname": .string(r.fullname), "email": r.email.map { .string($0) } ?? .null, "ssn": .string(r.ssn),
                "note": .string(r.note)
            ]
        }
    }

    static let files: Result<URL, TestFailure> = {
        do {
            let dir = try temporaryDirectory()
            try makeSQLite(dir.appendingPathComponent("users.sqlite").path)
            let csv =
                ["id,fullname,email,ssn,note"]
                + FieldFixture.rows.map { r in
                    "\(r.id),\(r.fullname),\(r.email ?? ""),\(r.ssn),\"\(r.note.replacingOccurrences(of: "\"", with: "\"\""))\""
                }
            try (csv.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("users.csv"), atomically: true, encoding: .utf8)
            let lines = objects.map { JSONWriter.string(.object($0)) }.joined(separator: "\n") + "\n"
            try lines.write(to: dir.appendingPathComponent("users.jsonl"), atomically: true, encoding: .utf8)
            try JSONWriter.string(.array(objects.map { .object($0) })).write(to: dir.appendingPathComponent("users.json"), atomically: true, encoding: .utf8)
            let rows = JSONWriter.string(.array(objects.map { .object($0) }))
            try python(rows).write(to: dir.appendingPathComponent("t_fields.py"), atomically: true, encoding: .utf8)
            let tap = dir.appendingPathComponent("tap-fields")
            try singer(rows).write(to: tap, atomically: true, encoding: .utf8)
            chmod(tap.path, 0o755)
            return .success(dir)
        } catch {
            return .failure(TestFailure("fixture: \(error)"))
        }
    }()

    static func makeSQLite(_ path: String) throws {
        let values = FieldFixture.rows.map { r in
            "(\(r.id), '\(r.fullname)', \(r.email.map { "'\($0)'" } ?? "NULL"), '\(r.ssn)', '\(r.note.replacingOccurrences(of: "'", with: "''"))')"
        }
        // users_v: a view whose ssn fails when it is computed (malformed JSON), so a run that
        // reads it proves the column was never selected.
        let sql = """
            CREATE TABLE users (id INTEGER PRIMARY KEY, fullname TEXT, email TEXT, ssn TEXT, note TEXT);
            INSERT INTO users VALUES \(values.joined(separator: ", "));
            CREATE VIEW users_v AS SELECT id, fullname, email, json_extract('{', '$') AS ssn, note FROM users;
            """
        let child = try Child.start("/usr/bin/sqlite3", [path])
        child.write(Data(sql.utf8))
        child.closeInput()
        let exit = try child.waitForExit(within: .seconds(60))
        guard exit.status == 0 else { throw TestFailure("sqlite3 failed: \(exit.stderr)") }
    }

    static func python(_ rows: String) -> String {
        """
        import json
        import panoply

        CONFIG = {"title": "Fields", "params": []}
        ROWS = json.loads(\(JSONWriter.string(.string(rows))))


        class Stream(panoply.DataSource):
            def __init__(self, source, options, *args, **kwargs):
                super().__init__(source, options, *args, **kwargs)
                self.done = False

            def read(self, n=None):
                if self.done:
                    return None
                self.done = True
                return ROWS

        """
    }

    /// A tap that writes the catalog it received to `catalog_out`, and leaves out the
    /// properties the catalog marks unselected (as taps do).
    static func singer(_ rows: String) -> String {
        """
        #!/usr/bin/env python3
        import argparse, json, sys
        p = argparse.ArgumentParser()
        for a in ["--config", "--catalog", "--properties", "--state"]:
            p.add_argument(a)
        p.add_argument("--discover", action="store_true")
        p.add_argument("--about", action="store_true")
        a = p.parse_args()
        ROWS = json.loads(\(JSONWriter.string(.string(rows))))
        PROPS = {k: {"type": ["string", "null"]} for k in ["fullname", "email", "ssn", "note"]}
        PROPS = {"id": {"type": ["integer"]}, **PROPS}
        SCHEMA = {"type": "object", "properties": PROPS}
        if a.about:
            print(json.dumps({"name": "tap-fields", "capabilities": ["catalog", "discover"], "settings": {"type": "object",
                "required": ["catalog_out"], "properties": {"catalog_out": {"type": ["string"]}}}}))
            sys.exit(0)
        if a.discover:
            print(json.dumps({"streams": [{"tap_stream_id": "users", "stream": "users", "schema": SCHEMA, "metadata": [
                {"breadcrumb": [], "metadata": {"selected-by-default": True, "table-key-properties": ["id"]}}]}]}))
            sys.exit(0)
        config = json.load(open(a.config))
        catalog = json.load(open(a.catalog or a.properties))
        json.dump(catalog, open(config["catalog_out"], "w"))
        meta = catalog["streams"][0]["metadata"]
        off = [m["breadcrumb"][1] for m in meta if len(m["breadcrumb"]) == 2 and m["metadata"].get("selected") is False]
        print(json.dumps({"type": "SCHEMA", "stream": "users", "schema": SCHEMA, "key_properties": ["id"]}))
        for r in ROWS:
            print(json.dumps({"type": "RECORD", "stream": "users", "record": {k: v for k, v in r.items() if k not in off}}))

        """
    }

    static var environment: [String: String] {
        let dir = (try? files.get())?.path ?? ""
        let python = ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"] ?? "python3"
        return ["PYTHONPATH": dir, "PANOPLY_PYTHON": python, "PATH": dir + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    /// The records `panoply run ARGS` delivers, without the runner's keys.
    static func run(_ args: [String]) throws -> (Child.Exit, [String]) {
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["run"] + args + ["--outbox", out.path], environment: environment)
        return (r, FieldFixture.stripped(try outboxRecords(out)))
    }

    @Test("SQLite, CSV, JSON Lines, HTTP, Python and a Singer tap give the PostgreSQL case's records byte for byte")
    func sameBytesEverywhere() throws {
        let dir = try Self.files.get()
        let expected = FieldFixture.expected(salt: nil)
        var sources: [(String, [String])] = [
            ("sqlite", ["sqlite", "--param", "path=\(dir.path)/users.sqlite", "--param", "tables=users"]),
            ("sqlite view", ["sqlite", "--param", "path=\(dir.path)/users.sqlite", "--param", "tables=users_v"]),
            ("csv", ["csv", "--param", "path=\(dir.path)/users.csv", "--param", "infer_types=true"]),
            ("jsonl", ["jsonl", "--param", "path=\(dir.path)/users.jsonl"])
        ]
        // An HTTP API answering the rows as a JSON array (python3's http.server over the folder).
        let http = try Child.start("/usr/bin/env", ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir.path])
        defer { http.kill9() }
        try waitUntil("the HTTP server", within: .seconds(30)) { http.stdout.contains(" port ") }
        let port = http.stdout.split(separator: " ").drop { $0 != "port" }.dropFirst().first.map(String.init) ?? ""
        sources.append(("http", ["http", "--param", "base_url=http://127.0.0.1:\(port)", "--param", "endpoints=users.json"]))
        if ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"]?.isEmpty == false {
            sources.append(("python", ["python:t_fields"]))
            let catalog = dir.appendingPathComponent("catalog.json").path
            let config = JSONWriter.string(["catalog_out": .string(catalog)])
            sources.append(("singer", ["singer:tap-fields", "--param", "config=\(config)", "--param", "streams=users"]))
        }
        for (name, args) in sources {
            let (r, records) = try Self.run(args + Self.mapping)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(records == expected, "\(name)")
            #expect(!r.stderr.contains("warning"), "\(name): \(r.stderr)")
        }
        if sources.contains(where: { $0.0 == "singer" }) {
            let received = try JSONParser.parse(String(contentsOfFile: dir.appendingPathComponent("catalog.json").path, encoding: .utf8))
            let metadata = received[path: "streams"]?.arrayValue?.first?[path: "metadata"]?.arrayValue ?? []
            let ssn = metadata.first { $0[path: "breadcrumb"] == ["properties", "ssn"] }
            #expect(ssn?[path: "metadata.selected"] == false, "\(received)")
        }
        // The view's ssn cannot be computed: without the exclusion the run fails.
        let (failed, _) = try Self.run(["sqlite", "--param", "path=\(dir.path)/users.sqlite", "--param", "tables=users_v"])
        #expect(failed.status == 1, "\(failed.stderr)")
    }

    @Test(
        "a field the first record lacks is a warning where fields are not known before reading, an error where they are",
        .enabled(if: ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"]?.isEmpty == false))
    func warningAtFirstRecord() throws {
        let (r, records) = try Self.run(["python:t_fields", "--exclude", "sn"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("the field settings name 'sn', which the first record does not have (it has: id, fullname, email, ssn, note)"), "\(r.stderr)")
        #expect(records.count == FieldFixture.rows.count)
        // JSON Lines knows its fields from the file before the run.
        let dir = try Self.files.get()
        let (known, sent) = try Self.run(["jsonl", "--param", "path=\(dir.path)/users.jsonl", "--exclude", "sn"])
        #expect(known.status == 2)
        #expect(known.stderr.contains("users.jsonl has no field 'sn' (its fields: id, fullname, email, ssn, note)"), "\(known.stderr)")
        #expect(sent.isEmpty)
    }

    @Test("a field renamed onto one the first record has fails the run and the preview where fields are not known before reading, on both paths")
    func renameOntoAFieldOfTheFirstRecord() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Settings without a resource over a folder of two files are not checked before the run.
        let folder = dir.appendingPathComponent("lines")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "{\"a\":1,\"b\":2}\n{\"a\":3,\"b\":4}\n".write(to: folder.appendingPathComponent("x.jsonl"), atomically: true, encoding: .utf8)
        try "{\"a\":5}\n".write(to: folder.appendingPathComponent("y.jsonl"), atomically: true, encoding: .utf8)
        try Self.python(#"[{"a": 1, "b": 2}]"#).write(to: dir.appendingPathComponent("t_collide.py"), atomically: true, encoding: .utf8)
        var environment = Self.environment
        environment["PYTHONPATH"] = dir.path
        let x = "x.jsonl"
        var cases: [(name: String, args: [String], message: String)] = [
            ("jsonl", ["jsonl", "--param", "path=\(folder.path)"], "renaming 'a' of \(x) to 'b' gives two fields named 'b' (exclude or rename 'b' too)")
        ]
        if ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"]?.isEmpty == false {
            cases.append(("python", ["python:t_collide"], "renaming 'a' to 'b' gives two fields named 'b' (exclude or rename 'b' too)"))
        }
        for c in cases {
            for size in [[], ["--batch-size", "1"]] {
                let out = dir.appendingPathComponent("out-\(c.name)-\(size.count)")
                let r = try CLI.run(["run"] + c.args + ["--rename", "a=b", "--outbox", out.path] + size, environment: environment)
                #expect(r.status == 1, "\(c.name): \(r.stderr)")
                #expect(r.stderr.contains(c.message), "\(c.name): \(r.stderr)")
                // No record of the resource was sent (the y.jsonl folder's other file may be).
                let sent = try outboxRecords(out)
                #expect(sent.allSatisfy { $0["b"] == 5 }, "\(c.name): \(sent)")
            }
            let preview = try CLI.run(["preview"] + c.args + ["--rename", "a=b", "--json"], environment: environment)
            #expect(preview.status != 0, "\(c.name): \(preview.stdout)")
            #expect(preview.stderr.contains(c.message), "\(c.name): \(preview.stderr)")
            // Excluding or renaming b too is accepted.
            let fixed = try CLI.run(["preview"] + c.args + ["--rename", "a=b", "--rename", "b=c", "--json"], environment: environment)
            #expect(fixed.status == 0, "\(c.name): \(fixed.stderr)")
            #expect(fixed.stdout.contains(#"{"b":1,"c":2"#), "\(c.name): \(fixed.stdout)")
        }
    }

    @Test("preview prints N rows per resource with the settings applied and leaves no outbox, state or history")
    func previewSendsNothing() throws {
        let dir = try Self.files.get()
        let cwd = try temporaryDirectory(), config = cwd.appendingPathComponent("cfg")
        defer { try? FileManager.default.removeItem(at: cwd) }
        let sqlite = ["sqlite", "--param", "path=\(dir.path)/users.sqlite", "--param", "tables=users"]
        let table = try CLI.run(["preview"] + sqlite + Self.mapping + ["--limit", "3"], in: cwd, environment: ["COLUMNS": "60"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "users: 3 records", "\(table.stdout)")
        #expect(lines.count >= 5 && lines[1].hasPrefix("id  name"), "\(table.stdout)")
        #expect(lines.allSatisfy { $0.count <= 60 }, "\(table.stdout)")
        #expect(!table.stdout.contains("ssn") && !table.stdout.contains("user1@"), "\(table.stdout)")
        let json = try CLI.run(["preview"] + sqlite + Self.mapping + ["--limit", "3", "--json"], in: cwd)
        let records = try json.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue ?? [:] }
        #expect(FieldFixture.stripped(records) == Array(FieldFixture.expected(salt: nil).prefix(3)), "\(json.stdout)")
        #expect(records.allSatisfy { $0["__resource"] == "users" })

        let save = try CLI.run(["save", "users", "--config-dir", config.path] + sqlite + Self.mapping + ["--hash-salt", "${NOT_SHOWN}"], in: cwd)
        #expect(save.status == 0, "\(save.stderr)")
        let before = try FileManager.default.subpathsOfDirectory(atPath: config.path).sorted()
        let saved = try CLI.run(["preview", "--saved", "users", "--config-dir", config.path, "--json"], in: cwd, environment: ["NOT_SHOWN": "salty"])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(
            FieldFixture.stripped(try saved.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue ?? [:] })
                == FieldFixture.expected(salt: "salty"))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: config.path).sorted() == before, "preview wrote to the config folder")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd.path) == ["cfg"], "preview left files in its folder")

        let list = try CLI.run(["list", "--json", "--config-dir", config.path], in: cwd)
        let fields = try JSONParser.parse(list.stdout)[path: "sources"]?.arrayValue?.first?[path: "fields"]
        #expect(fields == ["resources": ["users": ["exclude": ["ssn"], "hash": ["email"], "rename": ["fullname": "name"]]], "salted": true], "\(list.stdout)")
        #expect(!list.stdout.contains("NOT_SHOWN"))
    }
}
