import Foundation
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

    @Test("it is written once to the cache folder, under a name with its hash")
    func installsOnce() throws {
        let cache = NSTemporaryDirectory() + "panoply-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let path = try PythonRunnerScript.install(environment: ["XDG_CACHE_HOME": cache])
        #expect(path.hasPrefix(cache + "/panoply/panoply_runner-"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == PythonRunnerScript.source)
        #expect(try PythonRunnerScript.install(environment: ["XDG_CACHE_HOME": cache]) == path)
    }
}
