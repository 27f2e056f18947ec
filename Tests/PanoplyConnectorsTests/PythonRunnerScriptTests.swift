import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

@Suite("The embedded Python runner")
struct PythonRunnerScriptTests {
    @Test("the embedded text is scripts/python/panoply_runner.py (run scripts/python/generate.sh after editing it)")
    func embeddedMatchesScript() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = try String(contentsOf: root.appendingPathComponent("scripts/python/panoply_runner.py"), encoding: .utf8)
        #expect(PythonRunnerScript.source == script)
    }

    @Test("the interpreter gets the runner as text (-c), never a file to read")
    func passedAsText() {
        #expect(PythonRunnerScript.arguments(module: "my.module") == ["-u", "-c", PythonRunnerScript.source, "my.module"])
    }

    @Test(
        "a json.py in the current folder does not shadow the standard library under -c",
        .enabled(if: PythonFixtures.available))
    func currentFolderNotOnPath() throws {
        let dir = NSTemporaryDirectory() + "panoply-cwd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/shadowed"
        try "open(\(JSONWriter.string(.string(marker))), 'w').write('x')\nraise SystemExit(4)\n"
            .write(toFile: dir + "/json.py", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(PythonFixtures.python))
        p.arguments = PythonRunnerScript.arguments(module: "t_text")
        p.environment = PythonFixtures.interpreter(originalSDK: false).environment
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: marker))
        let hello = try #require(try JSONParser.parse(String(text.split(separator: "\n").first ?? "")).objectValue)
        #expect(hello["type"] == "hello" && hello["error"] == nil, "\(text)")
    }

    @Test("only a module's exception that says so is retried: the runner's own errors and unsaid ones are not")
    func errorClassification() {
        func error(_ e: JSONObject) -> PanoplyError { PythonChannel.error(e, module: "m", onEvent: { _ in }) }
        let encoding = error([
            "kind": "encoding", "exception": "EncodingError", "message": "cannot encode record 3 (number 2 in batch 2) as JSON: x",
            "retryable": true
        ])
        #expect(encoding.retryable == false)
        #expect(encoding.message == "python:m: cannot encode record 3 (number 2 in batch 2) as JSON: x")
        #expect(error(["kind": "exception", "exception": "ValueError", "message": "x"]).retryable == false)
        #expect(error(["kind": "something new", "exception": "ValueError", "message": "x", "retryable": true]).retryable == false)
        #expect(error(["kind": "exception", "exception": "PanoplyException", "message": "busy", "retryable": true]).retryable == true)
        #expect(error(["kind": "exception", "exception": "PanoplyException", "message": "gone", "retryable": false]).retryable == false)
        let unsupported = error(["kind": "unsupported", "exception": "Unsupported", "message": "m does not list resources", "retryable": false])
        #expect(unsupported.code == 501 && !unsupported.retryable)
    }
}
