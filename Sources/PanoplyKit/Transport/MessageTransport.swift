/// Sends sealed messages somewhere. The batching and retry logic of ``PanoplySDK`` sits
/// on top of this, so it can be tested with a double; real transports are tested
/// against real servers.
public protocol MessageTransport: Sendable {
    /// The most messages one `send` call may carry (1 disables batching).
    var maxBatchCount: Int { get }
    /// The most body bytes one `send` call may carry in all.
    var maxBatchBytes: Int { get }

    /// Sends `messages` (attributes are the transport's own).
    /// - Returns: one result per message, in order: the destination's message id, or the
    ///   error for that entry (for example a failed entry of a SendMessageBatch).
    /// - Throws: ``TransportError`` when the whole request failed.
    func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>]
}

/// A failed request or batch entry, classified for retrying.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQS's error code (`AWS.SimpleQueueService.NonExistentQueue`, `Throttling`, ...),
    /// or `Transport` for network failures.
    public var code: String
    public var message: String
    /// HTTP status, when there was a response.
    public var status: Int?
    public var retryable: Bool

    public init(code: String, message: String, status: Int? = nil, retryable: Bool) {
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable
    }

    public var description: String {
        let s = status.map { "HTTP \($0) " } ?? ""
        return "\(s)\(code): \(message)"
    }

    /// As a ``PanoplyError`` with the category the code implies.
    public var panoplyError: PanoplyError {
        let lower = code.lowercased()
        let category: PanoplyError.Category
        if lower.contains("throttl") || lower.contains("requestlimit") || status == 429 {
            category = .rateLimit
        } else if lower.contains("accessdenied") || lower.contains("signature") || lower.contains("credential") || status == 403 || status == 401 {
            category = .auth
        } else if lower.contains("nonexistentqueue") || lower.contains("queuedoesnotexist") || status == 404 {
            category = .notFound
        } else if retryable {
            category = .transient
        } else {
            category = .config
        }
        return PanoplyError(category, description, code: category == .auth && status == 403 ? 403 : nil, retryable: retryable)
    }

    /// SQS error codes that are worth retrying.
    static func isRetryable(code: String, status: Int?) -> Bool {
        let lower = code.lowercased()
        if lower.contains("throttl") || lower.contains("requestlimitexceeded") || lower.contains("serviceunavailable")
            || lower.contains("internalerror") || lower.contains("internalfailure") || lower.contains("kmsthrottling")
            || lower.contains("slowdown")
        {
            return true
        }
        if let status, status >= 500 || status == 429 || status == 408 { return true }
        return false
    }
}
