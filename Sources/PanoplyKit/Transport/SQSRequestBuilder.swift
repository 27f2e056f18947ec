import Foundation

/// Builds SendMessage / SendMessageBatch requests for the Query and JSON protocols.
/// Pure: bytes in, bytes out.
public struct SQSRequestBuilder: Sendable {
    public let queueURL: URL
    public let sqsProtocol: SQSProtocol
    public let attributes: [(name: String, value: String)]

    public init(queueURL: URL, sqsProtocol: SQSProtocol, attributes: [(name: String, value: String)]) {
        self.queueURL = queueURL
        self.sqsProtocol = sqsProtocol
        self.attributes = attributes
    }

    /// Where the request is posted: the queue URL for Query, the endpoint root for JSON.
    public var requestURL: URL {
        switch sqsProtocol {
        case .query: return queueURL
        case .json:
            var c = URLComponents(url: queueURL, resolvingAgainstBaseURL: false)!
            c.path = "/"
            c.query = nil
            return c.url!
        }
    }

    public func headers(batch: Bool) -> [(String, String)] {
        switch sqsProtocol {
        case .query:
            return [("Content-Type", "application/x-www-form-urlencoded")]
        case .json:
            return [("Content-Type", "application/x-amz-json-1.0"),
                    ("X-Amz-Target", batch ? "AmazonSQS.SendMessageBatch" : "AmazonSQS.SendMessage")]
        }
    }

    /// The request body for `messages` (SendMessage for one, SendMessageBatch for more).
    public func body(for messages: [OutgoingMessage]) -> [UInt8] {
        switch sqsProtocol {
        case .query: return messages.count == 1 ? queryBody(messages[0]) : queryBatchBody(messages)
        case .json: return messages.count == 1 ? jsonBody(messages[0]) : jsonBatchBody(messages)
        }
    }

    private func appendQueryAttributes(prefix: String, to out: inout [UInt8]) {
        for (i, attr) in attributes.enumerated() {
            let p = "&\(prefix)MessageAttribute.\(i + 1)."
            out.append(contentsOf: "\(p)Name=".utf8)
            PercentEncoding.append(attr.name.utf8, to: &out)
            out.append(contentsOf: "\(p)Value.DataType=String\(p)Value.StringValue=".utf8)
            PercentEncoding.append(attr.value.utf8, to: &out)
        }
    }

    func queryBody(_ m: OutgoingMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(m.body.count * 3 / 2 + 512)
        out.append(contentsOf: "Action=SendMessage&MessageBody=".utf8)
        PercentEncoding.append(m.body, to: &out)
        appendQueryAttributes(prefix: "", to: &out)
        out.append(contentsOf: "&Version=2012-11-05".utf8)
        return out
    }

    func queryBatchBody(_ ms: [OutgoingMessage]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ms.reduce(0) { $0 + $1.body.count } * 3 / 2 + 512 * ms.count)
        out.append(contentsOf: "Action=SendMessageBatch".utf8)
        for (i, m) in ms.enumerated() {
            let p = "SendMessageBatchRequestEntry.\(i + 1)."
            out.append(contentsOf: "&\(p)Id=m\(m.number)&\(p)MessageBody=".utf8)
            PercentEncoding.append(m.body, to: &out)
            appendQueryAttributes(prefix: p, to: &out)
        }
        out.append(contentsOf: "&Version=2012-11-05".utf8)
        return out
    }

    private func appendJSONEntry(_ m: OutgoingMessage, id: Bool, to out: inout [UInt8]) {
        if id { out.append(contentsOf: "\"Id\":\"m\(m.number)\",".utf8) }
        out.append(contentsOf: "\"MessageBody\":".utf8)
        m.body.withUnsafeBufferPointer { JSONWriter.writeStringBytes($0, into: &out) }
        out.append(contentsOf: ",\"MessageAttributes\":{".utf8)
        for (i, attr) in attributes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(attr.name, into: &out)
            out.append(contentsOf: ":{\"DataType\":\"String\",\"StringValue\":".utf8)
            JSONWriter.writeString(attr.value, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    func jsonBody(_ m: OutgoingMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(m.body.count + m.body.count / 8 + 512)
        out.append(contentsOf: "{\"QueueUrl\":".utf8)
        JSONWriter.writeString(queueURL.absoluteString, into: &out)
        out.append(UInt8(ascii: ","))
        appendJSONEntry(m, id: false, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    func jsonBatchBody(_ ms: [OutgoingMessage]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: "{\"QueueUrl\":".utf8)
        JSONWriter.writeString(queueURL.absoluteString, into: &out)
        out.append(contentsOf: ",\"Entries\":[".utf8)
        for (i, m) in ms.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            appendJSONEntry(m, id: true, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
