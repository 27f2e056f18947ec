import Foundation
import Testing

@testable import PanoplyKit

/// The built `panoply` binary: PANOPLY_BIN (set by scripts/test.sh), or the one beside the test bundle.
enum PanoplyBinary {
    static var path: String? {
        if let p = ProcessInfo.processInfo.environment["PANOPLY_BIN"], !p.isEmpty { return p }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("panoply").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs the binary with output to files; kills it after `timeout`.
    static func run(_ args: [String], timeout: Duration) async throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(path, "the panoply binary was not found; set PANOPLY_BIN"))
        p.arguments = args
        p.currentDirectoryURL = dir
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        let deadline = ContinuousClock.now + timeout
        while p.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if p.isRunning {
            p.terminate()
            Issue.record("panoply \(args.first ?? "") did not finish within \(timeout)")
        }
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }
}

extension MotoIntegrationTests {
    @Test("panoply send of an NDJSON file of 100,000 records arrives whole, numbers exact")
    func panoplySend() async throws {
        let sqs = SQSTestClient(endpoint: Moto.url!)
        let queue = try await sqs.createQueue(queueName("send"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-send-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: file) }
        var text = ""
        text.reserveCapacity(Self.total * 80)
        for i in 1...Self.total {
            text += #"{"id":\#(i),"name":"n-\#(i)","big":12345678901234567890,"small":1e-07,"f":2.50}"# + "\n"
        }
        try text.write(to: file, atomically: false, encoding: .utf8)

        let r = try await PanoplyBinary.run(
            [
                "send", "events", "--file", file.path, "--queue-url", queue,
                "--api-key", Fixture.apiKey, "--api-secret", Fixture.apiSecret,
                "--aws-access-key-id", Moto.aws.accessKeyId, "--aws-secret-access-key", Moto.aws.secretAccessKey
            ], timeout: .seconds(300))
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasPrefix("records=\(Self.total) messages="), "stdout: \(r.stdout)")
        #expect(summary.contains(" errors=0 "), "stdout: \(r.stdout)")

        let drained = try await sqs.drain(queue, expected: Self.total)
        #expect(drained.records == Self.total)
        #expect(drained.missing == 0)
        #expect(drained.duplicates == 0)
        #expect(drained.tables == ["events"])
        let first = try #require(drained.first?.objectValue)
        #expect(first["big"].map { JSONWriter.string($0) } == "12345678901234567890")
        #expect(first["small"].map { JSONWriter.string($0) } == "1e-07")
        #expect(first["f"].map { JSONWriter.string($0) } == "2.50")
        #expect(drained.attributes?["key"]?[path: "StringValue"]?.stringValue == Fixture.apiKey)
        print("panoply send: \(summary)")
        await sqs.deleteQueue(queue)
    }
}
