import Foundation

@testable import PanoplyKit

extension SimWorld {
    mutating func flush() throws {
        let (target, a) = machine.flushRequested()
        try apply(a, "flush")
        let id = newWaiter()
        switch machine.deliveryWanted(through: target, by: id) {
        case .done: try requireDelivered(target, "flush")
        case .wait: flushes[id] = target
        case .failed: guard !machine.inventory.failed.isEmpty else { throw violate("flush failed with no failed message") }
        }
        note("flush to #\(target) (waiter \(id))")
    }

    mutating func cancelFlush() {
        guard let id = flushes.keys.filter({ $0 != closeWaiter }).randomElement(using: &rng) else { return }
        if machine.flushCancelled(id) { flushes[id] = nil }
        note("flush waiter \(id) cancelled")
    }

    /// `close()`: first the request (writes are refused from now on), later the end of its
    /// wait (its flush answered, or its deadline), then the workers stop.
    mutating func close() throws {
        if machine.lifecycle == .open {
            let (target, a) = machine.closeRequested()
            try apply(a, "closeRequested")
            let id = newWaiter()
            switch machine.deliveryWanted(through: target, by: id) {
            case .done: try requireDelivered(target, "close")
            case .wait: flushes[id] = target; closeWaiter = id
            case .failed: break
            }
            note("close requested, waits for #\(target)")
        } else if machine.lifecycle == .closing {
            try on("closeFinished") { $0.closeFinished() }
            note("close stops waiting")
        } else if batches.isEmpty {
            try on("workersStopped") { $0.workersStopped() }
            note("closed; the process exits and starts again")
            try restart()
        }
    }

    /// A task cancelled (close after a failed flush): retries in backoff give up.
    mutating func cancel() throws {
        for i in batches.indices.reversed() where batches[i].backingOff {
            let b = batches.remove(at: i)
            try on("cancel") { $0.retryCancelled(b.messages, error: PanoplyError(.transient, "stopped while retrying")) }
            idleWorkers.append(b.worker)
        }
        note("cancel")
    }

    /// The process dies at once; what is left is the spool on disk and the committed state.
    mutating func crash() throws {
        note("crash")
        try restart()
    }

    /// A new process: a new machine, the spool files recovered first, the state file kept.
    mutating func restart() throws {
        incarnation += 1
        machine = Self.makeMachine(spooling: spooling, maxRetries: maxRetries, firstMessage: spooling ? (disk.keys.max() ?? 0) + 1 : 1, rng: &rng)
        ledger = CommitLedger(committed: ledger.committed, savedParams: ledger.savedParams)
        storing = []; notDurable = []; batches = []; waitingWorkers = []; flushes = [:]; closeWaiter = nil
        writersWaiting = []; payloadOfSeq = []; ackedSeq = []; unackedCount = 0; modelDeliveredThrough = 0; recoveredFrom = [:]
        idleWorkers = (0..<workerCount).map { _ in newWaiter() }
        guard spooling else { disk = [:]; return }
        for (key, body) in disk.sorted(by: { $0.key < $1.key }) {
            let payloads = Self.payloads(body)
            let (m, a) = machine.recovered(body: body, recordCount: payloads.count)
            recoveredFrom[m.number] = key
            payloadOfSeq += payloads
            ackedSeq += payloads.map { _ in false }
            unackedCount += payloads.count
            try apply(a, "recovered")
        }
    }

    /// Runs an event on the machine, then performs its actions.
    mutating func on(_ event: String, _ e: (inout DeliveryState) -> DeliveryState.Actions) throws {
        let a = e(&machine)
        try apply(a, event)
    }

    /// Performs the machine's actions, checking that each names a waiter that waits.
    mutating func apply(_ a: DeliveryState.Actions, _ event: String) throws {
        storing += a.store
        for (id, batch) in a.work {
            guard waitingWorkers.remove(id) != nil else { throw violate("\(event): work for worker \(id), which was not waiting") }
            try start(worker: id, batch)
        }
        for id in a.stopWorkers { waitingWorkers.remove(id); stoppedWorkers += 1 }
        for id in a.flushSucceeded {
            guard let target = flushes.removeValue(forKey: id) else { throw violate("\(event): success for flush \(id), which was not waiting") }
            try requireDelivered(target, id == closeWaiter ? "close" : "flush")
        }
        for (id, _) in a.flushFailed {
            guard flushes.removeValue(forKey: id) != nil else { throw violate("\(event): failure for flush \(id), which was not waiting") }
        }
        for id in a.capacity {
            guard writersWaiting.remove(id) != nil else { throw violate("\(event): woke writer \(id), which was not waiting") }
        }
    }

    func requireDelivered(_ target: UInt64, _ what: String) throws {
        guard target <= modelDeliveredThrough else {
            throw violate("\(what) to #\(target) succeeded, but record #\(modelDeliveredThrough + 1) is not acknowledged")
        }
    }

    func violate(_ message: String) -> SimViolation {
        SimViolation(description: message + "\nlast events:\n  " + trace.joined(separator: "\n  "))
    }
}
