import Foundation
import Synchronization

/// Streams JSON records to Panoply's SQS queue (or any SQS queue, or a local outbox):
/// buffered, batched into messages, sent concurrently, retried, and never dropped.
///
/// ```swift
/// try await PanoplySDK.withSDK(config) { sdk in
///     try sdk.write("users", ["id": 1, "name": "Alice"])
/// }   // flushed and closed here
/// ```
public final class PanoplySDK: Sendable {
    public let configuration: SDKConfiguration
    let transport: any MessageTransport
    let state: Mutex<DeliveryState>
    let hub = EventHub<SDKEvent, SDKEvent.Kind>()
    let spool: Spool?
    private let now: @Sendable () -> Duration
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// The flush-interval timer; cancelled on close so closing never waits for its sleep.
    let ticker = Mutex<Task<Void, Never>?>(nil)

    func tasksAppend(_ t: [Task<Void, Never>]) { tasks.withLock { $0 += t } }

    /// Creates an SDK for a configuration, with the transport it implies.
    /// - Throws: ``PanoplyError`` (config) for invalid settings or an unusable outbox/spool folder.
    public convenience init(_ configuration: SDKConfiguration) throws {
        try self.init(configuration, transport: Self.makeTransport(configuration))
    }

    /// The original SDK's constructor: Panoply's queue from an API key and secret.
    /// - Throws: ``PanoplyError`` naming what is malformed in the key or secret.
    public convenience init(apiKey: String, apiSecret: String) throws {
        try self.init(SDKConfiguration(credentials: PanoplyCredentials(apiKey: apiKey, apiSecret: apiSecret)))
    }

    /// Creates an SDK that sends through `transport` (a test double, or a custom destination).
    /// - Parameters:
    ///   - now: the clock the flush interval is measured with (monotonic, any origin).
    ///   - autoTick: run the background timer that seals messages after the flush interval.
    public init(_ configuration: SDKConfiguration, transport: any MessageTransport,
                now: (@Sendable () -> Duration)? = nil, autoTick: Bool = true) throws {
        _ = try configuration.validatedQueueURL()
        self.configuration = configuration
        self.transport = transport
        let bodyLimit = configuration.maxMessageBytes - configuration.attributeBytes
        guard bodyLimit >= 256 else {
            throw PanoplyError.config("max message bytes \(configuration.maxMessageBytes) leaves no room after \(configuration.attributeBytes) bytes of attributes")
        }
        spool = try configuration.spoolDirectory.map { try Spool(directory: $0) }
        let first = spool?.nextMessageNumber ?? 1
        state = Mutex(DeliveryState(batcher: Batcher(bodyLimit: bodyLimit, flushInterval: configuration.flushInterval, firstMessage: first)))
        if let now {
            self.now = now
        } else {
            let origin = ContinuousClock.now
            self.now = { ContinuousClock.now - origin }
        }
        startWorkers(autoTick: autoTick)
        if let spool { try recover(from: spool) }
    }

    static func makeTransport(_ c: SDKConfiguration) throws -> any MessageTransport {
        if case .outbox(let dir) = c.destination { return try OutboxTransport(directory: dir) }
        guard let s = try c.validatedQueueURL(), let url = URL(string: s) else {
            throw PanoplyError.config("no queue URL could be derived from the destination")
        }
        return try SQSTransport(queueURL: url, sqsProtocol: c.sqsProtocol, attributes: c.attributes,
                                awsCredentials: c.awsCredentials, region: c.credentials?.region, concurrency: c.concurrency,
                                useBatch: c.useSendMessageBatch, network: c.network)
    }

    /// Runs `body` with a new SDK, then flushes and closes it, also when `body` throws.
    /// - Throws: `body`'s error, or the error of `close()` when records stayed undelivered.
    public static func withSDK<T>(_ configuration: SDKConfiguration, _ body: (PanoplySDK) async throws -> T) async throws -> T {
        let sdk = try PanoplySDK(configuration)
        let result: T
        do {
            result = try await body(sdk)
        } catch {
            try? await sdk.close()
            throw error
        }
        try await sdk.close()
        return result
    }

    // MARK: Writing

    /// Buffers one record for `table`; it gets `"__table": table`.
    ///
    /// Synchronous and cheap; callable from any thread or task.
    /// - Returns: the record's sequence number (see ``deliveredThrough``).
    /// - Throws: ``PanoplyError`` for a non-finite number, a record that can never fit in
    ///   one message, a full buffer (use the `async` overload to wait instead), or a closed SDK.
    @discardableResult
    public func write(_ table: String, _ record: JSONObject) throws -> UInt64 {
        try append(table: table) { try JSONWriter.writeRecord(record, table: table, into: &$0) }
    }

