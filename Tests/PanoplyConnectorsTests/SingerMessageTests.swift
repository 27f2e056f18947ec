import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// What a tap writes on stdout: records with the non-finite numbers of Python's
/// `json.dumps`, lines that start like a message but do not parse, and log lines.
@Suite("Singer messages (singer:EXECUTABLE)", .enabled(if: PythonFixtures.available))
struct SingerMessageTests {
    @Test("RECORDs with NaN, -Infinity and Infinity (as json.dumps writes them) are delivered with those words as strings")
    func nonFiniteNumbers() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let python = try #require(PythonFixtures.python)
        // singer-python's format_message is json.dumps with its defaults (allow_nan=True).
        let tap = try ScriptTap(
            in: h.path("bin"),
            body: """
                exec "\(python)" - <<'PY'
                import json
                def out(m): print(json.dumps(m), flush=True)
                def record(i, v): out({"type": "RECORD", "stream": "s", "record": {"id": i, "v": v}})
                def state(n): out({"type": "STATE", "value": {"bookmarks": {"s": {"last_id": n}}}})
                record(1, 1); record(2, 1.5); state(2)
                print("a line that is not JSON stays a log line", flush=True)
                record(3, float("nan")); record(4, float("-inf")); state(4)
                record(5, [float("inf"), {"x": float("nan")}]); record(6, -2); state(6)
                PY
                """)
        let out = try await h.run(try tap.kind(), ["config": "{}"], batchSize: 2)
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error))")
        let records = try h.delivered()
        #expect(records.compactMap { $0["id"]?.intValue } == [1, 2, 3, 4, 5, 6])
        let values = records.map { $0["v"] ?? .null }
        #expect(values.count == 6)
        guard values.count == 6 else { return }
        #expect(values[0] == 1)
        #expect(values[1] == .number(try JSONNumber(text: "1.5")))
        #expect(values[2] == "NaN")
        #expect(values[3] == "-Infinity")
        #expect(values[4] == ["Infinity", ["x": "NaN"]])
        #expect(values[5] == -2)
        #expect(out.summary.state[path: "singer.bookmarks.s.last_id"] == 6)
        #expect(try h.savedState()?[path: "singer.bookmarks.s.last_id"] == 6)
        #expect(out.logs.contains { $0.contains("a line that is not JSON stays a log line") })
    }

    @Test(
        "a message line that does not parse, or a RECORD whose record is no object, fails the run; the state before it stays",
        arguments: [
            #"{"type": "RECORD", "stream": "s", "record": {"id": 3, "v": [1, 2"#,
            #"{"type": "RECORD", "stream": "s", "record": [3]}"#,
            #"{"stream": "s", "type": "RECORD", "record": {"id": 3, "v": nan}}"#
        ])
    func badMessage(_ line: String) async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let lines = [
            ScriptTap.record(1), ScriptTap.record(2), ScriptTap.state(2), line,
            ScriptTap.record(4), ScriptTap.record(5), ScriptTap.state(5)
        ]
        let tap = try ScriptTap(in: h.path("bin"), body: ScriptTap.emit(lines))
        let out = try await h.run(try tap.kind(), ["config": "{}"], batchSize: 2)
        #expect(out.summary.status == .failed)
        let error = try #require(out.summary.error)
        #expect(error.message.contains(String(line.prefix(40))), "\(error.message)")
        #expect(!error.retryable)
        let records = try h.delivered()
        #expect(records.compactMap { $0["id"]?.intValue } == [1, 2])
        #expect(out.summary.state[path: "singer.bookmarks.s.last_id"] == 2)
        #expect(try h.savedState()?[path: "singer.bookmarks.s.last_id"] == 2)
    }

    @Test("a tap whose --about lists no settings runs with the config {}")
    func noSettings() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        // The record's v is the config file the tap was given.
        let tap = try ScriptTap(
            in: h.path("bin"), about: #"{"name": "tap-plain", "settings": {"type": "object", "properties": {}}}"#,
            body: #"printf '{"type": "RECORD", "stream": "s", "record": {"id": 1, "v": %s}}\n' "$(cat "$2")""#)
        let kind = try tap.kind()
        #expect(kind.configuration.params.allSatisfy { !$0.required }, "\(kind.configuration.params.map(\.name))")
        #expect(kind.configuration.param("streams")?.dependencies == [])
        let out = try await h.run(kind, [:])
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error))")
        let records = try h.delivered()
        #expect(records.count == 1)
        #expect(records.first?["v"] == .object([:]))
    }
}
