import Foundation
import Synchronization
import Testing

@testable import PanoplyKit

/// Sources that hand the runner JSON text (``EncodedRecordSource``): the runner splices its
/// keys into the text, and must send exactly what it sends for the same records as objects.
@Suite("Source runner, encoded records")
struct EncodedRecordsRunnerTests {
    /// Texts that take every branch: spliced as they are, or parsed and written again
    /// (whitespace, escapes the writer writes otherwise, U+FFFF, runner keys, `__table`).
    static let lines = [
        #"{"id":1,"name":"plain","n":12345678901234567890123,"x":1e400,"d":-0.000}"#,
        #"{"id":2,"q":"say \"hi\"\\ \n\t","nested":{"a":[1,{"b":null}],"c":true},"e":""}"#,
        #"{}"#,
        #"{ "id" : 3 , "spaced" : [ 1 , 2 ] }"#,
        #"{"id":4,"esc":"\u0041\u001f\/"}"#,
        "{\"id\":5,\"nonchar\":\"a\u{FFFF}b\u{FFFE}\",\"k\u{FFFE}\":1}",
        #"{"id":6,"__state":"mine","__resource":"theirs"}"#,
        #"{"id":7,"__table":"elsewhere","after":1}"#,
        #"{"id":8,"dup":1,"dup":2}"#,
        "{\"id\":9,\"utf8\":\"é中😀\"}"
    ]

    static func objects(_ lines: [String]) -> [JSONObject] {
        lines.map { try! JSONParser.parse($0).objectValue! }
    }

    @Test("records read as text are sent byte for byte as the same records read as objects", arguments: [nil, "res"] as [String?])
    func sameBytesAsObjects(resource: String?) async throws {
        let half = Self.lines.count / 2
        let steps: [(lines: [String], id: String, state: JSONObject)] = [
            (Array(Self.lines[..<half]), "one", ["n": 1]), (Array(Self.lines[half...]), "two", ["n": 2])
        ]
        let objectsScript = ScriptedSource.install(steps.map { .records(Self.objects($0.lines), stateId: $0.id, state: $0.state) })
        let textScript = EncodedScriptedSource.install(steps.map { .lines($0.lines, stateId: $0.id, state: $0.state) })
        let viaObjects = try await Self.run(ScriptedSource.self, script: objectsScript, resource: resource)
        let viaText = try await Self.run(EncodedScriptedSource.self, script: textScript, resource: resource)
        #expect(viaText.count == Self.lines.count)
        #expect(viaText == viaObjects)
        // The runner's keys: added where missing, the record's own kept; __table replaced.
        let first = try JSONParser.parse(viaText[0]).objectValue!
        #expect(first["__state"] == "one" && first["__table"] == "t")
        #expect(viaText[0].hasPrefix(#"{"id":1,"name":"plain","n":12345678901234567890123,"x":1e400,"d":-0.000,"__state":"one""#))
        #expect(viaText[2] == (resource == nil ? #"{"__state":"one","__table":"t"}"# : #"{"__state":"one","__resource":"res","__table":"t"}"#))
        let own = try JSONParser.parse(viaText[6]).objectValue!
        #expect(own["__state"] == "mine" && own["__resource"] == "theirs")
        #expect(try JSONParser.parse(viaText[7]).objectValue!["__table"] == "t")
        #expect(viaText[5].contains(#"\uffff"#) && viaText[5].contains(#"\ufffe"#))
    }

    /// The texts a run of `type` sends, one source instance, destination `t`.
    static func run(_ type: any DataSource.Type, script: String, resource: String?) async throws -> [String] {
        let transport = GatedTransport()
        let sdk = try testSDK(transport)
        let runner = SourceRunner(type, input: SourceInput(type: type.type, params: ["script": .string(script)], destination: "t"), sdk: sdk, options: .fast)
        if let resource {
            // One instance tagged with a resource, as the runner reads a picked resource.
            let context = runner.makeContext(runner.input, resource: nil)
            let source = try await type.init(source: runner.input, context: context)
            if let encoded = source as? any EncodedRecordSource {
                _ = try await runner.readEncoded(encoded, context: context, table: "t", resource: resource, fields: runner.input.fields) { _ in }
            } else {
                var positions = RecordPositions()
                while let batch = try await source.read(100) {
                    try await runner.write(batch, stateId: context.currentStateId, table: "t", resource: resource, position: &positions)
                }
            }
        } else {
            let summary = await runner.run()
            #expect(summary.status == .done)
        }
        try await sdk.close()
        return transport.recordTexts
    }

    @Test("text that is not one JSON object is refused and nothing is appended")
    func refusesNonObjects() throws {
        var batch = EncodedRecords()
        for bad in ["[1]", "{", "", "{\"a\":}", "1", "{\"a\":1} {}", "\"s\""] {
            let appended = batch.append(json: Array(bad.utf8)[...])
            #expect(!appended, "\(bad)")
        }
        #expect(batch.isEmpty && batch.bytes.isEmpty)
        let nope = batch.append(encoding: { $0.append(contentsOf: Array("nope".utf8)) })
        #expect(!nope)
        #expect(batch.bytes.isEmpty)
        let written = batch.append(encoding: { out in
            out.append(UInt8(ascii: "{"))
            JSONWriter.writeString("k", into: &out)
            out.append(contentsOf: Array(":1}".utf8))
        })
        #expect(written)
        #expect(try batch.objects() == [["k": 1]])
    }

    @Test("while the next batch is read ahead, every record carries its own batch's state, and a failed read commits only what was written")
    func readAheadKeepsStatesApart() async throws {
        let rows = (1...250).map { #"{"id":\#($0)}"# }
        let script = EncodedScriptedSource.install([
            .lines(Array(rows[0..<100]), stateId: "a", state: ["next": 101]),
            .lines(Array(rows[100..<200]), stateId: "b", state: ["next": 201]),
            .fail(PanoplyError(.config, "broken on purpose", retryable: false)),
            .lines(Array(rows[200...]), stateId: "c", state: ["next": 251])
        ])
        let transport = GatedTransport()
        let sdk = try testSDK(transport)
        let runner = SourceRunner(
            EncodedScriptedSource.self, input: SourceInput(type: EncodedScriptedSource.type, params: ["script": .string(script)], destination: "t"),
            sdk: sdk, options: .fast)
        let summary = await runner.run()
        try await sdk.close()
        #expect(summary.status == .failed)
        let records = transport.records
        #expect(records.count == 200)
        #expect(records.map { $0["__state"]?.stringValue ?? "" } == Array(repeating: "a", count: 100) + Array(repeating: "b", count: 100))
        #expect(runner.committedState == ["next": 201])
        #expect(EncodedScriptedSource.reads(script) == 3)
    }
}
