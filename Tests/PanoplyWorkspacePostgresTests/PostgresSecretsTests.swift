import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyWorkspacePostgres

/// Secrets at rest in a PostgreSQL workspace (#29 item 6), against the test server.
@Suite("PostgreSQL workspace secrets", .enabled(if: TestDatabase.available))
struct PostgresSecretsTests {
    static func key(_ byte: UInt8) throws -> WorkspaceKey {
        try WorkspaceKey(bytes: Data((0..<32).map { UInt8($0) &+ byte }), origin: "test")
    }

    static func secrets(_ key: WorkspaceKey?) -> WorkspaceSecrets {
        WorkspaceSecrets(key: key, secretParams: WorkspaceSecrets.secretParams(in: BuiltinSources.registry))
    }

    static func open(_ url: String, key: WorkspaceKey?) throws -> PostgresWorkspace {
        let workspace = try PostgresWorkspace.open(url: url, environment: TestDatabase.environment)
        workspace.useSecrets(secrets(key))
        return workspace
    }

    static func source(_ name: String, password: String) -> SavedSource {
        SavedSource(
            name: name, type: "postgres",
            values: ["host": "db.internal", "user": "reader", "password": password, "database": "shop"], table: name.lowercased())
    }

    /// `pg_dump --schema=<schema>` of the test database (data and definitions).
    static func dump(schema: String) throws -> String {
        let e = TestDatabase.environment
        let candidates =
            ["/usr/bin/pg_dump"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed().map {
                "/usr/lib/postgresql/\($0)/bin/pg_dump"
            }
        let tool = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "pg_dump is not installed")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [
            "--schema=\(schema)", "--host=\(e["PANOPLY_TEST_PG_HOST"] ?? "127.0.0.1")", "--port=\(e["PANOPLY_TEST_PG_PORT"] ?? "5432")",
            "--username=\(e["PANOPLY_TEST_PG_USER"] ?? "panoply")", "--no-password", e["PANOPLY_TEST_PG_DATABASE"] ?? "panoply_test"
        ]
        process.environment = ["PGPASSWORD": e["PANOPLY_TEST_PG_PASSWORD"] ?? "", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "pg_dump exited \(process.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }

    @Test("a saved source's password and hash salt and the destination's secrets are in no byte of pg_dump; all open as saved with the key")
    func noPlaintextInDump() throws {
        try TestDatabase.withWorkspace { _, url in
            let key = try Self.key(1)
            let password = "pg-password-\(UUID().uuidString)"
            let apiSecret = "api-secret-\(UUID().uuidString)"
            let awsSecret = "aws-secret-\(UUID().uuidString)"
            let workspace = try Self.open(url, key: key)
            defer { workspace.close() }
            let salt = "hash-salt-\(UUID().uuidString)"
            var orders = Self.source("Orders", password: password)
            orders.fields = FieldSettings(resources: ["public.orders": ResourceFields(hash: ["email"])], hashSalt: salt)
            try workspace.saveSources([orders])
            let destination = DestinationSettings(
                kind: .panoply, apiKey: "acme/r1", apiSecret: apiSecret, awsAccessKeyId: "AKIA1", awsSecretAccessKey: awsSecret, outbox: "./out")
            try workspace.saveDestination(destination)
            let dump = try Self.dump(schema: workspace.url.schema)
            #expect(dump.contains("Orders") && dump.contains("db.internal") && dump.contains("acme/r1"), "the dump holds the rows")
            for plain in [password, apiSecret, awsSecret, salt] { #expect(!dump.contains(plain), "pg_dump shows a secret in plaintext") }
            #expect(dump.contains("\"key\": \"\(key.id)\""), "sealed values name their key")
            let other = try Self.open(url, key: key)
            defer { other.close() }
            #expect(try other.loadSources().map(\.values) == [orders.values])
            #expect(try other.loadSources().first?.fields == orders.fields)
            #expect(try other.loadDestination() == destination)
        }
    }

    @Test("without the key, sources list and save back unchanged, a new secret is refused, and runs say the key is missing")
    func withoutTheKey() throws {
        try TestDatabase.withWorkspace { _, url in
            let key = try Self.key(2)
            let withKey = try Self.open(url, key: key)
            defer { withKey.close() }
            try withKey.saveSources([Self.source("Orders", password: "pw-orders-1"), SavedSource(name: "Demo", type: "demo", values: ["rows": "5"])])
            try withKey.saveDestination(DestinationSettings(kind: .panoply, apiKey: "acme/r1", apiSecret: "api-secret-1", outbox: "./out"))

            let keyless = try Self.open(url, key: nil)
            defer { keyless.close() }
            var sources = try keyless.loadSources()
            #expect(sources.map(\.name) == ["Orders", "Demo"])
            #expect(sources[0].values["password"] == nil && sources[0].values["host"] == "db.internal")
            #expect(
                sources[0].lockedSecretsError?.message
                    == "source 'Orders' has encrypted secrets (password): set PANOPLY_WORKSPACE_KEY (or --workspace-key-file) to the workspace key")
            #expect(sources[1].lockedSecretsError == nil, "a source without secrets runs without the key")
            let destination = try #require(try keyless.loadDestination())
            #expect(throws: PanoplyError.self) { try destination.sdkConfiguration() }

            sources[1].lastStatus = .failed
            try keyless.saveSources(sources)
            try keyless.saveDestination(destination)
            #expect(try withKey.loadSources()[0].values["password"] == "pw-orders-1", "the sealed value was written back as it was")
            #expect(try withKey.loadDestination()?.apiSecret == "api-secret-1")

            sources.append(Self.source("Users", password: "pw-users-1"))
            let error = try #require(throws: PanoplyError.self) { try keyless.saveSources(sources) }
            #expect(
                error.message
                    == "cannot save the secret password of source 'Users' without the workspace key: set PANOPLY_WORKSPACE_KEY or --workspace-key-file")
            #expect(try withKey.loadSources().map(\.name) == ["Orders", "Demo"], "nothing was saved")
        }
    }

    @Test("saving sources whose secrets did not change leaves their rows as they were (no new nonce)")
    func unchangedSecretsAreNotRewritten() throws {
        try TestDatabase.withWorkspace { _, url in
            let key = try Self.key(9)
            let first = try Self.open(url, key: key)
            defer { first.close() }
            try first.saveSources([Self.source("A", password: "pw-a"), Self.source("B", password: "pw-b")])
            let s = first.url.schema
            let bodies = { try first.client.query("SELECT body::text FROM \(s).sources ORDER BY name").map { try $0.text(0) ?? "" } }
            let before = try bodies()
            try first.saveSources(try first.loadSources())
            let second = try Self.open(url, key: key)
            defer { second.close() }
            var sources = try second.loadSources()
            try second.saveSources(sources)
            #expect(try bodies() == before)
            sources[1].values["password"] = "pw-b-2"
            try second.saveSources(sources)
            let after = try bodies()
            #expect(after[0] == before[0] && after[1] != before[1])
        }
    }

    @Test("tokens a run saved in its state (__params) are sealed; without the key they are neither used, deleted nor written")
    func savedParamsInState() throws {
        try TestDatabase.withWorkspace { _, url in
            let (key, new) = (try Self.key(10), try Self.key(11))
            let workspace = try Self.open(url, key: key)
            defer { workspace.close() }
            try workspace.saveSources([SavedSource(name: "Api", type: "demo", values: ["rows": "1"])])
            let params: JSONValue = ["refresh_token": ["value": "rt-secret-1", "replaces": "sha256:00"]]
            let state: JSONObject = ["orders": ["cursor": 5], "__params": params]
            try workspace.stateStore(for: "Api", lease: nil).save(state)
            let s = workspace.url.schema
            let row = { try workspace.client.scalar("SELECT value::text || updated_at::text FROM \(s).state WHERE key = '__params'") ?? "" }
            let stored = try row()
            #expect(!stored.contains("rt-secret") && stored.contains(key.id))
            #expect(try workspace.loadState(of: "Api") == state)

            let again = try Self.open(url, key: key)
            defer { again.close() }
            let store = again.stateStore(for: "Api", lease: nil)
            #expect(try store.load() == state)
            try store.save(state)
            #expect(try row() == stored, "an unchanged state rewrites nothing")

            let keyless = try Self.open(url, key: nil)
            defer { keyless.close() }
            let bare = keyless.stateStore(for: "Api", lease: nil)
            #expect(try bare.load() == ["orders": ["cursor": 5]])
            try bare.save(["orders": ["cursor": 6], "__params": ["refresh_token": ["value": "rt-secret-2", "replaces": "sha256:00"]]])
            #expect(try row() == stored, "kept as stored, and the new token is not written in plaintext")
            #expect(try workspace.loadState(of: "Api") == ["orders": ["cursor": 6], "__params": params])

            #expect(try workspace.rotateKey(from: key, to: new) == KeyRotation(sources: 0, secrets: 1, destination: false))
            let rotated = try Self.open(url, key: new)
            defer { rotated.close() }
            #expect(try rotated.loadState(of: "Api")?["__params"] == params)
            #expect(!(try Self.dump(schema: s)).contains("rt-secret"))
        }
    }

    @Test("one workspace, one key: a save with another key, or of values read before a rotate-key, is refused")
    func oneKeyPerWorkspace() throws {
        try TestDatabase.withWorkspace { _, url in
            let (key, other, new) = (try Self.key(12), try Self.key(13), try Self.key(14))
            let first = try Self.open(url, key: key)
            defer { first.close() }
            try first.saveSources([Self.source("A", password: "pw-a")])
            let stranger = try Self.open(url, key: other)
            defer { stranger.close() }
            let refused = try #require(throws: PanoplyError.self) { try stranger.saveSources([Self.source("B", password: "pw-b")]) }
            #expect(refused.message.contains("are sealed with key \(key.id); the key given is \(other.id)"), "\(refused.message)")
            let destination = DestinationSettings(kind: .panoply, apiKey: "acme/r1", apiSecret: "api-1", outbox: "./out")
            #expect(throws: PanoplyError.self) { try stranger.saveDestination(destination) }

            let keyless = try Self.open(url, key: nil)
            defer { keyless.close() }
            let stale = try keyless.loadSources()
            let before = try first.loadSources()
            try first.rotateKey(from: key, to: new)
            let lateKeyless = try #require(throws: PanoplyError.self) { try keyless.saveSources(stale) }
            #expect(lateKeyless.message.contains("were sealed again with key \(new.id) (rotate-key) since they were read"), "\(lateKeyless.message)")
            let oldKey = try Self.open(url, key: key)
            defer { oldKey.close() }
            #expect(throws: PanoplyError.self) { try oldKey.saveSources(before) }
            let withNew = try Self.open(url, key: new)
            defer { withNew.close() }
            #expect(try withNew.loadSources().first?.values["password"] == "pw-a", "the refused saves changed nothing")
            try keyless.saveSources(try keyless.loadSources())
        }
    }

    @Test("a sealed password copied into another source's row does not open")
    func movedBetweenRows() throws {
        try TestDatabase.withWorkspace { _, url in
            let workspace = try Self.open(url, key: try Self.key(3))
            defer { workspace.close() }
            try workspace.saveSources([Self.source("A", password: "pw-a"), Self.source("B", password: "pw-b")])
            let s = workspace.url.schema
            try workspace.client.execute(
                "UPDATE \(s).sources SET body = jsonb_set(body, '{values,password}', (SELECT body->'values'->'password' FROM \(s).sources WHERE name = 'A')) WHERE name = 'B'"
            )
            let error = try #require(throws: PanoplyError.self) { try workspace.loadSources() }
            #expect(error.message.hasPrefix("the secret password of source 'B' cannot be opened"), "\(error.message)")
        }
    }

    @Test("rotate-key seals every secret again in one transaction: every source opens with the new key only")
    func rotateKey() throws {
        try TestDatabase.withWorkspace { _, url in
            let (old, new) = (try Self.key(4), try Self.key(5))
            let workspace = try Self.open(url, key: old)
            defer { workspace.close() }
            let saved = (1...3).map { Self.source("S\($0)", password: "pw-rotate-\($0)") } + [SavedSource(name: "Plain", type: "demo", values: ["rows": "1"])]
            try workspace.saveSources(saved)
            try workspace.saveDestination(DestinationSettings(kind: .panoply, apiKey: "acme/r1", apiSecret: "api-rotate", outbox: "./out"))

            let rotation = try workspace.rotateKey(from: old, to: new)
            #expect(rotation == KeyRotation(sources: 3, secrets: 4, destination: true))
            #expect(try workspace.rotateKey(from: old, to: new) == KeyRotation(sources: 0, secrets: 0, destination: false), "a second run changes nothing")

            let withNew = try Self.open(url, key: new)
            defer { withNew.close() }
            #expect(try withNew.loadSources().map(\.values) == saved.map(\.values))
            #expect(try withNew.loadDestination()?.apiSecret == "api-rotate")
            let withOld = try Self.open(url, key: old)
            defer { withOld.close() }
            let error = try #require(throws: PanoplyError.self) { try withOld.loadSources() }
            #expect(error.message == "the secret password of source 'S1' sealed with key \(new.id); the key given is \(old.id)")
            let dump = try Self.dump(schema: workspace.url.schema)
            #expect(!dump.contains("\"key\": \"\(old.id)\"") && dump.contains("\"key\": \"\(new.id)\""))
            #expect(!dump.contains("pw-rotate") && !dump.contains("api-rotate"))
        }
    }

    @Test("rotate-key while another machine holds a source's lease (a run, starting or going) is refused and changes nothing")
    func rotateWhileLeased() throws {
        try TestDatabase.withWorkspace { _, url in
            let (old, new) = (try Self.key(9), try Self.key(10))
            let workspace = try Self.open(url, key: old)
            defer { workspace.close() }
            try workspace.saveSources([Self.source("Busy", password: "pw-busy"), Self.source("Idle", password: "pw-idle")])
            let other = try Self.open(url, key: old)
            defer { other.close() }
            let lease = try other.acquireLease(of: "Busy", holder: .current(origin: "cli"), wait: nil)
            let error = try #require(throws: PanoplyError.self) { try workspace.rotateKey(from: old, to: new) }
            #expect(error.message.hasPrefix("'Busy' is running"), "\(error.message)")
            lease.release()
            let reopened = try Self.open(url, key: old)
            defer { reopened.close() }
            #expect(try reopened.loadSources().map { $0.values["password"] } == ["pw-busy", "pw-idle"], "still sealed with the old key")
            #expect(try workspace.rotateKey(from: old, to: new).sources == 2, "once the run ended, the rotation goes")
        }
    }

    @Test("rotate-key with a wrong old key changes nothing and names the keys")
    func rotateWithWrongKey() throws {
        try TestDatabase.withWorkspace { _, url in
            let (old, new, wrong) = (try Self.key(6), try Self.key(7), try Self.key(8))
            let workspace = try Self.open(url, key: old)
            defer { workspace.close() }
            try workspace.saveSources([Self.source("S1", password: "pw-1")])
            let error = try #require(throws: PanoplyError.self) { try workspace.rotateKey(from: wrong, to: new) }
            #expect(error.message == "values.password of source 'S1' sealed with key \(old.id); the key given is \(wrong.id)")
            #expect(try workspace.loadSources()[0].values["password"] == "pw-1")
        }
    }
}
