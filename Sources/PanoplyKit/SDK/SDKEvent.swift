/// What happened to a message, as the original SDK's `send`, `flush` and `error` events.
public enum SDKEvent: Sendable {
    /// Immediately before a message goes out (once per attempt).
    case send(MessageInfo)
    /// After SQS (or the outbox) acknowledged the message.
    case flush(MessageInfo, messageId: String)
    /// A send failed; `willRetry` says whether the SDK tries again.
    case error(SDKErrorInfo)

    /// The event's kind, for `on(_:_:)` handlers.
    public enum Kind: String, Sendable, CaseIterable { case send, flush, error }

    public var kind: Kind {
        switch self {
        case .send: .send
        case .flush: .flush
        case .error: .error
        }
    }
}

/// A message as events describe it.
public struct MessageInfo: Sendable, Equatable {
    public let number: UInt64
    public let records: Int
    public let bytes: Int
    /// 1 for the first attempt.
    public let attempt: Int
    public let firstRecord: UInt64
    public let lastRecord: UInt64

    init(_ m: OutgoingMessage, attempt: Int) {
        number = m.number
        records = m.recordCount
        bytes = m.body.count
        self.attempt = attempt
        firstRecord = m.firstRecord
        lastRecord = m.lastRecord
    }
}

/// A failed send.
public struct SDKErrorInfo: Sendable {
    public let error: PanoplyError
    /// The messages of the failed request (the batch), kept by the SDK.
    public let messages: [MessageInfo]
    public let willRetry: Bool
}

/// A snapshot of the SDK's counters.
public struct SDKCounters: Sendable, Equatable, Codable {
    /// Records written.
    public var records = 0
    /// Records acknowledged by the destination.
    public var recordsDelivered = 0
    /// Messages acknowledged.
    public var messages = 0
    /// Body bytes acknowledged.
    public var bytes = 0
    /// Error events (failed attempts).
    public var errors = 0
    /// Retried attempts.
    public var retries = 0
    /// Send attempts started.
    public var sends = 0
    /// Messages in flight now.
    public var inFlight = 0
    /// Records written and not yet acknowledged.
    public var buffered = 0
    /// Records in messages that failed permanently and are kept undelivered.
    public var undelivered = 0

    public init() {}

    /// `records=N messages=M bytes=B errors=E retries=R`
    public var summary: String {
        "records=\(records) messages=\(messages) bytes=\(bytes) errors=\(errors) retries=\(retries)"
    }
}
