import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends messages to an SQS queue, unsigned as the original SDK or signed with SigV4, over
/// `concurrency` keep-alive connections of ``HTTP1Client`` (request bodies built, hashed
/// and sent from reused per-connection buffers on the connection's own thread), for
/// `http://` and `https://` (system OpenSSL, certificates verified) alike, directly or
/// through the proxy that ``NetworkSettings`` names.
public final class SQSTransport: MessageTransport {
    public let builder: SQSRequestBuilder
    public let signer: SigV4Signer?
    public let maxBatchCount: Int
    public let maxBatchBytes: Int
    private let http: HTTP1Client
    /// The URL requests go to (``SQSRequestBuilder/requestURL``, built once), and the
    /// `POST` target and `Host` for ``HTTP1Client`` requests.
    private let url: URL
    private let target: String
    private let hostHeader: String

    /// - Parameters:
    ///   - queueURL: the queue's URL (`http://` or `https://`).
    ///   - sqsProtocol: Query or JSON.
    ///   - attributes: message attributes on every message.
    ///   - awsCredentials: sign with SigV4 when given.
    ///   - region: signing region; derived from the queue host when nil.
    ///   - concurrency: connections to keep open.
    ///   - useBatch: allow SendMessageBatch.
    ///   - maxBatchBytes: the most bytes (bodies and attributes) in one SendMessageBatch.
    ///   - requestTimeout: the longest wait for connecting, writing or reading.
    ///   - network: trusted CAs, certificate checks and proxies.
    /// - Throws: ``PanoplyError`` (config) when the URL has no host or a CA file is unusable.
    public init(
        queueURL: URL, sqsProtocol: SQSProtocol, attributes: [(name: String, value: String)],
        awsCredentials: AWSCredentials?, region: String?, concurrency: Int, useBatch: Bool,
        maxBatchBytes: Int = SDKConfiguration.sqsMaxMessageBytes, requestTimeout: TimeInterval = 30,
        network: NetworkSettings = NetworkSettings()
    ) throws {
        builder = SQSRequestBuilder(queueURL: queueURL, sqsProtocol: sqsProtocol, attributes: attributes)
        signer = awsCredentials.map { SigV4Signer(credentials: $0, region: region ?? Self.region(of: queueURL) ?? "us-east-1") }
        maxBatchCount = useBatch ? 10 : 1
        // SQS counts attributes toward a batch's size too; keep room for them on every entry.
        let attributeBytes = attributes.reduce(0) { $0 + $1.name.utf8.count + "String".utf8.count + $1.value.utf8.count }
        self.maxBatchBytes = maxBatchBytes - maxBatchCount * attributeBytes
        let url = builder.requestURL
        self.url = url
        hostHeader = SigV4Signer.hostHeader(url)
        let http = try HTTP1Client(url: url, connections: concurrency, timeout: requestTimeout, network: network)
        self.http = http
        let comps = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = comps?.percentEncodedPath ?? "/"
        let origin = http.usesAbsoluteForm ? "http://\(hostHeader)" : ""
        target = origin + (path.isEmpty ? "/" : path) + (comps?.percentEncodedQuery.map { "?\($0)" } ?? "")
    }

    /// The region in `sqs.REGION.amazonaws.com` or `REGION.queue.amazonaws.com`.
    public static func region(of url: URL) -> String? {
        guard let host = url.host?.lowercased(), host.hasSuffix(".amazonaws.com") else { return nil }
        let parts = host.split(separator: ".")
        if parts.first == "sqs", parts.count >= 4 { return String(parts[1]) }
        if parts.count >= 4, parts[1] == "queue" { return String(parts[0]) }
        return nil
    }

    /// The exact request for `messages` (used by tests to compare with other signers).
    public func request(for messages: [OutgoingMessage], date: Date = Date()) -> URLRequest {
        // Built straight into the Data that URLRequest carries: no second copy of the body.
        let body = builder.bodyData(for: messages)
        var headers = builder.headers(batch: messages.count > 1)
        if let signer {
            headers += signer.sign(method: "POST", url: url, headers: headers, payloadHash: SigV4Signer.payloadHash(body), date: date)
        }
        var req = URLRequest(url: url)
        req.httpMethod = "POST"
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        req.httpBody = body
        return req
    }

    public func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        let (status, headers, body) = try await sendHTTP1(messages, http)
        switch SQSResponseParser.parse(
            status: status, headers: headers, body: body, messages: messages,
            sqsProtocol: builder.sqsProtocol)
        {
        case .success(let r): return r
        case .failure(let e): throw e
        }
    }

    /// The request head for ``HTTP1Client``: the same headers as ``request(for:date:)``.
    static func head(target: String, host: String, headers: [(String, String)], contentLength: Int) -> [UInt8] {
        var head = "POST \(target) HTTP/1.1\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "Content-Length: \(contentLength)\r\n\r\n"
        return Array(head.utf8)
    }

    private func sendHTTP1(_ messages: [OutgoingMessage], _ http: HTTP1Client) async throws -> (Int, [String: String], [UInt8]) {
        let builder = builder, signer = signer, url = url, target = target, host = hostHeader
        let batch = messages.count > 1
        // A forward proxy for http:// wants its credentials on each request (not signed).
        let proxyAuth = http.usesAbsoluteForm ? http.proxy?.authorization : nil
        do {
            let r = try await http.withConnection { conn in
                builder.writeBody(for: messages, into: &conn.body)
                var headers = [("Host", host)] + builder.headers(batch: batch)
                if let signer {
                    let hash = conn.body.withUnsafeBytes { SigV4Signer.payloadHash($0) }
                    headers += signer.sign(method: "POST", url: url, headers: headers, payloadHash: hash, date: Date())
                }
                if let proxyAuth { headers.append(("Proxy-Authorization", proxyAuth)) }
                return try conn.exchange(head: Self.head(target: target, host: host, headers: headers, contentLength: conn.body.count))
            }
            return (r.status, r.headers, r.body)
        } catch let e as HTTP1Error {
            throw TransportError(code: "Transport", message: e.description, retryable: !e.permanent)
        }
    }
}
