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
}
