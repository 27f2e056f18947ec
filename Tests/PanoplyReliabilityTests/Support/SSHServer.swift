import Foundation
import PanoplyConnectors

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's sshd on 127.0.0.1 with a throwaway host key and user keys (RSA and Ed25519
/// authorized, one Ed25519 key not), logging at DEBUG1 so each forwarded channel shows.
/// sshd runs as a ``SpawnedProcess``, not a Foundation `Process`: sshd closes its inherited
/// descriptors at startup, and under `Process` that stops the exit of every other child of
/// the test process (the `panoply` runs) from being reported while sshd lives.
final class SSHServer: @unchecked Sendable {
    static let binary = "/usr/sbin/sshd"
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")
    }

    let dir: URL
    let port: Int
    private var process: SpawnedProcess?
    let user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: getpwuid(getuid()).pointee.pw_name)

    init() throws {
        dir = try temporaryDirectory()
        port = Self.freePort()
        for (name, type) in [("host_key", "ed25519"), ("user_rsa", "rsa"), ("user_ed25519", "ed25519"), ("wrong_key", "ed25519")] {
            try Self.sh("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", name, "-f", dir.appendingPathComponent(name).path])
        }
        let authorized = try ["user_rsa", "user_ed25519"].map { try String(contentsOf: dir.appendingPathComponent("\($0).pub"), encoding: .utf8) }.joined()
        try authorized.write(to: dir.appendingPathComponent("authorized_keys"), atomically: true, encoding: .utf8)
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(dir.path)/host_key
            PidFile \(dir.path)/sshd.pid
            AuthorizedKeysFile \(dir.path)/authorized_keys
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            AllowTcpForwarding yes
            LogLevel DEBUG1

            """
        try config.write(to: dir.appendingPathComponent("sshd_config"), atomically: true, encoding: .utf8)
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        let sshd = try SpawnedProcess(
            Self.binary, ["-D", "-f", dir.appendingPathComponent("sshd_config").path, "-E", logPath],
            environment: ProcessInfo.processInfo.environment)
        process = sshd
        try waitUntil("sshd to listen on 127.0.0.1:\(port)", within: .seconds(20)) {
            guard sshd.isRunning else { throw TestFailure("sshd exited: \(log)") }
            return Self.accepts(port)
        }
    }

    deinit {
        process?.signal(SIGKILL)
        process?.wait()
        try? FileManager.default.removeItem(at: dir)
    }

    var logPath: String { dir.appendingPathComponent("sshd.log").path }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    func key(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A known_hosts line for this server's host key.
    var knownHosts: String {
        let pub = (try? String(contentsOf: dir.appendingPathComponent("host_key.pub"), encoding: .utf8)) ?? ""
        let parts = pub.split(separator: " ")
        return "[127.0.0.1]:\(port) \(parts.prefix(2).joined(separator: " "))"
    }

    /// Lines of the log for channels forwarded to `targetPort`.
    func forwardedChannels(to targetPort: Int) -> [String] {
        log.split(separator: "\n").filter { $0.contains("direct_tcpip") && $0.contains("target 127.0.0.1 port \(targetPort)") }.map(String.init)
    }

    static func sh(_ path: String, _ args: [String], environment: [String: String] = [:]) throws {
        let exit = try Child.start(path, args, environment: environment).waitForExit(within: .seconds(60))
        guard exit.status == 0 else { throw TestFailure("\(path) failed (\(exit.status)): \(exit.stderr)") }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
