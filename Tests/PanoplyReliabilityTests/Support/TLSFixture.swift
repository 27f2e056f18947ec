import Foundation
import Testing

/// nginx terminating TLS in front of moto, with the throwaway CA of scripts/services/certs.sh
/// (started by scripts/services/nginx.sh).
enum TLSFixture {
    static let env = ProcessInfo.processInfo.environment
    static let dir = env["PANOPLY_TEST_TLS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    static let goodURL = env["PANOPLY_TEST_TLS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var available: Bool { Moto.available && dir != nil && goodURL != nil }
    static let skipMessage: Comment = "PANOPLY_TEST_TLS_URL is not set: start certs.sh, moto.sh and nginx.sh from scripts/services (scripts/test.sh does)"

    static var caFile: String { "\(dir ?? "/nonexistent")/ca.pem" }

    /// The moto queue `motoQueueURL`, reached through nginx at `origin` (https://127.0.0.1:PORT).
    static func queueURL(_ motoQueueURL: String, origin: String) -> String {
        guard let queue = URLComponents(string: motoQueueURL), let o = URLComponents(string: origin) else { return motoQueueURL }
        var c = queue
        c.scheme = o.scheme
        c.host = o.host
        c.port = o.port
        return c.string ?? motoQueueURL
    }

    static func origin(_ name: String) throws -> String {
        guard let v = env[name], !v.isEmpty else { throw TestFailure("\(name) is not set (scripts/services/nginx.sh)") }
        return v
    }
}

/// scripts/fixtures/connect_proxy.py: a forward proxy that prints one line per tunnel.
final class ConnectProxy: Sendable {
    let child: Child
    let port: Int

    init() throws {
        let script = repositoryRoot.appendingPathComponent("scripts/fixtures/connect_proxy.py").path
        let child = try Child.start("/usr/bin/env", ["python3", "-u", script])
        self.child = child
        try waitUntil("the CONNECT proxy to listen", within: .seconds(30)) {
            if !child.isRunning { throw TestFailure("connect_proxy.py exited: \(child.stderr)") }
            return child.stdout.contains("\n")
        }
        guard let p = child.stdout.split(separator: "\n").first.flatMap({ Int($0) }) else {
            throw TestFailure("connect_proxy.py printed '\(child.stdout)'")
        }
        port = p
    }

    deinit { child.kill9() }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The CONNECT requests the proxy has seen.
    var tunnels: [String] { child.stdout.split(separator: "\n").dropFirst().filter { $0.hasPrefix("CONNECT ") }.map(String.init) }
}
