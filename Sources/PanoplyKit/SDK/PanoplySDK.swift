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
    let state: Mutex<SDKLockedState>
    let hub = EventHub<SDKEvent, SDKEvent.Kind>()
    let spool: Spool?
    let now: @Sendable () -> Duration
    let tasks = Mutex<[Task<Void, Never>]>([])
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
    public init(
        _ configuration: SDKConfiguration, transport: any MessageTransport,
        now: (@Sendable () -> Duration)? = nil, autoTick: Bool = true
    ) throws {
        _ = try configuration.validatedQueueURL()
        self.configuration = configuration
        self.transport = transport
        let bodyLimit = configuration.maxMessageBytes - configuration.attributeBytes
        guard bodyLimit >= 256 else {
            throw PanoplyError.config(
                "max message bytes \(configuration.maxMessageBytes) leaves no room after \(configuration.attributeBytes) bytes of attributes")
        }
        spool = try configuration.spoolDirectory.map { try Spool(directory: $0) }
        let first = spool?.nextMessageNumber ?? 1
        let batcher = Batcher(bodyLimit: bodyLimit, flushInterval: configuration.flushInterval, firstMessage: first)
        state = Mutex(
            SDKLockedState(
                DeliveryState(
                    batcher: batcher, spooling: spool != nil, maxBufferedBytes: configuration.maxBufferedBytes,
                    maxBatchCount: transport.maxBatchCount, maxBatchBytes: transport.maxBatchBytes,
                    retry: configuration.retry)))
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
        return try SQSTransport(
            queueURL: url, sqsProtocol: c.sqsProtocol, attributes: c.attributes,
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

    // MARK: Observing

    /// Sets a handler for `send`, `flush` or `error` events, as in the original SDK.
    public func on(_ kind: SDKEvent.Kind, _ handler: @escaping @Sendable (SDKEvent) -> Void) {
        hub.on(kind, handler)
    }

    /// A stream of every event from now on, ending when the SDK closes.
    /// - Parameter buffer: how many events to keep for a slow reader (the newest are kept).
    public func events(buffer: Int = 65_536) -> AsyncStream<SDKEvent> { hub.stream(buffer: buffer) }

    /// A snapshot of the counters.
    public var counters: SDKCounters { state.withLock { $0.machine.counters } }

    /// Every record with a sequence number up to this one has been acknowledged.
    public var deliveredThrough: UInt64 { state.withLock { $0.machine.deliveredThrough } }
}
