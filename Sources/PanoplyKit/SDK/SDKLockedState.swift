import Foundation

/// What the SDK's lock guards: the delivery state machine and the continuations of the
/// tasks waiting on it, under the waiter ids the machine knows them by.
struct SDKLockedState {
    var machine: DeliveryState
    private var nextWaiter: DeliveryState.WaiterID = 1
    var workers: [DeliveryState.WaiterID: CheckedContinuation<[OutgoingMessage]?, Never>] = [:]
    var flushes: [DeliveryState.WaiterID: CheckedContinuation<Void, Error>] = [:]
    /// Writers waiting for room; resumed with nil (check again), or thrown
    /// `CancellationError` by their cancellation handler.
    var writers: [DeliveryState.WaiterID: CheckedContinuation<PanoplyError?, Error>] = [:]

    init(_ machine: DeliveryState) { self.machine = machine }

    mutating func newWaiter() -> DeliveryState.WaiterID {
        defer { nextWaiter += 1 }
        return nextWaiter
    }

    /// The continuations that `actions` names, taken out of the table.
    mutating func take(_ a: DeliveryState.Actions) -> Resumptions {
        var r = Resumptions()
        r.store = a.store
        for (id, batch) in a.work { if let c = workers.removeValue(forKey: id) { r.work.append((c, batch)) } }
        for id in a.stopWorkers { if let c = workers.removeValue(forKey: id) { r.stop.append(c) } }
        for id in a.flushSucceeded { if let c = flushes.removeValue(forKey: id) { r.flushed.append(c) } }
        for (id, e) in a.flushFailed { if let c = flushes.removeValue(forKey: id) { r.flushFailed.append((c, e)) } }
        for id in a.capacity { if let c = writers.removeValue(forKey: id) { r.capacity.append(c) } }
        return r
    }
}

/// Continuations to resume and messages to spool, outside the lock.
struct Resumptions {
    var store: [OutgoingMessage] = []
    var work: [(CheckedContinuation<[OutgoingMessage]?, Never>, [OutgoingMessage])] = []
    var stop: [CheckedContinuation<[OutgoingMessage]?, Never>] = []
    var flushed: [CheckedContinuation<Void, Error>] = []
    var flushFailed: [(CheckedContinuation<Void, Error>, PanoplyError)] = []
    var capacity: [CheckedContinuation<PanoplyError?, Error>] = []

    func resume() {
        for (c, batch) in work { c.resume(returning: batch) }
        for c in stop { c.resume(returning: nil) }
        for c in flushed { c.resume() }
        for (c, e) in flushFailed { c.resume(throwing: e) }
        for c in capacity { c.resume(returning: nil) }
    }
}
