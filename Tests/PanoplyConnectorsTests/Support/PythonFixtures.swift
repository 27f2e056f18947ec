import Foundation
import PanoplyKit

@testable import PanoplyConnectors

/// The Python modules, Singer taps and the original SDK the subprocess tests use, and the
/// test venv's interpreter (`PANOPLY_TEST_PYTHON`, set by scripts/test.sh).
enum PythonFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    static var modules: String { folder + "/python" }
    static var originalSDK: String { folder + "/original-sdk" }
    static var singerTaps: String { folder + "/singer" }
    static var python: String? { serviceEnv("PANOPLY_TEST_PYTHON") }
    static var available: Bool { python != nil }

    /// The interpreter with the fixtures (and, when asked, the original SDK) on PYTHONPATH.
    static func interpreter(originalSDK: Bool) -> PythonInterpreter {
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = originalSDK ? "\(modules):\(Self.originalSDK)" : modules
        env["PANOPLY_SUBPROCESS_GRACE"] = "0.5"
        return PythonInterpreter(path: python, environment: env)
    }

    static func kind(_ module: String, originalSDK: Bool = false) throws -> SourceKind {
        try PythonSourceKind.kind(module: module, interpreter: interpreter(originalSDK: originalSDK))
    }

    /// The environment for taps: the test venv's bin and the fixture taps on PATH.
    static var tapEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        let venvBin = python.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? ""
        env["PATH"] = "\(singerTaps):\(venvBin):\(env["PATH"] ?? "/usr/bin:/bin")"
        env["PANOPLY_SUBPROCESS_GRACE"] = "0.5"
        return env
    }
}

extension RunHarness.Outcome {
    var retries: Int { events.filter { if case .retrying = $0 { true } else { false } }.count }
    var fired: [(String, JSONValue)] { events.compactMap { if case .fired(let t, let d) = $0 { (t, d) } else { nil } } }
}

extension JSONObject {
    /// A dotted path into the object (`singer.bookmarks.users`).
    subscript(path path: String) -> JSONValue? { JSONValue.object(self)[path: path] }
}
