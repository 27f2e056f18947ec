import Foundation
import Testing

@testable import PanoplyKit

/// What the original Python SDK really sent (Fixtures/vectors, copied from shared/vectors):
/// the Swift SDK must produce a body whose lines parse to the same JSON objects.
@Suite("Vectors of the original SDK")
struct VectorTests {
    static let names: [String] = {
        let dir = Fixture.url("vectors")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted()
    }()

    struct Vector {
        let name: String
        let object: JSONObject
        var apiKey: String { object["apikey"]!.stringValue! }
        var apiSecret: String { object["apisecret"]!.stringValue! }
        var stored: JSONObject { object["sqs_stored"]!.objectValue! }
        var storedBody: String { stored["MessageBody"]!.stringValue! }
        var records: [(table: String, data: JSONObject)] {
            object["records"]!.arrayValue!.map { ($0[path: "table"]!.stringValue!, $0[path: "data"]!.objectValue!) }
        }

        init(_ name: String) throws {
            self.name = name
            // JSONParser, not Foundation: the records hold integers beyond Int64 and exact decimals.
            let bytes = try [UInt8](Data(contentsOf: Fixture.url("vectors/\(name)")))
            object = try #require(try JSONParser.parse(bytes).objectValue)
        }
    }

    /// The body's lines, each parsed; the body must end with the separator.
    static func lines(_ body: [UInt8]) throws -> [JSONValue] {
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasSuffix("\n\n"), "every record ends with \"\\n\\n\"")
        var parts = text.components(separatedBy: "\n\n")
        #expect(parts.removeLast() == "")
        return try parts.map { try JSONParser.parse($0) }
    }

    /// Writes the vector's records through an SDK on a transport double; returns the one message.
    static func produce(_ v: Vector) async throws -> OutgoingMessage {
        let transport = MockTransport()
        let credentials = try PanoplyCredentials(apiKey: v.apiKey, apiSecret: v.apiSecret)
        let sdk = try PanoplySDK(Fixture.config(credentials: credentials), transport: transport, autoTick: false)
        for r in v.records { try sdk.write(r.table, r.data) }
        try await sdk.close()
        #expect(transport.sent.count == 1, "all records of a vector fit in one message")
        return try #require(transport.sent.first)
    }

    @Test("there are vectors to check")
    func vectorsPresent() { #expect(Self.names.count >= 3) }

    @Test("the message body parses to the same records as the original's stored body", arguments: names)
    func bodyMatches(_ name: String) async throws {
        let v = try Vector(name)
        let message = try await Self.produce(v)
        let ours = try Self.lines(message.body)
        let theirs = try Self.lines(Array(v.storedBody.utf8))
        #expect(ours.count == v.records.count)
        #expect(ours == theirs)
        // Beyond JSON equality: keys come in the original's order (__table replaced in place).
        for (a, b) in zip(ours, theirs) {
            #expect(a.objectValue?.keys == b.objectValue?.keys)
        }
        #expect(message.recordCount == v.records.count)
    }

    @Test("the queue URL is the one the original computed", arguments: names)
    func queueURL(_ name: String) throws {
        let v = try Vector(name)
        let c = try PanoplyCredentials(apiKey: v.apiKey, apiSecret: v.apiSecret)
        #expect(c.queueURL == v.object["computed_qurl"]?.stringValue)
        let decoded = try #require(v.object["apisecret_decoded"]?.stringValue).split(separator: "/").map(String.init)
        #expect([c.rand2, c.awsAccount, c.region] == [decoded[0], decoded[2], decoded[3]])
    }

    @Test("the outbox file holds byte for byte the body SQS would receive", arguments: names)
    func outboxMatches(_ name: String) async throws {
        let v = try Vector(name)
        let expected = try await Self.produce(v).body
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = SDKConfiguration(credentials: nil, destination: .outbox(dir.path))
        config.credentials = try PanoplyCredentials(apiKey: v.apiKey, apiSecret: v.apiSecret)
        try await PanoplySDK.withSDK(config) { sdk in
            for r in v.records { try sdk.write(r.table, r.data) }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["000000000001.ndjson"])
        let body = try [UInt8](Data(contentsOf: dir.appendingPathComponent("000000000001.ndjson")))
        #expect(body == expected)
    }

    @Test("Query and JSON requests carry the body and the original's key and secret attributes", arguments: names)
    func requestsCarryAttributes(_ name: String) async throws {
        let v = try Vector(name)
        let message = try await Self.produce(v)
        let credentials = try PanoplyCredentials(apiKey: v.apiKey, apiSecret: v.apiSecret)
        let attributes = SDKConfiguration(credentials: credentials).attributes
        let url = URL(string: credentials.queueURL)!
        let storedAttrs = try #require(v.stored["MessageAttributes"]?.objectValue)

        let query = SQSRequestBuilder(queueURL: url, sqsProtocol: .query, attributes: attributes)
        let form = Self.formFields(query.body(for: [message]))
        #expect(form["Action"] == "SendMessage")
        #expect(form["MessageBody"].map { Array($0.utf8) } == message.body)
        for i in 1...3 {
            let attrName = try #require(form["MessageAttribute.\(i).Name"])
            #expect(form["MessageAttribute.\(i).Value.DataType"] == "String")
            if attrName != "sdk" {
                #expect(form["MessageAttribute.\(i).Value.StringValue"] == storedAttrs[attrName]?[path: "StringValue"]?.stringValue)
            } else {
                #expect(form["MessageAttribute.\(i).Value.StringValue"] == "panoply-swift-\(PanoplyKitVersion.string)")
            }
        }

        let json = SQSRequestBuilder(queueURL: url, sqsProtocol: .json, attributes: attributes)
        let request = try #require(try JSONParser.parse(json.body(for: [message])).objectValue)
        #expect(request["QueueUrl"]?.stringValue == credentials.queueURL)
        #expect(request["MessageBody"]?.stringValue.map { Array($0.utf8) } == message.body)
        for key in ["key", "secret"] {
            #expect(request["MessageAttributes"]?[path: key] == storedAttrs[key])
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body.
    static func formFields(_ body: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = kv.count > 1 ? String(kv[1]) : ""
            out[String(kv[0]).removingPercentEncoding!] = value.removingPercentEncoding!
        }
        return out
    }
}
