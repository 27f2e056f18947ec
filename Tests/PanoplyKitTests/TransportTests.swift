import Foundation
import Testing

@testable import PanoplyKit

@Suite("SQS requests and responses")
struct TransportTests {
    static let url = URL(string: "http://127.0.0.1:9324/123456789012/sdk-acme-rnd2abc")!
    static func message(_ n: UInt64) -> OutgoingMessage {
        OutgoingMessage(number: n, body: Array("{\"id\":\(n)}\n\n".utf8), recordCount: 1, firstRecord: n, lastRecord: n)
    }

    @Test("Query posts to the queue URL, JSON to the endpoint root with X-Amz-Target")
    func requestShape() {
        let q = SQSRequestBuilder(queueURL: Self.url, sqsProtocol: .query, attributes: [])
        #expect(q.requestURL == Self.url)
        let j = SQSRequestBuilder(queueURL: Self.url, sqsProtocol: .json, attributes: [])
        #expect(j.requestURL.absoluteString == "http://127.0.0.1:9324/")
        #expect(j.headers(batch: true).contains { $0 == ("X-Amz-Target", "AmazonSQS.SendMessageBatch") })
        #expect(j.headers(batch: false).contains { $0 == ("X-Amz-Target", "AmazonSQS.SendMessage") })
        let batch = String(decoding: q.body(for: [Self.message(4), Self.message(5)]), as: UTF8.self)
        #expect(batch.hasPrefix("Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=m4&"))
        #expect(batch.contains("SendMessageBatchRequestEntry.2.MessageBody=%7B%22id%22:5%7D%0A%0A"))
    }

    @Test("a SendMessageBatch leaves room for the attributes of each entry")
    func batchBytesCountAttributes() throws {
        let attrs = SDKConfiguration(credentials: Fixture.credentials).attributes
        let t = try SQSTransport(
            queueURL: Self.url, sqsProtocol: .query, attributes: attrs, awsCredentials: nil,
            region: nil, concurrency: 1, useBatch: true)
        #expect(t.maxBatchCount == 10)
        #expect(t.maxBatchBytes == 1_048_576 - 10 * SDKConfiguration(credentials: Fixture.credentials).attributeBytes)
        let single = try SQSTransport(
            queueURL: Self.url, sqsProtocol: .json, attributes: attrs, awsCredentials: nil,
            region: nil, concurrency: 1, useBatch: false)
        #expect(single.maxBatchCount == 1)
    }

    @Test("batch results map back to their messages, failed entries classified")
    func batchResults() throws {
        let xml = """
            <SendMessageBatchResponse><SendMessageBatchResult>
            <SendMessageBatchResultEntry><Id>m1</Id><MessageId>a-1</MessageId></SendMessageBatchResultEntry>
            <BatchResultErrorEntry><Id>m2</Id><Code>InternalError</Code><Message>try again</Message><SenderFault>false</SenderFault></BatchResultErrorEntry>
            <BatchResultErrorEntry><Id>m3</Id><Code>InvalidParameterValue</Code><Message>bad</Message><SenderFault>true</SenderFault></BatchResultErrorEntry>
            </SendMessageBatchResult></SendMessageBatchResponse>
            """
        let ms = [Self.message(1), Self.message(2), Self.message(3), Self.message(4)]
        let r = try SQSResponseParser.parse(status: 200, headers: [:], body: Array(xml.utf8), messages: ms, sqsProtocol: .query).get()
        #expect(try r[0].get() == "a-1")
        #expect(r[1].failure?.retryable == true)
        #expect(r[2].failure?.retryable == false)
        #expect(r[2].failure?.code == "InvalidParameterValue")
        #expect(r[3].failure?.code == "MissingEntry", "an entry SQS did not report on is retried")

        let json = #"{"Successful":[{"Id":"m2","MessageId":"b-2"}],"Failed":[{"Id":"m1","Code":"InvalidMessageContents","SenderFault":true}]}"#
        let rj = try SQSResponseParser.parse(status: 200, headers: [:], body: Array(json.utf8), messages: Array(ms.prefix(2)), sqsProtocol: .json).get()
        #expect(try rj[1].get() == "b-2")
        #expect(rj[0].failure?.retryable == false)
    }

