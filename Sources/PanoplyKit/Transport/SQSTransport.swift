import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends messages to an SQS queue over HTTP(S) with URLSession (keep-alive, several
/// requests in flight), unsigned as the original SDK or signed with SigV4.
public final class SQSTransport: MessageTransport {
    public let builder: SQSRequestBuilder
    public let signer: SigV4Signer?
    public let maxBatchCount: Int
    public let maxBatchBytes: Int
    private let session: URLSession

    /// - Parameters:
    ///   - queueURL: the queue's URL.
    ///   - sqsProtocol: Query or JSON.
    ///   - attributes: message attributes on every message.
    ///   - awsCredentials: sign with SigV4 when given.
    ///   - region: signing region; derived from the queue host when nil.
    ///   - concurrency: connections to keep open.
    ///   - useBatch: allow SendMessageBatch.
    ///   - maxBatchBytes: the most bytes (bodies and attributes) in one SendMessageBatch.
    public init(queueURL: URL, sqsProtocol: SQSProtocol, attributes: [(name: String, value: String)],
                awsCredentials: AWSCredentials?, region: String?, concurrency: Int, useBatch: Bool,
                maxBatchBytes: Int = SDKConfiguration.sqsMaxMessageBytes, requestTimeout: TimeInterval = 30) {
        builder = SQSRequestBuilder(queueURL: queueURL, sqsProtocol: sqsProtocol, attributes: attributes)
        signer = awsCredentials.map { SigV4Signer(credentials: $0, region: region ?? Self.region(of: queueURL) ?? "us-east-1") }
        maxBatchCount = useBatch ? 10 : 1
        // SQS counts attributes toward a batch's size too; keep room for them on every entry.
        let attributeBytes = attributes.reduce(0) { $0 + $1.name.utf8.count + "String".utf8.count + $1.value.utf8.count }
        self.maxBatchBytes = maxBatchBytes - maxBatchCount * attributeBytes
        let config = URLSessionConfiguration.ephemeral
        config.httpMaximumConnectionsPerHost = max(concurrency, 1)
        config.timeoutIntervalForRequest = requestTimeout
        config.timeoutIntervalForResource = requestTimeout * 2
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieStorage = nil
        session = URLSession(configuration: config)
    }

    deinit { session.finishTasksAndInvalidate() }

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
        let url = builder.requestURL
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
        let req = request(for: messages)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: req)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransportError(code: "Transport", message: Self.describe(error), retryable: true)
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransportError(code: "Transport", message: "not an HTTP response", retryable: true)
        }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers[String(describing: k)] = String(describing: v) }
        switch SQSResponseParser.parse(status: http.statusCode, headers: headers, body: [UInt8](data), messages: messages,
                                       sqsProtocol: builder.sqsProtocol) {
        case .success(let r): return r
        case .failure(let e): throw e
        }
    }

    static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSURLErrorDomain {
            switch ns.code {
            case NSURLErrorCannotConnectToHost: return "cannot connect to host (connection refused)"
            case NSURLErrorTimedOut: return "request timed out"
            case NSURLErrorNetworkConnectionLost: return "connection lost"
            case NSURLErrorCannotFindHost: return "cannot resolve host"
            default: break
            }
        }
        return ns.localizedDescription
    }
}
