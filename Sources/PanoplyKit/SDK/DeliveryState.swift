import Foundation

/// The SDK's delivery bookkeeping as a state machine, in the style of async-http-client's
/// `Transaction.StateMachine`: every `mutating` method is named after an event and returns
/// what ``PanoplySDK`` must do next (``Actions``), which it performs outside its lock.
///
/// A sealed message is registered as unacknowledged in the same step that seals it, so no
/// state exists in which a sealed message is neither buffered nor unacknowledged, and
/// ``deliveredThrough`` never covers a record that was not acknowledged.
///
/// Where a message is, from sealing to acknowledgement:
/// `storing` (being written to the spool) -> `pending` (queued) -> in flight (a worker has
/// it) -> acknowledged, or `failed` (kept until ``retryFailed()``). Waiters are plain ids;
/// the SDK keeps the continuations that belong to them.
struct DeliveryState {
    enum Lifecycle: Equatable { case open, closing, closed }
    typealias WaiterID = UInt64

    private(set) var lifecycle: Lifecycle = .open
    private var batcher: Batcher
    private(set) var counters = SDKCounters()
    /// Whether sealed messages are written to a spool before they may be sent.
    private let spooling: Bool
    private let maxBufferedBytes: Int
    private let maxBatchCount: Int
    private let maxBatchBytes: Int
    /// When a failed send is tried again (``sendFailed(_:error:attempt:cancelled:random:)``).
    let retry: RetryPolicy
    /// Sealed messages being written to the spool (not yet sendable).
    private var storing: [UInt64: OutgoingMessage] = [:]
    private var pending: [OutgoingMessage] = []
    private var pendingHead = 0
    /// Body bytes of sealed, unacknowledged messages.
    private var sealedBytes = 0
    /// First record of each sealed message not yet acknowledged (failed ones included).
    private var unacked: [UInt64: UInt64] = [:]
    /// All records up to this sequence number are acknowledged.
    private(set) var deliveredThrough: UInt64 = 0
    private var failed: [OutgoingMessage] = []
    private var lastFailure: PanoplyError?
    private var workerWaiters: [WaiterID] = []
    private var flushWaiters: [(target: UInt64, id: WaiterID)] = []
    private var capacityWaiters: [WaiterID] = []

    init(batcher: Batcher, spooling: Bool, maxBufferedBytes: Int, maxBatchCount: Int, maxBatchBytes: Int, retry: RetryPolicy = RetryPolicy()) {
        self.batcher = batcher
        self.retry = retry
        self.spooling = spooling
        self.maxBufferedBytes = maxBufferedBytes
        self.maxBatchCount = maxBatchCount
        self.maxBatchBytes = maxBatchBytes
    }

    var bufferedBytes: Int { sealedBytes + batcher.bufferedBytes }
    var lastWritten: UInt64 { batcher.nextRecord - 1 }
    var bodyLimit: Int { batcher.bodyLimit }
    var pendingCount: Int { pending.count - pendingHead }
    var isFull: Bool { bufferedBytes > maxBufferedBytes }
    /// Writers waiting for room (for tests and diagnostics).
    var waitingWriters: Int { capacityWaiters.count }
    /// When the buffer is full of messages that failed for good, waiting for room would
    /// wait forever: this error says so (nil otherwise).
    var stuckError: PanoplyError? { isFull && !failed.isEmpty ? undeliveredError() : nil }
    /// Records sealed so far end here.
    private var lastSealedRecord: UInt64 { batcher.nextRecord - 1 - UInt64(batcher.bufferedRecords) }

    /// A worker is done with these messages (acknowledged, or failed and kept in
    /// `failed`, which still holds their bodies): their buffers may be filled again.
    mutating func finished(_ batch: inout [OutgoingMessage]) {
        for i in batch.indices { batcher.recycle(&batch[i].body) }
    }

    // MARK: Writing and sealing

    /// A record is written: encoded into the open message, which may seal the one before.
    /// - Returns: `.full` (nothing written) when the buffer has no room.
    /// - Throws: ``PanoplyError`` when the SDK is closing or the record cannot be written.
    mutating func write(now: @autoclosure () -> Duration, table: String, encode: (inout [UInt8]) throws -> Void) throws -> WriteOutcome {
        guard lifecycle == .open else { throw Self.closedError }
        if isFull { return .full }
        let r: (record: UInt64, sealed: OutgoingMessage?)
        do {
            r = try batcher.append(now: now(), describe: { "record for table '\(table)'" }, encode: encode)
        } catch let e as JSONError {
            throw PanoplyError(.config, "record for table '\(table)' cannot be written as JSON: \(e.message)", code: 422, retryable: false)
        }
        counters.records += 1
        counters.buffered += 1
        guard let m = r.sealed else { return .written(r.record) }
        return .sealed(r.record, sealed(m))
    }

