import Foundation
import PanoplyKit

#if canImport(Glibc)
    import Glibc
#endif

extension SSHTunnel {
    /// Waits until ssh listens on the local port (after authenticating), or fails with what
    /// ssh said when it exits first.
    func waitUntilForwarding(deadline: Duration = .seconds(30)) async throws {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if !processIsRunning { throw failure() }
            if Self.listening(localPort) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw PanoplyError(.transient, "the SSH tunnel through \(settings.display) did not open within \(deadline) (no answer from the SSH host?)", code: 408)
    }

    /// What ssh's exit means, naming the SSH host (not the database).
    func failure() -> PanoplyError {
        let said = sshLog.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Warning: Permanently added") }.suffix(3).joined(separator: "; ")
        let lower = said.lowercased()
        let host = settings.display
        if lower.contains("permission denied") || lower.contains("authentication") || lower.contains("too many authentication failures") {
            let what = settings.privateKey != nil ? "ssh_private_key" : "ssh_password"
            return PanoplyError(.auth, "SSH authentication failed at \(host): \(said) (check ssh_user and \(what))", code: 401, retryable: false)
        }
        if lower.contains("host key verification failed") || lower.contains("no matching host key") || lower.contains("host key for") {
            if let trustFile { return changedHostKey(trustFile) }
            return PanoplyError(.auth, "the host key of the SSH host \(host) does not match ssh_known_hosts: \(said)", code: 403, retryable: false)
        }
        if lower.contains("could not resolve hostname") {
            return PanoplyError(.config, "cannot resolve the SSH host \(settings.host): \(said) (check ssh_host)", retryable: false)
        }
        if lower.contains("forwarding") || lower.contains("bind") {
            return PanoplyError(.transient, "the SSH host \(host) refused the port forward: \(said)")
        }
        return PanoplyError(.transient, "cannot open the SSH tunnel through \(host): \(said.isEmpty ? "ssh exited" : said)", code: 408)
    }

    /// The host's key differs from the one trusted on first use.
    private func changedHostKey(_ trustFile: String) -> PanoplyError {
        let known = trustedBefore.isEmpty ? "(none)" : trustedBefore.joined(separator: ", ")
        let offered = SSHHostTrust.offeredFingerprint(in: sshLog) ?? "(ssh did not say)"
        return PanoplyError(
            .auth,
            "the host key of the SSH host \(settings.host):\(settings.port) has changed: \(trustFile) trusts \(known), "
                + "the host now offers \(offered). If the host was rebuilt, remove the old key with "
                + "ssh-keygen -R '\(hostSpec)' -f \(trustFile) (or give ssh_known_hosts); otherwise someone may be "
                + "intercepting the connection", code: 403, retryable: false)
    }

    private var sshLog: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    static func listening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