    @Test(
        "errors are classified for retrying",
        arguments: [
            (
                400, [:],
                #"<ErrorResponse><Error><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message></Error></ErrorResponse>"#,
                "AWS.SimpleQueueService.NonExistentQueue", false, PanoplyError.Category.notFound
            ),
            (
                400, ["x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"],
                #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"}"#,
                "AWS.SimpleQueueService.NonExistentQueue", false, .notFound
            ),
            (400, [:], #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"}"#, "QueueDoesNotExist", false, .notFound),
            (403, [:], "<Error><Code>AccessDenied</Code><Message>no</Message></Error>", "AccessDenied", false, .auth),
            (400, [:], "<Error><Code>Throttling</Code><Message>slow down</Message></Error>", "Throttling", true, .rateLimit),
            (400, [:], "<Error><Code>RequestThrottled</Code></Error>", "RequestThrottled", true, .rateLimit),
            (503, [:], "Service Unavailable", "HTTP503", true, .transient),
            (500, [:], "<Error><Code>InternalError</Code></Error>", "InternalError", true, .transient),
            (400, [:], "<Error><Code>InvalidParameterValue</Code><Message>too long</Message></Error>", "InvalidParameterValue", false, .config)
        ] as [(Int, [String: String], String, String, Bool, PanoplyError.Category)])
    func errors(_ status: Int, _ headers: [String: String], _ body: String, _ code: String, _ retryable: Bool, _ category: PanoplyError.Category) {
        let e = SQSResponseParser.error(status: status, headers: headers, text: body)
        #expect(e.code == code)
        #expect(e.retryable == retryable)
        #expect(e.panoplyError.category == category)
    }

    @Test("a connection refused by a real socket is a retryable transport error")
    func connectionRefused() async throws {
        let url = URL(string: "http://127.0.0.1:\(freeLocalPort())/123456789012/q")!
        let t = try SQSTransport(
            queueURL: url, sqsProtocol: .query, attributes: [], awsCredentials: nil, region: nil,
            concurrency: 1, useBatch: true)
        let error = try await #require(throws: TransportError.self) { try await t.send([Self.message(1)]) }
        #expect(error.retryable)
        #expect(error.code == "Transport")
    }

    @Test(
        "percent-encoding a word at a time gives RFC 3986 bytes at every length, without writing past them",
        arguments: [false, true])
    func percentEncoding(form: Bool) {
        let kept = Array("-_.~".utf8) + (form ? Array(":@/?,!$'()*".utf8) : [])
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            for b in bytes {
                let keep = (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || kept.contains(b)
                if keep { out.append(b) } else { out += Array(String(format: "%%%02X", b).utf8) }
            }
            return out
        }
        var rng = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<100 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let want = reference(bytes)
                bytes.withUnsafeBufferPointer { b in
                    #expect(PercentEncoding.encodedCount(b, form: form) == want.count)
                    var out = [UInt8](repeating: 0xEE, count: want.count + 4)
                    let n = out.withUnsafeMutableBufferPointer { PercentEncoding.write(b, to: $0.baseAddress!, form: form) }
                    #expect(n == want.count)
                    #expect(Array(out[..<n]) == want, "\(bytes)")
                    #expect(out[want.count...].allSatisfy { $0 == 0xEE }, "wrote past the encoded size")
                }
            }
        }
    }

    @Test("a Query request body decodes back to the message, and keeps no byte a form decoder would misread")
    func formBodyRoundTrip() throws {
        let text = #"{"a":"x&y=z+1; 100% {ok}","b":[1,2],"c":"/p?q@h:1,!$'()*","d":"Zoë\n"}"# + "\n\n"
        let message = OutgoingMessage(number: 1, body: Array(text.utf8), recordCount: 1, firstRecord: 1, lastRecord: 1)
        let builder = SQSRequestBuilder(queueURL: Self.url, sqsProtocol: .query, attributes: [])
        let body = String(decoding: builder.body(for: [message]), as: UTF8.self)
        let field = try #require(body.split(separator: "&").first { $0.hasPrefix("MessageBody=") })
        #expect(field.dropFirst("MessageBody=".count).removingPercentEncoding == text)
        for forbidden in ["&", "=", "+", ";", " ", "\"", "{"] {
            #expect(!field.dropFirst("MessageBody=".count).contains(forbidden), "\(forbidden) left unencoded")
        }
        #expect(field.contains("%25") && field.contains("%26") && field.contains("%3D") && field.contains("%2B") && field.contains("%3B"))
    }
}
