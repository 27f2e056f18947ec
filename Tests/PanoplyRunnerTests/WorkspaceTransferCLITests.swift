import Foundation
import PanoplyKit
import Testing

/// `panoply workspace import` and `export` between a config folder and a workspace in the
/// real PostgreSQL of the test services: every process here is a real `panoply`.
@Suite("Moving a config folder into a workspace and back", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct WorkspaceTransferCLITests {
    /// A machine with a config folder of its own (`dir`) and the key of a fresh workspace.
    struct Machine {
        let home: URL
        let dir: URL
        let url: String
        /// The schema of the PostgreSQL source's table.
        let tableSchema: String
        let env: [String: String]

        /// `panoply ARGS` on the config folder.
        func local(_ args: [String]) throws -> Child.Exit { try CLI.run(args + ["--config-dir", dir.path], environment: env) }
        /// `panoply ARGS` on the workspace.
        func shared(_ args: [String]) throws -> Child.Exit { try CLI.run(args + ["--workspace", url], environment: env) }
        func path(_ name: String) -> URL { home.appendingPathComponent(name) }
    }

    /// A fresh schema for the workspace (initialised) and one for the PostgreSQL source's
    /// table (50 rows), in the test database.
    static func machine() throws -> Machine {
        let pg = try #require(PostgresServer.env)
        let tag = UInt32.random(in: 0...UInt32.max)
        let url = "postgres://\(pg["user"]!):\(pg["password"]!)@\(pg["host"]!):\(pg["port"]!)/\(database)?sslmode=disable&schema=wsx_\(tag)"
        try PostgresServer.run(
            """
            CREATE SCHEMA wsxsrc_\(tag);
            CREATE TABLE wsxsrc_\(tag).items (id int PRIMARY KEY, name text);
            INSERT INTO wsxsrc_\(tag).items SELECT g, 'item ' || g FROM generate_series(1, 50) g;
            """, database: database)
        let home = try temporaryDirectory()
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let env = ["HOME": home.path, "PANOPLY_CONFIG_DIR": "", "XDG_CONFIG_HOME": "", "PANOPLY_WORKSPACE": "", "PANOPLY_WORKSPACE_KEY": key]
        let m = Machine(home: home, dir: home.appendingPathComponent("config"), url: url, tableSchema: "wsxsrc_\(tag)", env: env)
        try expectExit(0, try m.shared(["workspace", "init"]), "workspace init")
        return m
    }

    static let database: String = {
        ProcessInfo.processInfo.environment["PANOPLY_TEST_PG_DATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
    }()

    static let apiSecret = "sk-transfer-test-4242"

    @discardableResult
    static func expectExit(_ code: Int32, _ r: Child.Exit, _ what: String) throws -> Child.Exit {
        guard r.status == code else { throw TestFailure("\(what) exited \(r.status), not \(code): \(r.stderr)") }
        return r
    }

    /// The folder to import: "Orders" (a demo that failed at row 1500, so its state resumes
    /// at 1401), "Warehouse" (a PostgreSQL source with its password, run once) and "Plain demo"
    /// (run once), each with its history and state, and a destination with an API secret.
    static func fillFolder(_ m: Machine) throws {
        let pg = try #require(PostgresServer.env)
        let saves: [[String]] = [
            ["Orders", "demo", "--param", "rows=3000", "--param", "batch_size=100", "--param", "fail_at=1500", "--param", "fail_mode=fatal"],
            ["Warehouse", "postgres"] + PostgresServer.params(database) + ["--param", "tables=\(m.tableSchema).items"],
            ["Plain demo", "demo", "--param", "rows=200"]
        ]
        for args in saves { try expectExit(0, try m.local(["save"] + args), "save \(args[0])") }
        let failed = try m.local(["run", "--saved", "Orders", "--outbox", m.path("out-orders").path])
        #expect(failed.status != 0 && failed.stderr.contains("demo failure at row 1500"), "\(failed.stderr)")
        for name in ["Warehouse", "Plain demo"] {
            try expectExit(0, try m.local(["run", "--saved", name, "--outbox", m.path("out-\(name)").path]), "run \(name)")
        }
        #expect(try json(m.dir, "state/Orders.json") == .object(["demo": ["next_id": 1401]]))
        #expect(try json(m.dir, "sources.json").description.contains(pg["password"]!))
        let destination = #"{"kind": "panoply", "apiKey": "pk-transfer-test", "apiSecret": "\#(apiSecret)", "outbox": "./panoply-outbox"}"#
        try Data(destination.utf8).write(to: m.dir.appendingPathComponent("destination.json"))
    }

    @Test(
        "a folder of three sources is imported (again only with --replace), resumes in the workspace, and exports back as it was less what changed"
    )
    func importRunExport() throws {
        let m = try Self.machine()
        try Self.fillFolder(m)
        let imported = try Self.expectExit(0, try m.shared(["workspace", "import", "--from", m.dir.path]), "import")
        #expect(imported.stdout.contains("imported 3 sources ('Orders', 'Warehouse', 'Plain demo'), 3 states, 3 runs, the destination"), "\(imported.stdout)")
        try Self.refusedWithoutReplace(m)
        let replaced = try Self.expectExit(0, try m.shared(["workspace", "import", "--from", m.dir.path, "--replace"]), "import --replace")
        #expect(replaced.stdout.contains("imported 3 sources"), "\(replaced.stdout)")

        // The failed source resumes from the state it had in the folder.
        let out = m.path("out-resumed")
        let resumed = try Self.expectExit(0, try m.shared(["run", "--saved", "Orders", "--outbox", out.path]), "run --saved Orders")
        #expect(resumed.stderr.contains("resuming from the committed state"), "\(resumed.stderr)")
        #expect(try outboxIds(out) == Array(1401...3000))
        let status = try Self.expectExit(0, try m.shared(["status", "--json"]), "status --json")
        let sources = try #require(try JSONParser.parse(status.stdout)[path: "sources"]?.arrayValue)
        let last = sources.map { s in
            let run = s[path: "lastRun"]
            return "\(s[path: "name"]?.stringValue ?? "") \(run?[path: "status"]?.stringValue ?? "-") \(run?[path: "records"]?.intValue ?? -1)"
        }
        #expect(last == ["Orders done 1600", "Warehouse done 50", "Plain demo done 200"], "each source's last run: \(status.stdout)")

        let plain = m.path("export"), full = m.path("export-secrets")
        let exported = try Self.expectExit(0, try m.shared(["workspace", "export", "--to", plain.path]), "export")
        #expect(
            exported.stderr.contains("left out (give --with-secrets to export them): source 'Warehouse': password; destination: apiSecret"),
            "\(exported.stderr)")
        try Self.expectExit(0, try m.shared(["workspace", "export", "--to", full.path, "--with-secrets"]), "export --with-secrets")
        try Self.expectExport(full, of: m, withSecrets: true)
        try Self.expectExport(plain, of: m, withSecrets: false)
        // Exporting over a folder that has the sources is refused the same way.
        let again = try Self.expectExit(2, try m.shared(["workspace", "export", "--to", plain.path]), "export again")
        #expect(again.stderr.contains("already has 'Orders', 'Warehouse', 'Plain demo': give --replace"), "\(again.stderr)")
    }

    /// Importing names the workspace has is refused with exit 2 naming them, and writes
    /// nothing: not even a source of another name from the same folder.
    static func refusedWithoutReplace(_ m: Machine) throws {
        let again = try expectExit(2, try m.shared(["workspace", "import", "--from", m.dir.path]), "import again")
        #expect(again.stderr.contains("already has 'Orders', 'Warehouse', 'Plain demo': give --replace to overwrite"), "\(again.stderr)")
        let mixed = m.path("mixed")
        let saves = [["Plain demo", "demo", "--param", "rows=7"], ["New one", "demo", "--param", "rows=9"]]
        for args in saves { try expectExit(0, try CLI.run(["save"] + args + ["--config-dir", mixed.path], environment: m.env), "save") }
        let before = try expectExit(0, try m.shared(["list", "--json"]), "list").stdout
        let refused = try expectExit(2, try m.shared(["workspace", "import", "--from", mixed.path]), "import of a clash")
        #expect(refused.stderr.contains("already has 'Plain demo': give --replace"), "\(refused.stderr)")
        let after = try expectExit(0, try m.shared(["list", "--json"]), "list").stdout
        #expect(after == before && !after.contains("New one"), "\(after)")
        let missing = try expectExit(2, try m.shared(["workspace", "import", "--from", m.path("nowhere").path]), "import of no folder")
        #expect(missing.stderr.contains("no config folder at"), "\(missing.stderr)")
    }

    /// An export is the folder imported, less what changed: the resumed source's state and
    /// history (one run more), and without `--with-secrets` the secret values; every file 0600.
    static func expectExport(_ out: URL, of m: Machine, withSecrets: Bool) throws {
        #expect(try files(out) == files(m.dir), "the same files as the folder imported")
        for file in try files(m.dir) where !["sources.json", "destination.json", "state/Orders.json", "history/Orders.json"].contains(file) {
            #expect(try json(out, file) == json(m.dir, file), "\(file) as it was")
        }
        var sources = try json(m.dir, "sources.json"), destination = try json(m.dir, "destination.json")
        if !withSecrets {
            sources = try removing(["values", "password"], fromSourceNamed: "Warehouse", in: sources)
            destination = .object(try #require(destination.objectValue).removing("apiSecret"))
        }
        #expect(try json(out, "sources.json") == sources)
        #expect(try json(out, "destination.json") == destination)
        #expect(try json(out, "state/Orders.json") == .object(["demo": ["next_id": 3001]]))
        let before = try #require(try json(m.dir, "history/Orders.json")[path: "runs"]?.arrayValue)
        let after = try #require(try json(out, "history/Orders.json")[path: "runs"]?.arrayValue)
        #expect(after.count == before.count + 1 && Array(after.dropLast()) == before, "the imported run, then the resumed one")
        #expect(after.last?[path: "status"]?.stringValue == "done" && after.last?[path: "delivered"]?.intValue == 1600)
        let dump = try files(out).map { try String(contentsOf: out.appendingPathComponent($0), encoding: .utf8) }.joined()
        #expect(dump.contains(apiSecret) == withSecrets)
        for file in try files(out) {
            let mode = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(file).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
    }

    /// The files of a config folder, relative, sorted; leases (`runs/`) and lock files left out.
    static func files(_ dir: URL) throws -> [String] {
        let all = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? []
        return all.filter { f in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path, isDirectory: &isDir)
            return !isDir.boolValue && !f.hasPrefix("runs/") && !f.hasSuffix(".lock")
        }.sorted()
    }

    static func json(_ dir: URL, _ file: String) throws -> JSONValue {
        try JSONParser.parse([UInt8](try Data(contentsOf: dir.appendingPathComponent(file))))
    }

    /// `sources` (a sources.json) with the value at `path` of the source called `name` removed.
    static func removing(_ path: [String], fromSourceNamed name: String, in sources: JSONValue) throws -> JSONValue {
        var doc = try #require(sources.objectValue)
        let list = try #require(doc["sources"]?.arrayValue).map { item -> JSONValue in
            guard var s = item.objectValue, s["name"]?.stringValue == name, let inner = s[path[0]]?.objectValue else { return item }
            s[path[0]] = .object(inner.removing(path[1]))
            return .object(s)
        }
        doc["sources"] = .array(list)
        return .object(doc)
    }
}

extension JSONObject {
    fileprivate func removing(_ key: String) -> JSONObject {
        var o = self
        o[key] = nil
        return o
    }
}