    enum WriteOutcome {
        /// Written into the open message (the hot path: no actions, nothing to copy).
        case written(UInt64)
        /// Written, and the message before it was sealed: perform these actions.
        case sealed(UInt64, Actions)
        case full
    }

    static let closedError = PanoplyError(.internal, "the SDK is closing or closed; records can no longer be written", retryable: false)

    /// The flush interval may have passed: seal the open message if so.
    mutating func tick(now: Duration) -> Actions {
        guard let m = batcher.tick(now: now) else { return Actions() }
        return sealed(m)
    }

    /// A message was sealed: it is unacknowledged from this step on, and goes to the
    /// spool first (when there is one) or straight to the queue.
    private mutating func sealed(_ m: OutgoingMessage) -> Actions {
        sealedBytes += m.body.count
        unacked[m.number] = m.firstRecord
        guard spooling else { return enqueue(m) }
        storing[m.number] = m
        var a = Actions()
        a.store.append(m)
        return a
    }

    /// The spool holds `m` now (or could not take it: then it is sent from memory).
    mutating func spooled(_ m: OutgoingMessage) -> Actions {
        guard storing.removeValue(forKey: m.number) != nil else { return Actions() }
        return enqueue(m)
    }

    /// A message a previous process left in the spool: queued, numbered as if written now.
    mutating func recovered(body: [UInt8], recordCount: Int) -> (OutgoingMessage, Actions) {
        counters.records += recordCount
        counters.buffered += recordCount
        let m = batcher.adopt(body: body, recordCount: recordCount)
        sealedBytes += m.body.count
        unacked[m.number] = m.firstRecord
        return (m, enqueue(m))
    }

    private mutating func enqueue(_ m: OutgoingMessage) -> Actions {
        pending.append(m)
        var a = Actions()
        if !workerWaiters.isEmpty {
            a.work.append((workerWaiters.removeFirst(), takeBatch()))
        }
        return a
    }

    // MARK: Sending

    /// A worker asks for work.
    mutating func workWanted(by id: WaiterID) -> WorkAnswer {
        if pendingCount > 0 { return .batch(takeBatch()) }
        if lifecycle == .closed { return .stop }
        workerWaiters.append(id)
        return .wait
    }

    enum WorkAnswer { case batch([OutgoingMessage]), wait, stop }

    /// Up to `maxBatchCount` queued messages within `maxBatchBytes`.
    private mutating func takeBatch() -> [OutgoingMessage] {
        var batch: [OutgoingMessage] = []
        var bytes = 0
        while pendingHead < pending.count, batch.count < maxBatchCount {
            let m = pending[pendingHead]
            if !batch.isEmpty, bytes + m.body.count > maxBatchBytes { break }
            batch.append(m)
            bytes += m.body.count
            pending[pendingHead].body = []  // the slot stays until compaction; its body need not
            pendingHead += 1
        }
        if pendingHead > 64, pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        counters.inFlight += batch.count
        return batch
    }

    /// An attempt to send `count` messages starts.
    mutating func sendStarted(count: Int) { counters.sends += count }

    /// The destination acknowledged `m`.
    mutating func acknowledged(_ m: OutgoingMessage) -> Actions {
        counters.inFlight -= 1
        counters.messages += 1
        counters.bytes += m.body.count
        counters.recordsDelivered += m.recordCount
        counters.buffered -= m.recordCount
        sealedBytes -= m.body.count
        unacked[m.number] = nil
        // Every sealed message is in `unacked` until acknowledged, and messages are sealed
        // in record order: all before the lowest unacknowledged first record is delivered.
        if let lowest = unacked.values.min() {
            deliveredThrough = max(deliveredThrough, lowest - 1)
        } else {
            deliveredThrough = max(deliveredThrough, lastSealedRecord)
        }
        var a = Actions()
        let through = deliveredThrough
        a.flushSucceeded = takeFlushWaiters { $0 <= through }
        a.capacity = takeCapacityWaiters()
        return a
    }

    /// Messages will be sent again after a backoff (``sendFailed(_:error:attempt:cancelled:random:)`` decides).
    mutating func retryScheduled(count: Int) {
        counters.errors += 1
        counters.retries += 1
    }

    /// An error event that is not a send attempt (a spool that cannot be written or read).
    mutating func errorReported() { counters.errors += 1 }

    /// `ms` failed for good (or ran out of retries): kept, reported to the flushes that cover them.
    mutating func failed(_ ms: [OutgoingMessage], error: PanoplyError, countError: Bool) -> Actions {
        if countError { counters.errors += 1 }
        var a = Actions()
        for m in ms {
            counters.inFlight -= 1
            counters.undelivered += m.recordCount
            failed.append(m)
        }
        lastFailure = error
        // Writers waiting for room must learn that it may never come.
        a.capacity = takeCapacityWaiters()
        let err = undeliveredError()
        let first = ms.map(\.firstRecord).min() ?? .max
        a.flushFailed = takeFlushWaiters { $0 >= first }.map { ($0, err) }
        return a
    }

