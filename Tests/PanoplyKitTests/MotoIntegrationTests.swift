import Foundation
import Testing

@testable import PanoplyKit

/// Against a real SQS emulator (moto_server from scripts/services/moto.sh).
@Suite("Against moto", .serialized, .enabled(if: Moto.url != nil, Moto.skipMessage))
struct MotoIntegrationTests {
    static let total = 100_000

    static func config(queueURL: String, _ proto: SQSProtocol) -> SDKConfiguration {
        var c = SDKConfiguration(credentials: Fixture.credentials, destination: .queueURL(queueURL))
        c.awsCredentials = Moto.aws
        c.sqsProtocol = proto
        return c
    }

    @Test("100,000 records written through the API arrive, each once", arguments: SQSProtocol.allCases)
    func hundredThousandRecords(_ proto: SQSProtocol) async throws {
        let sqs = SQSTestClient(endpoint: Moto.url!)
        let queue = try await sqs.createQueue(queueName("bulk-\(proto.rawValue)"))
        let start = ContinuousClock.now
        let sdk = try PanoplySDK(Self.config(queueURL: queue, proto))
        for i in 1...Self.total {
            try sdk.write(
                i % 3 == 0 ? "orders" : "users",
                ["id": .number(JSONNumber(i)), "name": .string("user-\(i)"), "score": 12.5, "big": .number(try JSONNumber(text: "12345678901234567890"))])
        }
        try await sdk.close()
        let c = sdk.counters
        #expect(c.records == Self.total)
        #expect(c.recordsDelivered == Self.total)
        #expect(c.undelivered == 0)
        #expect(c.messages > 1)

        let drained = try await sqs.drain(queue, expected: Self.total)
        #expect(drained.records == Self.total)
        #expect(drained.missing == 0)
        #expect(drained.duplicates == 0)
        #expect(drained.messages == c.messages)
        #expect(drained.tables == ["users", "orders"])
        #expect(drained.attributes?["key"]?[path: "StringValue"]?.stringValue == Fixture.apiKey)
        #expect(drained.attributes?["secret"]?[path: "StringValue"]?.stringValue == Fixture.apiSecret)
        #expect(drained.attributes?["sdk"]?[path: "StringValue"]?.stringValue == "panoply-swift-\(PanoplyKitVersion.string)")
        print("moto \(proto): \(c.summary) in \(ContinuousClock.now - start)")
        await sqs.deleteQueue(queue)
    }

    @Test("a queue that does not exist is a permanent error: records kept, close() names them")
    func missingQueue() async throws {
        let sdk = try PanoplySDK(Self.config(queueURL: "\(Moto.url!)/123456789012/\(queueName("absent"))", .query))
        let log = EventLog(sdk)
        for i in 1...10 { try sdk.write("t", ["id": .number(JSONNumber(i))]) }
        let error = try await #require(throws: PanoplyError.self) { try await sdk.close() }
        #expect(error.message.contains("10 records"))
        #expect(error.category == .notFound, "\(error)")
        #expect(log.trace.contains("error#1 final"))
        #expect(sdk.counters.retries == 0)
    }
}