    /// Like `write`, but waits while the buffer is full instead of throwing.
    @discardableResult
    public func writeWithBackpressure(_ table: String, _ record: JSONObject) async throws -> UInt64 {
        await waitForCapacity()
        if let stuck = stuckError { throw stuck }
        return try write(table, record)
    }

    /// Writes an `Encodable` value, which must encode as a JSON object.
    /// - Throws: ``PanoplyError`` when it does not encode, or as the `JSONObject` overload.
    @discardableResult
    public func write<T: Encodable>(_ table: String, encoding value: T) throws -> UInt64 {
        let data: Data
        do { data = try JSONEncoder().encode(value) } catch {
            throw PanoplyError(.config, "record for table '\(table)' cannot be encoded as JSON: \(error)", code: 422)
        }
        guard case .object(let o) = try JSONParser.parse([UInt8](data)) else {
            throw PanoplyError(.config, "record for table '\(table)' must encode as a JSON object", code: 422)
        }
        return try write(table, o)
    }

    /// Appends one record whose JSON the caller writes (used by `panoply send` to pass
    /// numbers through exactly). `encode` must append one valid JSON object that carries
    /// `"__table": table`; nothing checks it, hence SPI rather than public API.
    @_spi(PanoplyCLI)
    public func append(table: String, encode: (inout [UInt8]) throws -> Void) throws -> UInt64 {
        let t = now()
        let (seq, sealed) = try state.withLock { s -> (UInt64, OutgoingMessage?) in
            guard !s.closed else { throw PanoplyError(.internal, "the SDK is closed; records can no longer be written", retryable: false) }
            if s.bufferedBytes > configuration.maxBufferedBytes {
                throw PanoplyError(.rateLimit, "the SDK buffer is full (\(s.bufferedBytes) bytes waiting for the destination); wait and write again, or use the async write", code: 429, retryable: true)
            }
            let r: (record: UInt64, sealed: OutgoingMessage?)
            do {
                r = try s.batcher.append(now: t, describe: { "record for table '\(table)'" }, encode: encode)
            } catch let e as JSONError {
                throw PanoplyError(.config, "record for table '\(table)' cannot be written as JSON: \(e.message)", code: 422, retryable: false)
            }
            s.counters.records += 1
            s.counters.buffered += 1
            return r
        }
        if let sealed { dispatch(sealed) }
        return seq
    }

    /// Whether a `write` now would be within the buffer limit.
    public var hasCapacity: Bool { state.withLock { $0.bufferedBytes <= configuration.maxBufferedBytes } }

    /// The error to report when the buffer is full of messages that failed for good, so
    /// waiting for room would wait forever; nil otherwise.
    public var stuckError: PanoplyError? {
        state.withLock { s in
            s.bufferedBytes > configuration.maxBufferedBytes && !s.failed.isEmpty ? s.undeliveredError() : nil
        }
    }

