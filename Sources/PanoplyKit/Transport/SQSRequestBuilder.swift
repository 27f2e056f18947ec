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
            return [
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", batch ? "AmazonSQS.SendMessageBatch" : "AmazonSQS.SendMessage")
            ]
        }
    }

    /// The request body for `messages` (SendMessage for one, SendMessageBatch for more).
    public func body(for messages: [OutgoingMessage]) -> [UInt8] {
        var parts = Parts()
        build(messages, into: &parts)
        return parts.assemble(json: sqsProtocol == .json)
    }

    /// The same bytes as ``body(for:)``, written straight into `Data` (what URLRequest takes).
    public func bodyData(for messages: [OutgoingMessage]) -> Data {
        var parts = Parts()
        build(messages, into: &parts)
        let json = sqsProtocol == .json
        let total = parts.finish(json: json)
        var data = Data(count: total)
        data.withUnsafeMutableBytes { raw in
            let n = parts.write(json: json, to: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            precondition(n == total, "request body size mismatch")
        }
        return data
    }

    /// The same bytes again, written in one pass into `buffer` (emptied first; its memory is
    /// reused from request to request). Room is made for the worst case instead of counting.
    func writeBody(for messages: [OutgoingMessage], into buffer: inout RequestBuffer) {
        var parts = Parts()
        build(messages, into: &parts)
        let json = sqsProtocol == .json
        buffer.reset(capacity: parts.upperBound(json: json))
        buffer.write { parts.write(json: json, to: $0) }
    }

    private func build(_ messages: [OutgoingMessage], into parts: inout Parts) {
        switch sqsProtocol {
        case .query: messages.count == 1 ? queryBody(messages[0], &parts) : queryBatchBody(messages, &parts)
        case .json: messages.count == 1 ? jsonBody(messages[0], &parts) : jsonBatchBody(messages, &parts)
        }
    }

    /// A request body as small literal pieces and message bodies to encode in between.
    /// The body is written once through a pointer into memory sized beforehand (counted
    /// exactly, or the worst case in a reused buffer): no growth, no intermediate copies.
    private struct Parts {
        var raw: [[UInt8]] = []
        var bodies: [[UInt8]] = []
        var current: [UInt8] = []

        mutating func append<S: Sequence>(_ s: S) where S.Element == UInt8 { current.append(contentsOf: s) }
        mutating func append(_ b: UInt8) { current.append(b) }
        mutating func message(_ body: [UInt8]) {
            raw.append(current)
            current = []
            bodies.append(body)
        }

        mutating func close() {
            raw.append(current)
            current = []
        }

        /// Closes the last piece and gives the most bytes the body can take: a body byte
        /// becomes at most 6 bytes JSON-escaped (`\u00XX`) or 3 percent-encoded.
        mutating func upperBound(json: Bool) -> Int {
            close()
            return raw.reduce(0) { $0 + $1.count } + bodies.reduce(0) { $0 + (json ? 6 * $1.count + 2 : 3 * $1.count) }
        }

        /// Closes the last piece and counts the encoded size: raw[0] body[0] raw[1]
        /// body[1] ... raw[n], bodies JSON-quoted or percent-encoded.
        mutating func finish(json: Bool) -> Int {
            close()
            var total = raw.reduce(0) { $0 + $1.count }
            for b in bodies {
                let n = b.withUnsafeBufferPointer { json ? JSONWriter.escapedCount($0) + 2 : PercentEncoding.encodedCount($0, form: true) }
                total += n
            }
            return total
        }

        /// Writes the body at `dst`, which has room for ``finish(json:)`` or
        /// ``upperBound(json:)`` bytes; returns the bytes written.
        func write(json: Bool, to dst: UnsafeMutablePointer<UInt8>) -> Int {
            var o = 0
            for i in raw.indices {
                raw[i].withUnsafeBufferPointer { r in
                    if let src = r.baseAddress { (dst + o).initialize(from: src, count: r.count) }
                    o += r.count
                }
                guard i < bodies.count else { break }
                bodies[i].withUnsafeBufferPointer { b in
                    if json {
                        dst[o] = UInt8(ascii: "\"")
                        let n = JSONWriter.writeEscaped(b, to: dst + o + 1)
                        dst[o + n + 1] = UInt8(ascii: "\"")
                        o += n + 2
                    } else {
                        o += PercentEncoding.write(b, to: dst + o, form: true)
                    }
                }
            }
            return o
        }

        mutating func assemble(json: Bool) -> [UInt8] {
            let total = finish(json: json)
            return [UInt8](unsafeUninitializedCapacity: total) { out, count in
                count = write(json: json, to: out.baseAddress!)
                precondition(count == total, "request body size mismatch")
            }
        }
    }

    private func appendQueryAttributes(prefix: String, to out: inout Parts) {
        for (i, attr) in attributes.enumerated() {
            let p = "&\(prefix)MessageAttribute.\(i + 1)."
            out.append("\(p)Name=".utf8)
            out.append(PercentEncoding.encode(attr.name.utf8))
            out.append("\(p)Value.DataType=String\(p)Value.StringValue=".utf8)
            out.append(PercentEncoding.encode(attr.value.utf8))
        }
    }

    private func queryBody(_ m: OutgoingMessage, _ out: inout Parts) {
        out.append("Action=SendMessage&MessageBody=".utf8)
        out.message(m.body)
        appendQueryAttributes(prefix: "", to: &out)
        out.append("&Version=2012-11-05".utf8)
    }

    private func queryBatchBody(_ ms: [OutgoingMessage], _ out: inout Parts) {
        out.append("Action=SendMessageBatch".utf8)
        for (i, m) in ms.enumerated() {
            let p = "SendMessageBatchRequestEntry.\(i + 1)."
            out.append("&\(p)Id=m\(m.number)&\(p)MessageBody=".utf8)
            out.message(m.body)
            appendQueryAttributes(prefix: p, to: &out)
        }
        out.append("&Version=2012-11-05".utf8)
    }

    private func appendJSONEntry(_ m: OutgoingMessage, id: Bool, to out: inout Parts) {
        if id { out.append("\"Id\":\"m\(m.number)\",".utf8) }
        out.append("\"MessageBody\":".utf8)
        out.message(m.body)
        out.append(",\"MessageAttributes\":{".utf8)
        for (i, attr) in attributes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(attr.name, into: &out.current)
            out.append(":{\"DataType\":\"String\",\"StringValue\":".utf8)
            JSONWriter.writeString(attr.value, into: &out.current)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    private func jsonBody(_ m: OutgoingMessage, _ out: inout Parts) {
        out.append("{\"QueueUrl\":".utf8)
        JSONWriter.writeString(queueURL.absoluteString, into: &out.current)
        out.append(UInt8(ascii: ","))
        appendJSONEntry(m, id: false, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    private func jsonBatchBody(_ ms: [OutgoingMessage], _ out: inout Parts) {
        out.append("{\"QueueUrl\":".utf8)
        JSONWriter.writeString(queueURL.absoluteString, into: &out.current)
        out.append(",\"Entries\":[".utf8)
        for (i, m) in ms.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            appendJSONEntry(m, id: true, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append("]}".utf8)
    }
}
