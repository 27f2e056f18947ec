import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// scripts/faultproxy.py in front of moto: 127.0.0.1 only, ends with the test (or after
/// ten minutes at the latest).
final class FaultProxy: Sendable {
    let child: Child
    let dataPort: Int
    let controlPort: Int

    init(upstream: String, maxSeconds: Int = 600) throws {
        let script = repositoryRoot.appendingPathComponent("scripts/faultproxy.py").path
        let child = try Child.start("/usr/bin/env", ["python3", script, "--upstream", upstream, "--max-seconds", String(maxSeconds)])
        self.child = child
        var line = ""
        try waitUntil("faultproxy to listen", within: .seconds(30)) {
            line = child.stdout
            if !child.isRunning { throw TestFailure("faultproxy exited: \(child.stderr)") }
            return line.contains("\n")
        }
        func port(_ key: String) -> Int? {
            line.split(separator: " ").first { $0.hasPrefix("\(key)=") }
                .flatMap { Int($0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let d = port("data"), let c = port("control") else { throw TestFailure("faultproxy printed '\(line)'") }
        dataPort = d
        controlPort = c
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(dataPort)" }

    /// The same queue, reached through the proxy.
    func queueURL(_ motoQueueURL: String) -> String {
        guard var c = URLComponents(string: motoQueueURL) else { return motoQueueURL }
        c.host = "127.0.0.1"
        c.port = dataPort
        return c.string ?? motoQueueURL
    }

    /// Starts a fault: `count` requests (0: no limit) and/or `seconds` (0: no limit).
    @discardableResult
    func fault(_ mode: String, count: Int = 0, seconds: Double = 0, hold: Double = 0) async throws -> [String: Any] {
        try await control("/fault?mode=\(mode)&count=\(count)&seconds=\(seconds)&hold=\(hold)")
    }

    @discardableResult
    func pass() async throws -> [String: Any] { try await control("/pass") }

    func stats() async throws -> [String: Any] { try await control("/stats") }

    private func control(_ path: String) async throws -> [String: Any] {
        let url = URL(string: "http://127.0.0.1:\(controlPort)\(path)")!
        let (data, response) = try await URLSession.shared.data(from: url)
        guard (response as? HTTPURLResponse)?.statusCode == 200,
            let o = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw TestFailure("faultproxy \(path): \(String(decoding: data, as: UTF8.self))")
        }
        return o
    }

    func stop() {
        child.closeInput()
        child.kill9()
    }
}
