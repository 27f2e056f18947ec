import Foundation
import Testing
import PanoplyKit

/// `panoply sources/discover/check/run` with python:MODULE and singer:EXECUTABLE types,
/// through the built binary (the fixtures of PanoplyConnectorsTests).
@Suite("python: and singer: types on the command line",
       .enabled(if: ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"]?.isEmpty == false))
struct SubprocessCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PanoplyConnectorsTests/Fixtures")
    static var env: [String: String] {
        let python = ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"] ?? "python3"
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return ["PYTHONPATH": fixtures.appendingPathComponent("python").path, "PANOPLY_PYTHON": python,
                "PATH": fixtures.appendingPathComponent("singer").path + ":" + path]
    }

    @Test("sources --json shows a module's params: list kind, dependencies, category")
    func sourcesJSON() throws {
        let r = try CLI.run(["sources", "--json", "python:t_api", "singer:tap-three"], environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try JSONParser.parse(r.stdout).arrayValue)
        #expect(list.compactMap { $0[path: "type"]?.stringValue } == ["python:t_api", "singer:tap-three"])
        let params = list[0][path: "params"]?.arrayValue ?? []
        let regions = try #require(params.first { $0[path: "name"] == "regions" })
        #expect(regions[path: "kind"] == "list")
        #expect(regions[path: "dependencies"] == ["account"])
        #expect(params.first { $0[path: "name"] == "target" }?[path: "category"] == "advanced")
        #expect(list[1][path: "params"]?.arrayValue?.first { $0[path: "name"] == "streams" }?[path: "kind"] == "list")
    }

    @Test("discover lists resources and the values of lists whose dependencies are given")
    func discover() throws {
        let r = try CLI.run(["discover", "python:t_api", "--param", "account=acme", "--json"], environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONParser.parse(r.stdout)
        #expect(o[path: "resources"]?.arrayValue?.compactMap { $0[path: "id"]?.stringValue } == ["items", "audit"])
        #expect(o[path: "values.regions"]?.arrayValue?.compactMap { $0[path: "value"]?.stringValue } == ["eu", "us", "ap"])
        let streams = try CLI.run(["discover", "singer:tap-three", "--param", "rows=3"], environment: Self.env)
        #expect(streams.stdout.contains("streams: users, orders, events"), "\(streams.stderr)")
    }

    @Test("run delivers a module's records, comma-separated lists reach it, its prints are logged")
    func run() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["run", "python:t_fail", "--param", "mode=print", "--outbox", dir.appendingPathComponent("out").path],
                            environment: Self.env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("hello from print"))
        #expect(try outboxIds(dir.appendingPathComponent("out")) == [1, 2, 3, 4])
        let bad = try CLI.run(["run", "python:t_broken"], environment: Self.env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("does not import") && bad.stderr.contains("module_that_does_not_exist"))
        let check = try CLI.run(["check", "python:t_fail", "--param", "mode=print"], environment: Self.env)
        #expect(check.status == 0, "\(check.stderr)")
    }
}
