import Foundation
import PanoplyKit

/// One host of scripts/fixtures/redirect_fixture.py: `/redirect?to=URL` answers 302,
/// `/items?total=N` answers records, and `seen()` gives the headers of every request it got.
/// Ends when the test drops it (its stdin closes).
final class RedirectHost: @unchecked Sendable {
    private let process = Process()
    private let stdin = Pipe()
    let origin: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/fixtures/redirect_fixture.py").path

    /// - Parameters:
    ///   - host: the loopback address to listen on (127.0.0.2 is another host for the client).
    ///   - tls: the certificate and key files to serve https with.
    init(host: String = "127.0.0.1", tls: (cert: String, key: String)? = nil) throws {
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--host", host] + (tls.map { ["--cert", $0.cert, "--key", $0.key] } ?? [])
        process.standardOutput = out
        process.standardInput = stdin
        // Not inherited: a child holding the test runner's stderr would keep `swift test` waiting.
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw RedirectHostError(message: "redirect_fixture.py did not start on \(host)")
        }
        origin = "\(tls == nil ? "http" : "https")://\(host):\(port)"
    }

    /// The URL of `/redirect` sending the client to `target`.
    func redirect(to target: String) -> String {
        "\(origin)/redirect?to=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? target)"
    }

    /// The headers of each request so far (names in lower case), in order.
    func seen(network: NetworkSettings = NetworkSettings()) async throws -> [(path: String, headers: [String: String])] {
        let response = try await WebClient(network: network).get(URL(string: "\(origin)/seen")!, headers: [])
        guard case .array(let items) = try JSONParser.parse(response.body) else { return [] }
        return items.map { value in
            let item = value.objectValue ?? [:]
            let headers = item["headers"]?.objectValue ?? [:]
            var named: [String: String] = [:]
            for (name, value) in headers { named[name] = value.stringValue }
            return (item["path"]?.stringValue ?? "", named)
        }
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.terminate()
    }
}

struct RedirectHostError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
