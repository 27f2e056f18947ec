import Foundation
import Testing

@testable import PanoplyConnectors

/// `panoply run postgres` through an SSH tunnel: sshd (SSHServer) on 127.0.0.1 in front of
/// the PostgreSQL of scripts/services/postgres.sh.
@Suite("SSH tunnel", .serialized)
struct SSHTunnelTests {
    static let pg: [String: String]? = {
        let env = ProcessInfo.processInfo.environment
        guard let port = env["PANOPLY_TEST_PG_PORT"], !port.isEmpty else { return nil }
        return [
            "port": port, "user": env["PANOPLY_TEST_PG_USER"] ?? "panoply", "password": env["PANOPLY_TEST_PG_PASSWORD"] ?? "",
            "database": env["PANOPLY_TEST_PG_DATABASE"] ?? "panoply_test"
        ]
    }()
    /// On wherever scripts/test.sh runs (it installs openssh-server/client and starts PostgreSQL).
    static let available: Bool = {
        let on = pg != nil && SSHServer.available && psql != nil
        if !on { print("skipping SSH tunnel tests: needs PostgreSQL (scripts/services/postgres.sh), psql and openssh-server") }
        return on
    }()
    static let psql: String? =
        (["/usr/bin/psql"]
        + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
        .map { "/usr/lib/postgresql/\($0)/bin/psql" }).first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Creates `name` with ids 1...rows through psql.
    static func createTable(_ name: String, rows: Int) throws {
        let pg = try #require(pg)
        try SSHServer.sh(
            try #require(psql),
            [
                "-h", "127.0.0.1", "-p", pg["port"]!, "-U", pg["user"]!, "-d", pg["database"]!, "-qAt", "-v", "ON_ERROR_STOP=1", "-c",
                "DROP TABLE IF EXISTS \(name); CREATE TABLE \(name) (id int PRIMARY KEY, name text); INSERT INTO \(name) SELECT g, 'n' || g FROM generate_series(1, \(rows)) g"
            ],
            environment: ["PGPASSWORD": pg["password"]!])
    }

    /// Runs `panoply run postgres` through `sshd`; the config folder (where host keys
    /// trusted on first use are kept) is `config`, else a fresh temp folder.
    func run(_ sshd: SSHServer, table: String, extra: [String: String], config: URL? = nil) throws -> (Child.Exit, URL) {
        let pg = try #require(Self.pg)
        let out = try temporaryDirectory()
        let config = try config ?? temporaryDirectory()
        var params = [
            "host": "127.0.0.1", "port": pg["port"]!, "user": pg["user"]!, "password": pg["password"]!,
            "database": pg["database"]!, "table": table, "sslmode": "disable",
            "ssh_tunnel": "true", "ssh_host": "127.0.0.1", "ssh_port": String(sshd.port), "ssh_user": sshd.user
        ]
        for (k, v) in extra { params[k] = v }
        let args = ["run", "postgres", "--outbox", out.path] + params.sorted { $0.key < $1.key }.flatMap { ["--param", "\($0.key)=\($0.value)"] }
        return (try CLI.run(args, environment: ["PANOPLY_CONFIG_DIR": config.path], timeout: .seconds(120)), out)
    }

