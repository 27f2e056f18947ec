import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// A source's process (a Singer tap, a Python module) gets the environment it needs, never
/// the workspace's key or URL (the URL may hold the workspace's password).
@Suite("Subprocess environment")
struct SubprocessEnvironmentTests {
    @Test("a tap sees its own variables but not PANOPLY_WORKSPACE_KEY or PANOPLY_WORKSPACE")
    func workspaceSecretsWithheld() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let tap = try ScriptTap(
            in: h.path("bin"),
            body: #"""
                printf '{"type": "RECORD", "stream": "s", "record": {"id": 1, "v": "%s|%s|%s"}}\n' \
                  "${PANOPLY_WORKSPACE_KEY:-absent}" "${PANOPLY_WORKSPACE:-absent}" "${TAP_SETTING:-absent}"
                """#)
        var env = PythonFixtures.tapEnvironment
        env["PANOPLY_WORKSPACE_KEY"] = "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0uLi4uLi4uLi4="
        env["PANOPLY_WORKSPACE"] = "postgres://panoply:hunter2@db/panoply"
        env["TAP_SETTING"] = "kept"
        let kind = try SingerSourceKind.kind(executable: tap.path, environment: env)
        let out = try await h.run(kind, ["config": "{}"], batchSize: 10)
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error))")
        #expect(try h.delivered().map { $0["v"] } == ["absent|absent|kept"])
    }

    static let secrets = [
        "PANOPLY_WORKSPACE_KEY": "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0uLi4uLi4uLi4=",
        "PANOPLY_WORKSPACE": "postgres://panoply:hunter2@db/panoply"
    ]

    @Test("a tap's --about and --discover (run to find its streams) get no workspace key or URL either")
    func discoveryWithheld() throws {
        let h = try RunHarness()
        defer { h.remove() }
        let seen = h.path("seen.env")
        let tap = try ScriptTap(in: h.path("bin"), name: "tap-env", body: "exit 0")
        // Every invocation appends its environment to a file before the tap's own script runs.
        let script = try String(contentsOfFile: tap.path, encoding: .utf8)
            .replacingOccurrences(of: "#!/bin/sh\n", with: "#!/bin/sh\nenv >> '\(seen)'\n")
        try script.write(toFile: tap.path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tap.path)
        let env = PythonFixtures.tapEnvironment.merging(Self.secrets) { $1 }
        _ = try SingerSourceKind.kind(executable: tap.path, environment: env)
        let text = try String(contentsOfFile: seen, encoding: .utf8)
        #expect(text.contains("PATH="), "the tap ran: \(text.prefix(200))")
        #expect(!text.contains("PANOPLY_WORKSPACE"), "\(text)")
    }

    @Test("a Python module read for its CONFIG gets no workspace key or URL", .enabled(if: PythonFixtures.available))
    func pythonDescribeWithheld() throws {
        let h = try RunHarness()
        defer { h.remove() }
        let seen = h.path("seen.env")
        let module = "t_env_\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: h.path("py"), withIntermediateDirectories: true)
        let body = """
            import os, json
            open(\(JSONWriter.string(.string(seen))), "w").write(json.dumps(sorted(os.environ)))
            CONFIG = {"title": "Env", "params": []}
            class Source:
                def __init__(self, source, options): pass
                def read(self, n=None): return None
            """
        try body.write(toFile: h.path("py/\(module).py"), atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment.merging(Self.secrets) { $1 }
        env["PYTHONPATH"] = h.path("py")
        _ = try? PythonSourceKind.kind(module: module, interpreter: PythonInterpreter(path: PythonFixtures.python, environment: env))
        let names = try String(contentsOfFile: seen, encoding: .utf8)
        #expect(names.contains("PYTHONPATH"), "the module ran: \(names.prefix(200))")
        #expect(!names.contains("PANOPLY_WORKSPACE"), "\(names)")
    }
}
