/// A message ready to go: NDJSON body (each record + "\n\n") and the records it covers.
public struct OutgoingMessage: Sendable, Equatable {
    /// 1-based, in the order messages were sealed.
    public let number: UInt64
    /// Settable inside the SDK only, so a delivered message's buffer can be taken back
    /// for the next message (``Batcher/recycle(_:)``).
    public internal(set) var body: [UInt8]
    public let recordCount: Int
    /// Sequence numbers (1-based) of the first and last record in the body.
    public let firstRecord: UInt64
    public let lastRecord: UInt64

    public init(number: UInt64, body: [UInt8], recordCount: Int, firstRecord: UInt64, lastRecord: UInt64) {
        self.number = number
        self.body = body
        self.recordCount = recordCount
        self.firstRecord = firstRecord
        self.lastRecord = lastRecord
    }
}
