import Foundation

/// The SDK's bookkeeping: the open message, what is queued, in flight, acknowledged and
/// failed. Every method is named after an event and runs under the SDK's lock; the
/// continuations it returns are resumed by the caller outside the lock.
struct DeliveryState {
    var batcher: Batcher
    var counters = SDKCounters()
    var closed = false
    private(set) var pending: [OutgoingMessage] = []
    private var pendingHead = 0
    /// Body bytes of sealed, unacknowledged messages.
    private(set) var sealedBytes = 0
    /// First record of each sealed message not yet acknowledged (failed ones included).
    private var unacked: [UInt64: UInt64] = [:]
    /// All records up to this sequence number are acknowledged.
    private(set) var deliveredThrough: UInt64 = 0
    private(set) var failed: [OutgoingMessage] = []
    private(set) var lastFailure: PanoplyError?
    var workerWaiters: [CheckedContinuation<[OutgoingMessage]?, Never>] = []
    var flushWaiters: [(target: UInt64, id: UUID, continuation: CheckedContinuation<Void, Error>)] = []
    var capacityWaiters: [CheckedContinuation<Void, Never>] = []

    init(batcher: Batcher) {
        self.batcher = batcher
    }

    var bufferedBytes: Int { sealedBytes + batcher.bufferedBytes }
    var lastWritten: UInt64 { batcher.nextRecord - 1 }
    var pendingCount: Int { pending.count - pendingHead }

    struct Wakeups {
        var worker: (CheckedContinuation<[OutgoingMessage]?, Never>, [OutgoingMessage])?
        var flushed: [CheckedContinuation<Void, Error>] = []
        var failedFlush: [(CheckedContinuation<Void, Error>, PanoplyError)] = []
        var capacity: [CheckedContinuation<Void, Never>] = []

        func resume() {
            if let (c, batch) = worker { c.resume(returning: batch) }
            for c in flushed { c.resume() }
            for (c, e) in failedFlush { c.resume(throwing: e) }
            for c in capacity { c.resume() }
        }
    }

    /// A message was sealed: queue it and hand it to a waiting worker.
    mutating func sealed(_ m: OutgoingMessage, maxCount: Int, maxBytes: Int) -> Wakeups {
        sealedBytes += m.body.count
        unacked[m.number] = m.firstRecord
        pending.append(m)
        var w = Wakeups()
        if !workerWaiters.isEmpty {
            let c = workerWaiters.removeFirst()
            w.worker = (c, takeBatch(maxCount: maxCount, maxBytes: maxBytes))
        }
        return w
    }

    /// A worker asks for work: up to `maxCount` queued messages within `maxBytes`.
    mutating func takeBatch(maxCount: Int, maxBytes: Int) -> [OutgoingMessage] {
        var batch: [OutgoingMessage] = []
        var bytes = 0
        while pendingHead < pending.count, batch.count < maxCount {
            let m = pending[pendingHead]
            if !batch.isEmpty, bytes + m.body.count > maxBytes { break }
            batch.append(m)
            bytes += m.body.count
            pendingHead += 1
        }
        if pendingHead > 64, pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        counters.inFlight += batch.count
        return batch
    }

    /// The destination acknowledged `m`.
    mutating func acknowledged(_ m: OutgoingMessage) -> Wakeups {
        counters.inFlight -= 1
        counters.messages += 1
        counters.bytes += m.body.count
        counters.recordsDelivered += m.recordCount
        counters.buffered -= m.recordCount
        sealedBytes -= m.body.count
        unacked[m.number] = nil
        // Messages are sealed in record order, so everything before the lowest
        // unacknowledged message's first record has been delivered.
        if let lowest = unacked.values.min() {
            deliveredThrough = max(deliveredThrough, lowest - 1)
        } else {
            deliveredThrough = max(deliveredThrough, lastSealedRecord)
        }
        var w = Wakeups()
        let through = deliveredThrough
        w.flushed = takeFlushWaiters { $0 <= through }
        w.capacity = capacityWaiters
        capacityWaiters = []
        return w
    }

    /// Records sealed so far end here.
    private var lastSealedRecord: UInt64 { batcher.nextRecord - 1 - UInt64(batcher.bufferedRecords) }

    /// `m` failed for good (or ran out of retries): keep it, report it to flushes that cover it.
    mutating func failed(_ m: OutgoingMessage, error: PanoplyError) -> Wakeups {
        counters.inFlight -= 1
        counters.undelivered += m.recordCount
        failed.append(m)
        lastFailure = error
        var w = Wakeups()
        // Writers waiting for room must learn that it may never come.
        w.capacity = capacityWaiters
        capacityWaiters = []
        let err = undeliveredError()
        w.failedFlush = takeFlushWaiters { $0 >= m.firstRecord }.map { ($0, err) }
        return w
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

    /// Puts failed messages back in the queue (after the cause was fixed).
    mutating func requeueFailed(maxCount: Int, maxBytes: Int) -> [Wakeups] {
        let again = failed
        failed = []
        lastFailure = nil
        counters.undelivered = 0
        var wakeups: [Wakeups] = []
        for m in again {
            sealedBytes -= m.body.count
            wakeups.append(sealed(m, maxCount: maxCount, maxBytes: maxBytes))
        }
        return wakeups
    }

    /// Whether a flush up to `target` is done, failed, or must wait.
    func flushOutcome(target: UInt64) -> Result<Bool, PanoplyError> {
        if target <= deliveredThrough { return .success(true) }
        if failed.contains(where: { $0.firstRecord <= target }) { return .failure(undeliveredError()) }
        return .success(false)
    }

    private mutating func takeFlushWaiters(_ match: (UInt64) -> Bool) -> [CheckedContinuation<Void, Error>] {
        var out: [CheckedContinuation<Void, Error>] = []
        flushWaiters.removeAll { w in
            if match(w.target) { out.append(w.continuation); return true }
            return false
        }
        return out
    }
}
