import Foundation
import PanoplyKit

#if canImport(Glibc)
    import Glibc
#endif

/// A local port forwarded through an SSH host to a database, by the system OpenSSH client
/// (`ssh -N -L 127.0.0.1:LOCAL:dbhost:dbport`). OpenSSH reads every key type and format
/// (RSA, Ed25519, ECDSA; OpenSSH and PEM files) and checks host keys against known_hosts;
/// swift-nio-ssh has no RSA keys and no key-file parser. Opened once per source, closed
/// with it; the key and known_hosts go to a private temp folder (0700, files 0600) that is
/// removed on close. A password goes to ssh through SSH_ASKPASS (a script that prints an
/// environment variable of the ssh process), so it is never on a command line and needs
/// no extra package (sshpass). Without `ssh_known_hosts`, host keys are trusted on first use
/// and kept in the config folder (``SSHHostTrust``).
final class SSHTunnel: @unchecked Sendable {
    let settings: SSHTunnelSettings
    /// The forwarded port on 127.0.0.1.
    let localPort: Int
    /// ssh, spawned and reaped here rather than by Foundation's `Process`: ssh closes every
    /// inherited descriptor at startup, which blocks `Process`'s exit reporting for every
    /// other child of the program while ssh runs (see ``SpawnedProcess``).
    /// Set once in `init`, before the tunnel is shared.
    private var process: SpawnedProcess?
    private let folder: URL
    private let lock = NSLock()
    private var closed = false
    /// The known_hosts file of trust on first use (nil when ssh_known_hosts is given).
    private(set) var trustFile: String?
    /// The fingerprints the trust file held for the host before this connect.
    private(set) var trustedBefore: [String] = []
    /// Whether ssh still runs (without reaping it).
    var processIsRunning: Bool { process?.isRunning ?? false }
    var logPath: String { folder.appendingPathComponent("ssh.log").path }

    /// Starts ssh and waits until the forward accepts connections.
    /// - Throws: ``PanoplyError``: auth (a rejected key or password, a host key that does
    ///   not match), transient (the SSH host cannot be reached), config (ssh missing).
    /// - Parameter log: told the fingerprint of a host key trusted on first use.
    init(_ settings: SSHTunnelSettings, targetHost: String, targetPort: Int, log: @Sendable (String) -> Void = { _ in }) async throws {
        self.settings = settings
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-ssh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        localPort = Self.freePort()
        do {
            process = try start(targetHost: targetHost, targetPort: targetPort)
            try await waitUntilForwarding()
            logFirstUse(log)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Stops ssh and removes the temp files (safe to call twice).
    func close() {
        lock.lock(); defer { lock.unlock() }
        if !closed, let process {
            // SIGKILL: ssh has nothing to flush (the database connection is closed first).
            process.signal(SIGKILL)
            process.wait()
        }
        closed = true
        try? FileManager.default.removeItem(at: folder)
    }

    /// Spawns `ssh -N -L ...`, its stderr going to ssh.log in the private folder.
    private func start(targetHost: String, targetPort: Int) throws -> SpawnedProcess {
        guard let ssh = Self.findSSH() else {
            throw PanoplyError.config("the SSH tunnel needs the OpenSSH client (`ssh`); install it (apt-get install openssh-client)")
        }
        var args = [
            "-N", "-T", "-p", String(settings.port),
            "-L", "127.0.0.1:\(localPort):\(targetHost):\(targetPort)",
            "-o", "ExitOnForwardFailure=yes", "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=15",
            "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null"
        ]
        args += try hostKeyOptions()
        var env = ProcessInfo.processInfo.environment.withoutWorkspaceSecrets.filter { !$0.key.hasPrefix("SSH_") }
        if let key = settings.privateKey {
            args += ["-i", try write("id", Self.keyText(key)), "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey"]
        } else if let password = settings.password {
            let askpass = try write("askpass.sh", "#!/bin/sh\nprintf '%s\\n' \"$PANOPLY_SSH_PASSWORD\"\n", mode: 0o700)
            env["SSH_ASKPASS"] = askpass
            env["SSH_ASKPASS_REQUIRE"] = "force"
            env["DISPLAY"] = env["DISPLAY"] ?? ":0"
            env["PANOPLY_SSH_PASSWORD"] = password
            args += ["-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1", "-o", "PubkeyAuthentication=no"]
        }
        args.append("\(settings.user)@\(settings.host)")
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw PanoplyError.config("cannot write the SSH tunnel's log to \(folder.path)") }
        defer { Glibc.close(log) }
        return try SpawnedProcess(ssh, args, environment: env, stderr: log)
    }

    /// Checked against ssh_known_hosts when given; otherwise trusted on first use and kept
    /// in the config folder's known_hosts (``SSHHostTrust``), never in the user's own.
    private func hostKeyOptions() throws -> [String] {
        guard let known = settings.knownHosts else {
            let file = SSHHostTrust.knownHostsFile()
            try SSHHostTrust.prepare(file)
            trustFile = file
            trustedBefore = SSHHostTrust.fingerprints(of: hostSpec, in: file)
            return [
                "-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=\(Self.configPath(file))", "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "HashKnownHosts=no", "-o", "UpdateHostKeys=no", "-o", "CheckHostIP=no"
            ]
        }
        let file = FileManager.default.fileExists(atPath: known) ? known : try write("known_hosts", known.hasSuffix("\n") ? known : known + "\n")
        return ["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(Self.configPath(file))", "-o", "GlobalKnownHostsFile=/dev/null"]
    }

    /// A path as an ssh_config value: quoted (the option takes a whitespace-separated list)
    /// and `%` escaped (ssh expands %-tokens in it).
    static func configPath(_ path: String) -> String {
        "\"" + path.replacingOccurrences(of: "%", with: "%%") + "\""
    }

    /// How known_hosts names the SSH host.
    var hostSpec: String { SSHHostTrust.hostSpec(host: settings.host, port: settings.port) }

    /// Logs the fingerprint of a host key this connect trusted for the first time.
    private func logFirstUse(_ log: @Sendable (String) -> Void) {
        guard let trustFile, trustedBefore.isEmpty else { return }
        let now = SSHHostTrust.fingerprints(of: hostSpec, in: trustFile)
        log(
            "ssh: first connection to \(settings.host):\(settings.port); trusting its host key \(now.first ?? "(unknown)") "
                + "from now on (kept in \(trustFile); give ssh_known_hosts to pin keys instead)")
    }

    /// A key given as a path is read from the file; a key pasted without its line breaks
    /// (as the original's form sent it) gets them back.
    static func keyText(_ key: String) throws -> String {
        var text = key
        if !key.contains("-----BEGIN"), FileManager.default.fileExists(atPath: key) {
            text = try String(contentsOfFile: key, encoding: .utf8)
        }
        text = text.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\r\n", with: "\n")
        guard text.contains("-----BEGIN"), text.contains("PRIVATE KEY-----") else {
            throw PanoplyError.config("ssh_private_key is not a private key (expected -----BEGIN ... PRIVATE KEY----- text or a path to a key file)")
        }
        return text.hasSuffix("\n") ? text : text + "\n"
    }

    private func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw PanoplyError.config("cannot write the SSH tunnel's \(name) to \(folder.path)")
        }
        return url.path
    }

    private static func findSSH() -> String? {
        ["/usr/bin/ssh", "/usr/local/bin/ssh", "/bin/ssh"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A port on 127.0.0.1 that nothing listens on now (ExitOnForwardFailure catches a race).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
