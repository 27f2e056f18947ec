import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

@Suite("JSON Lines source")
struct JSONLSourceTests {
    static func line(_ i: Int) -> String {
        "{\"id\":\(i),\"price\":\(i).10,\"big\":1234567890123456789012\(i),\"tags\":[\"a\",\"b\"],\"nested\":{\"ok\":true}}"
    }

    @Test("a run delivers every line as an object, numbers exactly as written")
    func deliversEveryLine() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("events.jsonl")
        // CRLF endings, a blank line, no newline at the very end.
        let text = (1...2000).map(Self.line).joined(separator: "\r\n").replacingOccurrences(of: "\r\n{\"id\":7,", with: "\r\n\n{\"id\":7,")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try await h.run(JSONLSource.self, ["path": file], batchSize: 128)
        #expect(outcome.summary.status == .done)
        let records = try h.delivered()
        #expect(holdsEachOnce(ids(records), 2000))
        let r = try #require(records.first { $0["id"]?.intValue == 42 })
        #expect(r["price"]?.description == "42.10")
        #expect(r["big"]?.description == "123456789012345678901242")
        #expect(r["nested"]?[path: "ok"] == true)
    }

    @Test("a bad line fails the run naming its line number; fixed, the run resumes and delivers every line")
    func badLineThenResume() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("events.jsonl")
        var lines = (1...1000).map(Self.line)
        lines[700] = "{\"id\": 701, oops}"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)

        let first = try await h.run(JSONLSource.self, ["path": file], batchSize: 64)
        #expect(first.summary.status == .failed)
        let error = try #require(first.summary.error)
        #expect(error.retryable == false)
        #expect(error.message.hasPrefix("'\(file)' line 701: invalid JSON"))
        let before = try h.deliveredIds()
        #expect(before.count == 640)

        lines[700] = Self.line(701)
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let second = try await h.run(JSONLSource.self, ["path": file], batchSize: 64)
        #expect(second.summary.status == .done)
        #expect(holdsEachOnce(try h.deliveredIds(), 1000))
        #expect(try h.savedState()?["jsonl"]?[path: "line"]?.intValue == 1000)
    }

    @Test("a line that is not an object is an error that says what it is")
    func notAnObject() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("x.jsonl")
        try "{\"id\":1}\n[1,2]\n".write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try await h.run(JSONLSource.self, ["path": file])
        #expect(outcome.summary.error?.message == "'\(file)' line 2: expected a JSON object, got an array")
        #expect(try h.deliveredIds().isEmpty)
    }
}
