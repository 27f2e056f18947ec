import Foundation
import PanoplyKit
import PanoplyTestSupport
import Testing

/// Secrets at rest in a PostgreSQL workspace through the real `panoply` (#29 item 6): what
/// `save` writes holds no plaintext, the commands without the key say so, and rotate-key
/// leaves every source runnable with the new key only.
@Suite("Workspace secrets from the command line", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct WorkspaceSecretsCLITests {
    typealias Machine = WorkspaceTransferCLITests.Machine

    /// `panoply ARGS --workspace URL` with `env` changed (`""` unsets a variable for panoply).
    static func shared(_ m: Machine, _ args: [String], _ env: [String: String] = [:]) throws -> Child.Exit {
        try CLI.run(args + ["--workspace", m.url], environment: m.env.merging(env) { _, new in new })
    }

    /// `pg_dump` of the workspace's schema.
    static func dump(_ m: Machine) throws -> String {
        let pg = try #require(PostgresServer.env)
        let schema = try #require(m.url.components(separatedBy: "schema=").last)
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed()
        let tool = try #require(
            (["/usr/bin/pg_dump"] + versions.map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }).first { FileManager.default.isExecutableFile(atPath: $0) })
        let child = try Child.start(
            tool, ["--schema=\(schema)", "-h", pg["host"]!, "-p", pg["port"]!, "-U", pg["user"]!, "--no-password", WorkspaceTransferCLITests.database],
            environment: ["PGPASSWORD": pg["password"]!])
        child.closeInput()
        let r = try child.waitForExit(within: .seconds(60))
        #expect(r.status == 0, "pg_dump: \(r.stderr)")
        return r.stdout
    }

    static func keyFile(_ m: Machine, _ name: String) throws -> (path: String, base64: String) {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let url = m.path(name)
        try Data((key + "\n").utf8).write(to: url)
        return (url.path, key)
    }

    @Test("save keeps no plaintext in the workspace; without the key, list works and saving a secret is refused; rotate-key runs with the new key only")
    func secretsAcrossTheCommandLine() throws {
        let m = try WorkspaceTransferCLITests.machine()
        let pg = try #require(PostgresServer.env)
        let password = try #require(pg["password"])
        let warehouse =
            ["save", "Warehouse", "postgres"] + PostgresServer.params(WorkspaceTransferCLITests.database) + ["--param", "tables=\(m.tableSchema).items"]
        try WorkspaceTransferCLITests.expectExit(0, try Self.shared(m, warehouse), "save Warehouse")
        let folder = m.path("with-destination")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let destination =
            #"{"kind": "outbox", "apiKey": "pk-secrets-test", "apiSecret": "\#(WorkspaceTransferCLITests.apiSecret)", "outbox": "./panoply-outbox"}"#
        try Data(destination.utf8).write(to: folder.appendingPathComponent("destination.json"))
        try WorkspaceTransferCLITests.expectExit(0, try Self.shared(m, ["workspace", "import", "--from", folder.path]), "import the destination")

        let dump = try Self.dump(m)
        #expect(dump.contains("Warehouse") && dump.contains("pk-secrets-test"), "the dump holds the rows")
        #expect(!dump.contains(password), "the source's password is in pg_dump")
        #expect(!dump.contains(WorkspaceTransferCLITests.apiSecret), "the destination's API secret is in pg_dump")

        let keyless = ["PANOPLY_WORKSPACE_KEY": ""]
        let list = try WorkspaceTransferCLITests.expectExit(0, try Self.shared(m, ["list"], keyless), "list without the key")
        #expect(list.stdout.contains("Warehouse"))
        let other = ["save", "Other", "postgres"] + PostgresServer.params(WorkspaceTransferCLITests.database) + ["--param", "tables=\(m.tableSchema).items"]
        let refused = try Self.shared(m, other, keyless)
        #expect(
            refused.status != 0 && refused.stderr.contains("cannot save the secret password of source 'Other' without the workspace key"), "\(refused.stderr)")

        let locked = try Self.shared(m, ["run", "--saved", "Warehouse", "--outbox", m.path("out-keyless").path], keyless)
        #expect(locked.status == 2, "run without the key exited \(locked.status)")
        #expect(
            locked.stderr.contains(
                "source 'Warehouse' has encrypted secrets (password): set PANOPLY_WORKSPACE_KEY (or --workspace-key-file) to the workspace key"),
            "\(locked.stderr)")

        let new = try Self.keyFile(m, "new.key")
        let rotated = try WorkspaceTransferCLITests.expectExit(0, try Self.shared(m, ["workspace", "rotate-key", "--new-key-file", new.path]), "rotate-key")
        #expect(rotated.stdout.contains("re-encrypted 2 secrets of 1 source and the destination"), "\(rotated.stdout)")
        let run = try Self.shared(m, ["run", "--saved", "Warehouse", "--outbox", m.path("out-new").path], ["PANOPLY_WORKSPACE_KEY": new.base64])
        #expect(run.status == 0, "run with the new key: \(run.stderr)")
        let withFile = try Self.shared(m, ["list", "--workspace-key-file", new.path], keyless)
        #expect(withFile.status == 0, "\(withFile.stderr)")
        let old = try Self.shared(m, ["run", "--saved", "Warehouse", "--outbox", m.path("out-old").path])
        #expect(old.status != 0 && old.stderr.contains("the key given is"), "run with the old key: \(old.stderr)")
        #expect(!(try Self.dump(m)).contains(password))
    }
}