    @Test(
        "panoply run postgres reads a table through the tunnel (RSA and Ed25519 keys, known_hosts checked)",
        .enabled(if: available), arguments: ["user_rsa", "user_ed25519"])
    func readsThroughTunnel(_ keyName: String) throws {
        let sshd = try SSHServer()
        try Self.createTable("ssh_rows", rows: 300)
        let (r, out) = try run(sshd, table: "ssh_rows", extra: ["ssh_private_key": sshd.key(keyName), "ssh_known_hosts": sshd.knownHosts])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Set(try Self.outboxIds(out)) == Set(1...300))
        // The rows came over a channel sshd forwarded to the database's port.
        let pgPort = Int(Self.pg!["port"]!)!
        #expect(!sshd.forwardedChannels(to: pgPort).isEmpty, "sshd log: \(sshd.log.suffix(2000))")
        #expect(!r.stderr.contains("BEGIN OPENSSH PRIVATE KEY") && !r.stdout.contains("BEGIN OPENSSH PRIVATE KEY"))
        // One login per run.
        #expect(sshd.log.components(separatedBy: "Accepted publickey").count - 1 == 1, "sshd log: \(sshd.log.suffix(2000))")
    }

    /// The cause of an old hang: ssh and sshd close their inherited descriptors at startup,
    /// and under Foundation's Process that stops every other child's exit from being
    /// reported while they run. Both run as SpawnedProcess now (sshd in SSHServer, ssh in
    /// SSHTunnel); a child run through Process must still be seen to end meanwhile.
    @Test("other children's exits are still reported while the tunnel's ssh and the test's sshd run", .enabled(if: available))
    func childExitsSeenWhileTunnelIsOpen() async throws {
        let sshd = try SSHServer()
        let settings = SSHTunnelSettings(
            host: "127.0.0.1", port: sshd.port, user: sshd.user, privateKey: sshd.key("user_ed25519"),
            password: nil, knownHosts: sshd.knownHosts)
        let tunnel = try await SSHTunnel(settings, targetHost: "127.0.0.1", targetPort: Int(Self.pg!["port"]!)!)
        #expect(tunnel.processIsRunning && SSHTunnel.listening(tunnel.localPort))
        let exit = try Child.start("/bin/sh", ["-c", "exit 3"]).waitForExit(within: .seconds(10))
        #expect(exit.status == 3)
        tunnel.close()
        #expect(!tunnel.processIsRunning && !SSHTunnel.listening(tunnel.localPort))
    }

    /// The `id` of every record in an outbox folder.
    static func outboxIds(_ dir: URL) throws -> [Int] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ndjson") }
        return try names.flatMap { name in
            try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").compactMap { line in
                line.range(of: "\"id\":").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
            }
        }
    }

    @Test("a key the SSH host does not accept is an auth error naming the SSH host, not the database", .enabled(if: available))
    func wrongKey() throws {
        let sshd = try SSHServer()
        try Self.createTable("ssh_rows_wrong", rows: 3)
        let (r, _) = try run(sshd, table: "ssh_rows_wrong", extra: ["ssh_private_key": sshd.key("wrong_key")])
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("SSH authentication failed at \(sshd.user)@127.0.0.1:\(sshd.port)"), "\(r.stderr)")
        #expect(!r.stderr.contains("PostgreSQL at"), "\(r.stderr)")
        #expect(sshd.forwardedChannels(to: Int(Self.pg!["port"]!)!).isEmpty)
    }

    @Test("a host key that does not match ssh_known_hosts stops the run before any login", .enabled(if: available))
    func hostKeyMismatch() throws {
        let sshd = try SSHServer()
        let other = try String(contentsOfFile: sshd.key("wrong_key.pub"), encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let (r, _) = try run(
            sshd, table: "ssh_rows",
            extra: [
                "ssh_private_key": sshd.key("user_ed25519"),
                "ssh_known_hosts": "[127.0.0.1]:\(sshd.port) \(other)"
            ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("the host key of the SSH host \(sshd.user)@127.0.0.1:\(sshd.port) does not match ssh_known_hosts"), "\(r.stderr)")
        #expect(!sshd.log.contains("Accepted publickey"), "sshd log: \(sshd.log.suffix(2000))")
    }

    /// `ED25519 SHA256:...` of a public key file.
    static func fingerprint(_ pubFile: String) throws -> String {
        let r = try Child.start("/usr/bin/ssh-keygen", ["-l", "-f", pubFile]).waitForExit(within: .seconds(20))
        let parts = r.stdout.split(separator: " ")
        guard r.status == 0, parts.count >= 4 else { throw TestFailure("ssh-keygen -l -f \(pubFile): \(r.stderr)") }
        return "\(parts.last!.trimmingCharacters(in: CharacterSet(charactersIn: "()\n"))) \(parts[1])"
    }

    @Test(
        "without ssh_known_hosts the first connect trusts the host key, keeps it in the config folder (0600) and logs its fingerprint",
        .enabled(if: available))
    func trustOnFirstUse() throws {
        let sshd = try SSHServer()
        try Self.createTable("ssh_rows_tofu", rows: 5)
        // A space and a %-token in the folder: ssh must still read and write this file.
        let config = try temporaryDirectory().appendingPathComponent("my config %h")
        let (first, out) = try run(sshd, table: "ssh_rows_tofu", extra: ["ssh_private_key": sshd.key("user_ed25519")], config: config)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Set(try Self.outboxIds(out)) == Set(1...5))
        let file = config.appendingPathComponent("known_hosts").path
        let known = try String(contentsOfFile: file, encoding: .utf8)
        let hostKey = try String(contentsOfFile: sshd.key("host_key.pub"), encoding: .utf8).split(separator: " ")[1]
        #expect(known.contains("[127.0.0.1]:\(sshd.port) ") && known.contains(hostKey), "known_hosts: \(known)")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let fingerprint = try Self.fingerprint(sshd.key("host_key.pub"))
        #expect(first.stderr.contains("trusting its host key \(fingerprint)"), "\(first.stderr)")
        // The second connect checks the kept key, quietly.
        let (second, _) = try run(sshd, table: "ssh_rows_tofu", extra: ["ssh_private_key": sshd.key("user_ed25519")], config: config)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!second.stderr.contains("trusting its host key"), "\(second.stderr)")
    }

    @Test(
        "a host key that changed since it was trusted fails before any login, naming the host and both fingerprints",
        .enabled(if: available))
    func changedHostKey() throws {
        let sshd = try SSHServer()
        let config = try temporaryDirectory()
        let other = try String(contentsOfFile: sshd.key("wrong_key.pub"), encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(sshd.port) \(other)\n".write(to: config.appendingPathComponent("known_hosts"), atomically: true, encoding: .utf8)
        let (r, _) = try run(sshd, table: "ssh_rows", extra: ["ssh_private_key": sshd.key("user_ed25519")], config: config)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("the host key of the SSH host 127.0.0.1:\(sshd.port) has changed"), "\(r.stderr)")
        #expect(r.stderr.contains(try Self.fingerprint(sshd.key("wrong_key.pub"))), "\(r.stderr)")
        #expect(r.stderr.contains(try Self.fingerprint(sshd.key("host_key.pub")).split(separator: " ")[1]), "\(r.stderr)")
        #expect(!sshd.log.contains("Accepted publickey"), "sshd log: \(sshd.log.suffix(2000))")
        // The kept key is not replaced.
        #expect(try String(contentsOf: config.appendingPathComponent("known_hosts"), encoding: .utf8).contains(other))
    }

    @Test(
        "tunnel params are checked with the original SDK's messages",
        arguments: [
            (["ssh_port": "70000"], "Port should be in range [0: 65535]"),
            (["ssh_host": ""], "SSH tunnel object should contain `ssh_host` property"),
            (["ssh_private_key": "", "ssh_password": ""], "SSH tunnel object should contain `ssh_private_key`")
        ])
    func validation(_ change: [String: String], _ message: String) throws {
        var params = [
            "host": "127.0.0.1", "database": "d", "user": "u", "table": "t", "ssh_tunnel": "true",
            "ssh_host": "127.0.0.1", "ssh_user": "me", "ssh_private_key": "/nonexistent"
        ]
        for (k, v) in change { params[k] = v }
        let args = ["check", "postgres"] + params.sorted { $0.key < $1.key }.flatMap { ["--param", "\($0.key)=\($0.value)"] }
        let r = try CLI.run(args, timeout: .seconds(60))
        #expect(r.status != 0)
        #expect(r.stderr.contains(message) || r.stdout.contains(message), "\(r.stdout) \(r.stderr)")
    }
}
