import Foundation
import PanoplyKit
import Synchronization

/// Trust on first use for SSH hosts reached without `ssh_known_hosts`: their keys are kept
/// in one known_hosts file beside the saved sources (the config folder's `known_hosts`,
/// mode 0600), and OpenSSH checks them with `StrictHostKeyChecking=accept-new`. The first
/// connect records the key; a later connect to a host whose key changed fails, naming the
/// host and both fingerprints. `ssh_known_hosts` still wins: it is the way for runners that
/// start empty (containers, CronJob pods).
public enum SSHHostTrust {
    private static let override = Mutex<String?>(nil)

    /// The known_hosts file used without `ssh_known_hosts`: the one set with
    /// ``setKnownHostsFile(_:)``, else `known_hosts` in the config folder
    /// (`PANOPLY_CONFIG_DIR`, `$XDG_CONFIG_HOME/panoply`, `~/.config/panoply`).
    public static func knownHostsFile(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let set = override.withLock({ $0 }) { return set }
        let dir: String
        if let d = env["PANOPLY_CONFIG_DIR"], !d.isEmpty {
            dir = d
        } else if let x = env["XDG_CONFIG_HOME"], !x.isEmpty {
            dir = x + "/panoply"
        } else {
            dir = (env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.config/panoply"
        }
        return dir + "/known_hosts"
    }

    /// Keeps the host keys in `path` from now on (a command given `--config-dir DIR` sets
    /// `DIR/known_hosts`); nil goes back to the default.
    public static func setKnownHostsFile(_ path: String?) {
        override.withLock { $0 = path }
    }

    /// How known_hosts names a host: `host`, or `[host]:port` off port 22.
    static func hostSpec(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// Creates the file (and its folder, 0700) when missing, with mode 0600.
    /// - Throws: ``PanoplyError`` (config) when it cannot be created.
    static func prepare(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PanoplyError.config("cannot create \(dir) for the SSH host keys (\(error.localizedDescription)); give ssh_known_hosts instead")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PanoplyError.config("cannot open the SSH known hosts file \(path) (\(String(cString: strerror(errno)))); give ssh_known_hosts instead")
        }
        fchmod(fd, 0o600)
        close(fd)
    }

    /// The fingerprints (`ED25519 SHA256:...`) `path` holds for `spec`; empty when none.
    static func fingerprints(of spec: String, in path: String) -> [String] {
        guard
            let keygen = ["/usr/bin/ssh-keygen", "/usr/local/bin/ssh-keygen", "/bin/ssh-keygen"]
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }),
            let out = try? run(keygen, ["-l", "-F", spec, "-f", path])
        else { return [] }
        // "[127.0.0.1]:2222 ED25519 SHA256:abc" (after a "# Host ... found" comment line).
        return out.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 3 else { return nil }
            return "\(parts[1]) \(parts[2])"
        }
    }

    /// The fingerprint ssh says the host offered, from its log ("... key sent by the remote
    /// host is\nSHA256:...").
    static func offeredFingerprint(in log: String) -> String? {
        guard let r = log.range(of: #"SHA256:[A-Za-z0-9+/=]+"#, options: .regularExpression) else { return nil }
        var type = ""
        if let t = log.range(of: #"for the ([A-Z0-9-]+) key sent by the remote host"#, options: .regularExpression) {
            type = log[t].split(separator: " ").dropFirst(2).first.map { "\($0) " } ?? ""
        }
        return type + log[r]
    }

    /// Standard output of a short command; nil when it fails or cannot start.
    private static func run(_ path: String, _ args: [String]) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