    /// Suspends until the buffer has room, the SDK is closed, or messages failed for good
    /// (check ``stuckError``).
    public func waitForCapacity() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.closed || s.bufferedBytes <= configuration.maxBufferedBytes || !s.failed.isEmpty { return true }
                s.capacityWaiters.append(c)
                return false
            }
            if ready { c.resume() }
        }
    }

    /// Spools (when configured) and queues a sealed message. When the spool cannot take
    /// it (disk full, permissions), the message is still sent from memory and an error
    /// event says it is not crash-safe; dropping it would lose its records for sure.
    func dispatch(_ m: OutgoingMessage) {
        if let spool {
            do { try spool.store(m) } catch {
                let e = PanoplyError(.internal, "\(error.message); sending message \(m.number) from memory: its \(m.recordCount) records are lost if the process dies before it is acknowledged", retryable: true)
                state.withLock { $0.counters.errors += 1 }
                hub.emit(.error(SDKErrorInfo(error: e, messages: [MessageInfo(m, attempt: 0)], willRetry: true)), kind: .error)
            }
        }
        state.withLock { $0.sealed(m, maxCount: transport.maxBatchCount, maxBytes: transport.maxBatchBytes) }.resume()
    }

    /// Seals the open message if the flush interval has passed (the background timer calls this).
    public func tick() {
        let t = now()
        if let m = state.withLock({ $0.batcher.tick(now: t) }) { dispatch(m) }
    }

    // MARK: Observing

    /// Sets a handler for `send`, `flush` or `error` events, as in the original SDK.
    public func on(_ kind: SDKEvent.Kind, _ handler: @escaping @Sendable (SDKEvent) -> Void) {
        hub.on(kind, handler)
    }

    /// A stream of every event from now on, ending when the SDK closes.
    /// - Parameter buffer: how many events to keep for a slow reader (the newest are kept).
    public func events(buffer: Int = 65_536) -> AsyncStream<SDKEvent> { hub.stream(buffer: buffer) }

    /// A snapshot of the counters.
    public var counters: SDKCounters { state.withLock { $0.counters } }

    /// Every record with a sequence number up to this one has been acknowledged.
    public var deliveredThrough: UInt64 { state.withLock { $0.deliveredThrough } }

    // MARK: Lifecycle

    /// Waits until every record written so far is acknowledged.
    /// - Throws: ``PanoplyError`` when some of them failed for good (they are kept; see
    ///   ``retryFailed()``), or `CancellationError`.
    public func flush() async throws {
        let target = state.withLock { s -> (UInt64, OutgoingMessage?) in
            (s.lastWritten, s.batcher.seal())
        }
        if let m = target.1 { dispatch(m) }
        try await waitUntilDelivered(target.0)
    }

    /// Waits until every record up to sequence number `record` is acknowledged.
    /// - Throws: ``PanoplyError`` when one of them failed for good.
    public func waitUntilDelivered(_ record: UInt64) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                let outcome = state.withLock { s -> Result<Bool, PanoplyError> in
                    if Task.isCancelled { return .failure(PanoplyError(.internal, "cancelled", retryable: false)) }
                    let o = s.flushOutcome(target: record)
                    if case .success(false) = o { s.flushWaiters.append((record, id, c)) }
                    return o
                }
                switch outcome {
                case .success(true): c.resume()
                case .success(false): break
                case .failure(let e): c.resume(throwing: e)
                }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, Error>? in
                guard let i = s.flushWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.flushWaiters.remove(at: i).continuation
            }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Sends again the messages that failed for good (after the cause was fixed).
    public func retryFailed() {
        for w in state.withLock({ $0.requeueFailed(maxCount: transport.maxBatchCount, maxBytes: transport.maxBatchBytes) }) {
            w.resume()
        }
    }

    /// Flushes, then stops the SDK. Records written before `close()` are delivered or,
    /// if they cannot be, reported in the thrown error (and kept in the spool, if any).
    /// - Parameter timeout: give up waiting after this long (nil waits for the retry policy).
    /// - Throws: ``PanoplyError`` naming how many records stayed undelivered.
    public func close(timeout: Duration? = nil) async throws {
        var failure: Error?
        do {
            if let timeout {
                try await withDeadline(timeout) { try await self.flush() }
            } else {
                try await flush()
            }
        } catch { failure = error }
        let (workers, wake) = state.withLock { s -> ([CheckedContinuation<[OutgoingMessage]?, Never>], [CheckedContinuation<Void, Never>]) in
            s.closed = true
            defer { s.workerWaiters = []; s.capacityWaiters = [] }
            return (s.workerWaiters, s.capacityWaiters)
        }
        ticker.withLock { $0?.cancel() }
        for w in workers { w.resume(returning: nil) }
        for w in wake { w.resume() }
        let running = tasks.withLock { $0 }
        if failure != nil { for t in running { t.cancel() } }
        for t in running { await t.value }
        spool?.release()
        let leftover = state.withLock { s -> [(CheckedContinuation<Void, Error>, PanoplyError)] in
            let e = PanoplyError(.internal, "the SDK closed before these records were delivered", retryable: false)
            defer { s.flushWaiters = [] }
            return s.flushWaiters.map { ($0.continuation, e) }
        }
        for (c, e) in leftover { c.resume(throwing: e) }
        hub.finish()
        if let failure {
            let c = counters
            let undelivered = c.records - c.recordsDelivered
            if var e = failure as? PanoplyError {
                if !e.message.contains("not delivered") { e.message = "\(undelivered) records were not delivered: \(e.message)" }
                throw e
            }
            throw PanoplyError(.transient, "\(undelivered) records were not delivered: \(failure)", retryable: false)
        }
    }
}

/// Runs `body`, throwing a timeout error if it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw PanoplyError(.transient, "timed out after \(limit) waiting for the destination", code: 408, retryable: false)
        }
        let r = try await group.next()!
        group.cancelAll()
        return r
    }
}