    /// The messages that failed for good go back in the queue (the cause was fixed).
    mutating func retryFailed() -> Actions {
        let again = failed
        failed = []
        lastFailure = nil
        counters.undelivered = 0
        var a = Actions()
        for m in again { a.merge(enqueue(m)) }
        return a
    }

    // MARK: Waiting and closing

    /// A flush: seals the open message; the caller then waits for ``lastWritten``.
    mutating func flushRequested() -> (target: UInt64, actions: Actions) {
        guard let m = batcher.seal() else { return (lastWritten, Actions()) }
        return (lastWritten, sealed(m))
    }

    /// A caller wants every record up to `target` acknowledged.
    mutating func deliveryWanted(through target: UInt64, by id: WaiterID) -> WaitAnswer {
        if target <= deliveredThrough { return .done }
        if failed.contains(where: { $0.firstRecord <= target }) { return .failed(undeliveredError()) }
        flushWaiters.append((target, id))
        return .wait
    }

    /// A writer wants room in the buffer; `.done` means write now (the write reports a
    /// closing SDK), `.failed` that room will not come (messages failed for good).
    mutating func capacityWanted(by id: WaiterID) -> WaitAnswer {
        if lifecycle != .open || !isFull { return .done }
        if let stuck = stuckError { return .failed(stuck) }
        capacityWaiters.append(id)
        return .wait
    }

    /// A writer waiting for room was cancelled. - Returns: whether it was still waiting
    /// (then its canceller resumes it; otherwise an event already woke it).
    mutating func capacityCancelled(_ id: WaiterID) -> Bool {
        guard let i = capacityWaiters.firstIndex(of: id) else { return false }
        capacityWaiters.remove(at: i)
        return true
    }

    /// `close()` begins: from now on writes are refused, and the open message is sealed,
    /// so nothing written before stays behind in a message that nothing seals.
    mutating func closeRequested() -> (target: UInt64, actions: Actions) {
        if lifecycle == .open { lifecycle = .closing }
        return flushRequested()
    }

    /// `close()` stops waiting: idle workers stop and waiting writers wake (to be refused).
    /// Workers busy with a batch finish it.
    mutating func closeFinished() -> Actions {
        lifecycle = .closed
        var a = Actions()
        a.stopWorkers = workerWaiters
        workerWaiters = []
        a.capacity = takeCapacityWaiters()
        return a
    }

    /// Every worker has stopped: flushes still waiting will not be answered otherwise.
    mutating func workersStopped() -> Actions {
        var a = Actions()
        a.flushFailed = flushWaiters.map { ($0.id, Self.closedBeforeDelivery) }
        flushWaiters = []
        return a
    }

    /// The error a flush reports while messages are kept undelivered.
    func undeliveredError() -> PanoplyError {
        let records = failed.reduce(0) { $0 + $1.recordCount }
        var e = lastFailure ?? PanoplyError(.transient, "send failed")
        let r = records == 1 ? "1 record" : "\(records) records"
        let m = failed.count == 1 ? "1 message" : "\(failed.count) messages"
        e.message = "\(r) in \(m) \(records == 1 ? "was" : "were") not delivered; last error: \(e.message)"
        e.retryable = false
        return e
    }

    /// A flush waiter was cancelled. - Returns: whether it was still waiting.
    mutating func flushCancelled(_ id: WaiterID) -> Bool {
        guard let i = flushWaiters.firstIndex(where: { $0.id == id }) else { return false }
        flushWaiters.remove(at: i)
        return true
    }

    private mutating func takeFlushWaiters(_ match: (UInt64) -> Bool) -> [WaiterID] {
        var out: [WaiterID] = []
        flushWaiters.removeAll { w in
            if match(w.target) { out.append(w.id); return true }
            return false
        }
        return out
    }

    private mutating func takeCapacityWaiters() -> [WaiterID] {
        defer { capacityWaiters = [] }
        return capacityWaiters
    }

    /// Where each unacknowledged message is, for tests and diagnostics.
    struct Inventory: Equatable {
        var storing: Set<UInt64>
        var pending: [OutgoingMessage]
        var failed: [OutgoingMessage]
        /// Message number to first record, for every sealed, unacknowledged message.
        var unacked: [UInt64: UInt64]
        var openRecords: Int
        var lastSealedRecord: UInt64
    }

    var inventory: Inventory {
        Inventory(
            storing: Set(storing.keys), pending: Array(pending[pendingHead...]), failed: failed,
            unacked: unacked, openRecords: batcher.bufferedRecords, lastSealedRecord: lastSealedRecord)
    }
}
