import Foundation
import Synchronization
import Testing

@testable import PanoplyKit

/// Finding 4: U+FFFE and U+FFFF are outside SQS's characters; a record holding one made
/// its whole message undeliverable. Each path that writes records must escape them.
@Suite("Message bodies hold only characters SQS accepts")
struct SQSCharacterTests {
    /// Strings at the edges of SQS's allowed set, with the two it rejects.
    static let tricky = [
        "a\u{FFFE}b", "\u{FFFF}", "x\u{FFFD}\u{FFFF}\u{FFFE}y", "\u{1}\u{1F}\u{7F}", "\u{D7FF}\u{E000}\u{10FFFF}",
        String(repeating: "long \u{FFFE} ", count: 40)
    ]

    static func record(_ i: Int) -> JSONObject {
        ["id": .number(JSONNumber(i)), "s": .string(tricky[i % tricky.count]), "k\u{FFFF}": .array([.string("\u{FFFE}")])]
    }

    /// Every record of every body, after checking the bodies against SQS's rules.
    static func records(in bodies: [[UInt8]], sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONObject] {
        var out: [JSONObject] = []
        for body in bodies {
            #expect(SQSCharacters.violations(body).isEmpty, "\(SQSCharacters.violations(body))", sourceLocation: sourceLocation)
            for line in String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n") where !line.isEmpty {
                out.append(try #require(try JSONParser.parse(line).objectValue))
            }
        }
        return out
    }

    @Test("JSONWriter writes U+FFFE and U+FFFF as escapes, and only those besides the usual ones")
    func writerEscapes() {
        #expect(JSONWriter.string(.string("a\u{FFFE}b\u{FFFF}\u{FFFD}")) == #""a\ufffeb\uffff\#u{FFFD}""#)
        #expect(JSONWriter.string(.string("\u{EF}\u{FEFF}\u{FFEF}")) == "\"\u{EF}\u{FEFF}\u{FFEF}\"")
    }

    @Test("write(): records with U+FFFE/U+FFFF in values and keys arrive whole in valid bodies")
    func writePath() async throws {
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(maxMessageBytes: 2048), transport: transport, autoTick: false)
        for i in 0..<60 { try sdk.write("t", Self.record(i)) }
        try await sdk.close()
        let got = try Self.records(in: transport.sent.map(\.body))
        #expect(got.count == 60)
        for (i, r) in got.enumerated() {
            #expect(r["s"] == .string(Self.tricky[i % Self.tricky.count]))
            #expect(r["k\u{FFFF}"] == .array([.string("\u{FFFE}")]))
        }
    }

    @Test(
        "write(ndjsonLine:): raw and escaped U+FFFE/U+FFFF in a line are escaped in the body",
        arguments: [
            Array("{\"id\":1,\"s\":\"a\u{FFFE}b\"}".utf8),  // compact: fast-path candidate
            Array("{\"id\":1,\"s\":\"a\\ufffeb\"}".utf8),  // escaped in the input
            Array("{ \"id\": 1, \"s\": \"a\u{FFFE}b\" }".utf8)  // parsed path
        ])
    func ndjsonPath(_ line: [UInt8]) async throws {
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        try sdk.write("t", ndjsonLine: line[...])
        try sdk.write("t", ndjsonLine: Array("{\"s\":\"\u{FFFF}\"}".utf8)[...])
        try await sdk.close()
        let got = try Self.records(in: transport.sent.map(\.body))
        #expect(got.map { $0["s"] } == [.string("a\u{FFFE}b"), .string("\u{FFFF}")])
    }

    @Test("run: a source's records with U+FFFE/U+FFFF arrive whole in valid bodies")
    func runPath() async throws {
        let transport = MockTransport()
        var config = Fixture.config(maxMessageBytes: 4096)
        config.flushInterval = .milliseconds(20)
        let sdk = try PanoplySDK(config, transport: transport)
        let runner = SourceRunner(
            TrickySource.self, input: SourceInput(type: TrickySource.type, params: [:], destination: "t"),
            sdk: sdk, options: RunOptions(batchSize: 7, readAttempts: 3, retryBase: .milliseconds(5)))
        let summary = await runner.run()
        try await sdk.close()
        #expect(summary.status == .done)
        let got = try Self.records(in: transport.sent.map(\.body))
        #expect(got.count == TrickySource.total)
        #expect(got.allSatisfy { $0["s"] == .string(Self.tricky[$0["id"]!.intValue! % Self.tricky.count]) })
    }
}

/// A source whose records hold the tricky strings.
actor TrickySource: DataSource {
    static let type = "tricky"
    static let total = 50
    static let configuration = SourceConfiguration(title: "Tricky", params: [])
    private var next = 0

    init(source: SourceInput, context: SourceContext) async throws {}

    func read(_ n: Int) async throws -> [JSONObject]? {
        guard next < Self.total else { return nil }
        let end = min(Self.total, next + n)
        defer { next = end }
        return (next..<end).map { SQSCharacterTests.record($0) }
    }

    func close() async {}
}

extension MotoIntegrationTests {
    @Test("moto receives records with U+FFFE/U+FFFF intact, from write() and from panoply send")
    func nonCharactersThroughMoto() async throws {
        let sqs = SQSTestClient(endpoint: Moto.url!)
        let queue = try await sqs.createQueue(queueName("chars"))
        let sdk = try PanoplySDK(Self.config(queueURL: queue, .json))
        for i in 0..<12 { try sdk.write("t", SQSCharacterTests.record(i)) }
        try await sdk.close()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-chars-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: file) }
        try "{\"id\":100,\"s\":\"a\u{FFFE}b\"}\n{\"id\":101,\"s\":\"\\uffff\"}\n".write(to: file, atomically: false, encoding: .utf8)
        let r = try await PanoplyBinary.run(
            [
                "send", "t", "--file", file.path, "--queue-url", queue, "--api-key", Fixture.apiKey, "--api-secret", Fixture.apiSecret,
                "--aws-access-key-id", Moto.aws.accessKeyId, "--aws-secret-access-key", Moto.aws.secretAccessKey
            ], timeout: .seconds(120))
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let bodies = try await sqs.receiveBodies(queue, count: 14)
        let got = try SQSCharacterTests.records(in: bodies)
        var byId: [Int: JSONObject] = [:]
        for g in got { byId[g["id"]!.intValue!] = g }
        #expect(byId.count == 14)
        for i in 0..<12 { #expect(byId[i]?["s"] == .string(SQSCharacterTests.tricky[i % SQSCharacterTests.tricky.count])) }
        #expect(byId[100]?["s"] == .string("a\u{FFFE}b"))
        #expect(byId[101]?["s"] == .string("\u{FFFF}"))
        await sqs.deleteQueue(queue)
    }
}

extension SQSTestClient {
    /// The bodies of the messages in a queue, as bytes, received until `count` records came.
    func receiveBodies(_ queueURL: String, count: Int) async throws -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        var records = 0
        var empty = 0
        while records < count, empty < 3 {
            let r = try await call("ReceiveMessage", ["QueueUrl": .string(queueURL), "MaxNumberOfMessages": 10, "VisibilityTimeout": 600])
            let messages = r["Messages"]?.arrayValue ?? []
            if messages.isEmpty { empty += 1; continue }
            for m in messages {
                let body = Array((m[path: "Body"]?.stringValue ?? "").utf8)
                bodies.append(body)
                records += String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").count - 1
            }
        }
        return bodies
    }
}
