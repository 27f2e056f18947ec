import Foundation

/// Reads SendMessage / SendMessageBatch responses and errors of both protocols.
enum SQSResponseParser {
    /// One result per sent message, in order.
    static func parse(
        status: Int, headers: [String: String], body: [UInt8], messages: [OutgoingMessage],
        sqsProtocol: SQSProtocol
    ) -> Result<[Result<String, TransportError>], TransportError> {
        let text = String(decoding: body, as: UTF8.self)
        guard (200..<300).contains(status) else { return .failure(error(status: status, headers: headers, text: text)) }
        switch sqsProtocol {
        case .query: return parseQuery(text, messages: messages)
        case .json: return parseJSON(body, messages: messages)
        }
    }

    static func error(status: Int, headers: [String: String], text: String) -> TransportError {
        var code = "HTTP\(status)"
        var message = text.count > 300 ? String(text.prefix(300)) + "..." : text
        if let queryError = headers.first(where: { $0.key.lowercased() == "x-amzn-query-error" })?.value {
            code = String(queryError.split(separator: ";").first ?? Substring(queryError))
        } else if let c = tag("Code", in: text) {
            code = c
        } else if case .object(let o)? = try? JSONParser.parse(text), let t = o["__type"]?.stringValue {
            code = String(t.split(separator: "#").last ?? Substring(t))
        }
        if let m = tag("Message", in: text) {
            message = m
        } else if case .object(let o)? = try? JSONParser.parse(text), let m = (o["message"] ?? o["Message"])?.stringValue {
            message = m
        }
        return TransportError(
            code: code, message: message, status: status,
            retryable: TransportError.isRetryable(code: code, status: status))
    }

    static func parseQuery(_ text: String, messages: [OutgoingMessage]) -> Result<[Result<String, TransportError>], TransportError> {
        if messages.count == 1 {
            guard let id = tag("MessageId", in: text) else {
                return .failure(TransportError(code: "BadResponse", message: "no MessageId in SQS response", status: 200, retryable: true))
            }
            return .success([.success(id)])
        }
        var byId: [String: Result<String, TransportError>] = [:]
        for entry in blocks("SendMessageBatchResultEntry", in: text) {
            if let id = tag("Id", in: entry), let mid = tag("MessageId", in: entry) { byId[id] = .success(mid) }
        }
        for entry in blocks("BatchResultErrorEntry", in: text) {
            guard let id = tag("Id", in: entry) else { continue }
            let code = tag("Code", in: entry) ?? "BatchEntryFailed"
            let senderFault = tag("SenderFault", in: entry) == "true"
            byId[id] = .failure(
                TransportError(
                    code: code, message: tag("Message", in: entry) ?? code, status: 200,
                    retryable: !senderFault || TransportError.isRetryable(code: code, status: nil)))
        }
        return .success(entries(byId, messages))
    }

    static func parseJSON(_ body: [UInt8], messages: [OutgoingMessage]) -> Result<[Result<String, TransportError>], TransportError> {
        guard case .object(let o)? = try? JSONParser.parse(body) else {
            return .failure(TransportError(code: "BadResponse", message: "SQS response is not JSON", status: 200, retryable: true))
        }
        if messages.count == 1 {
            guard let id = o["MessageId"]?.stringValue else {
                return .failure(TransportError(code: "BadResponse", message: "no MessageId in SQS response", status: 200, retryable: true))
            }
            return .success([.success(id)])
        }
        var byId: [String: Result<String, TransportError>] = [:]
        for e in o["Successful"]?.arrayValue ?? [] {
            if let id = e[path: "Id"]?.stringValue, let mid = e[path: "MessageId"]?.stringValue { byId[id] = .success(mid) }
        }
        for e in o["Failed"]?.arrayValue ?? [] {
            guard let id = e[path: "Id"]?.stringValue else { continue }
            let code = e[path: "Code"]?.stringValue ?? "BatchEntryFailed"
            let senderFault = e[path: "SenderFault"]?.boolValue ?? false
            byId[id] = .failure(
                TransportError(
                    code: code, message: e[path: "Message"]?.stringValue ?? code, status: 200,
                    retryable: !senderFault || TransportError.isRetryable(code: code, status: nil)))
        }
        return .success(entries(byId, messages))
    }

    private static func entries(_ byId: [String: Result<String, TransportError>], _ messages: [OutgoingMessage]) -> [Result<String, TransportError>] {
        messages.map {
            byId["m\($0.number)"]
                ?? .failure(TransportError(code: "MissingEntry", message: "SQS did not report on this batch entry", status: 200, retryable: true))
        }
    }

    /// The text of the first `<name>...</name>` element.
    static func tag(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>"),
            let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        return unescapeXML(String(text[open.upperBound..<close.lowerBound]))
    }

    static func blocks(_ name: String, in text: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            out.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func unescapeXML(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
