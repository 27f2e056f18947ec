/// Packs encoded records into messages: sealed when the next record would not fit, or
/// when the flush interval has passed since the current message's first record.
/// Pure: time comes in as `now`, measured from any fixed origin.
public struct Batcher: Sendable {
    public static let separator: [UInt8] = [0x0A, 0x0A]

    /// Bytes a body may hold (message limit minus attribute bytes).
    public let bodyLimit: Int
    public let flushInterval: Duration
    private var body: [UInt8] = []
    private var count = 0
    private var firstRecord: UInt64 = 1
    private var openedAt: Duration?
    /// Buffers of delivered messages, emptied, for the next messages to fill: a fresh
    /// buffer of this size comes from fresh pages, and faulting them in had cost a write()
    /// run about a fifth of its time.
    private var spares: [[UInt8]] = []
    static let maxSpares = 4
    private(set) var nextRecord: UInt64 = 1
    private(set) var nextMessage: UInt64 = 1

    public init(bodyLimit: Int, flushInterval: Duration, firstMessage: UInt64 = 1) {
        self.bodyLimit = bodyLimit
        self.flushInterval = flushInterval
        self.nextMessage = firstMessage
        body.reserveCapacity(min(bodyLimit, 1 << 20))
    }

    /// Records in the open (unsealed) message.
    public var bufferedRecords: Int { count }
    public var bufferedBytes: Int { body.count }

    /// Encodes one record into the open message.
    /// - Parameters:
    ///   - now: the current time, to start the flush interval of a new message (read only
    ///     when the record opens one: a clock read per record was 2% of write()).
    ///   - encode: appends the record's JSON (without separator) to the buffer.
    /// - Returns: the record's sequence number and the message sealed to make room, if any.
    /// - Throws: the encoder's error, or ``PanoplyError`` when the record alone exceeds the limit;
    ///   the buffer is unchanged then.
    public mutating func append(
        now: @autoclosure () -> Duration, describe: () -> String = { "record" },
        encode: (inout [UInt8]) throws -> Void
    ) throws -> (record: UInt64, sealed: OutgoingMessage?) {
        let start = body.count
        do { try encode(&body) } catch {
            body.removeSubrange(start...)
            throw error
        }
        body.append(contentsOf: Self.separator)
        let size = body.count - start
        guard size <= bodyLimit else {
            body.removeSubrange(start...)
            throw PanoplyError(
                .config,
                "\(describe()) is \(size) bytes as JSON, more than fits in one message (\(bodyLimit) bytes of body after attributes); split it or raise --max-message-bytes (SQS allows up to 1 MiB)",
                code: 422, retryable: false)
        }
        var sealed: OutgoingMessage?
        if body.count > bodyLimit {
            let tail = Array(body[start...])
            body.removeSubrange(start...)
            sealed = seal()
            body.append(contentsOf: tail)
        }
        if count == 0 {
            firstRecord = nextRecord
            openedAt = now()
        }
        count += 1
        let seq = nextRecord
        nextRecord += 1
        return (seq, sealed)
    }

    /// Seals the open message if its flush interval has passed.
    public mutating func tick(now: Duration) -> OutgoingMessage? {
        guard let openedAt, count > 0, now - openedAt >= flushInterval else { return nil }
        return seal()
    }

    /// When the open message must be sealed by the flush interval (nil when empty).
    public var deadline: Duration? { count > 0 ? openedAt.map { $0 + flushInterval } : nil }

    /// Wraps a body recovered from the spool as the next message, its records numbered
    /// as if written now. Call only while no message is open.
    public mutating func adopt(body: [UInt8], recordCount: Int) -> OutgoingMessage {
        precondition(count == 0, "adopt while a message is open")
        let m = OutgoingMessage(
            number: nextMessage, body: body, recordCount: recordCount,
            firstRecord: nextRecord, lastRecord: nextRecord + UInt64(recordCount) - 1)
        nextMessage += 1
        nextRecord += UInt64(recordCount)
        return m
    }

    /// Takes back the buffer of a message that is done with (acknowledged), emptied, to
    /// fill a later message. `body` is left empty. Keeps a few; the rest are freed.
    public mutating func recycle(_ body: inout [UInt8]) {
        var b: [UInt8] = []
        swap(&b, &body)
        guard spares.count < Self.maxSpares, b.capacity >= bodyLimit else { return }
        b.removeAll(keepingCapacity: true)  // in place when nothing else holds it
        spares.append(b)
    }

    /// Seals the open message now (nil when it is empty).
    public mutating func seal() -> OutgoingMessage? {
        guard count > 0 else { return nil }
        let m = OutgoingMessage(
            number: nextMessage, body: body, recordCount: count,
            firstRecord: firstRecord, lastRecord: firstRecord + UInt64(count) - 1)
        nextMessage += 1
        if let spare = spares.popLast() { body = spare } else { body.removeAll(keepingCapacity: true) }
        count = 0
        openedAt = nil
        return m
    }
}
