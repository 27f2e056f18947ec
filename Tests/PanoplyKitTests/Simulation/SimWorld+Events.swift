import Foundation

@testable import PanoplyKit

extension SimWorld {
    /// One random event, then every invariant.
    mutating func step(allSucceed: Bool = false) throws {
        let r = Int.random(in: 0..<100, using: &rng)
        switch r {
        case 0..<30: try write()
        case 30..<36: try tick()
        case 36..<48: try completeStore(fail: !allSucceed && Int.random(in: 0..<10, using: &rng) == 0)
        case 48..<58: try askForWork()
        case 58..<78: try deliver(allSucceed: allSucceed)
        case 78..<84: try fireRetry()
        case 84..<86: try on("retryFailed") { $0.retryFailed() }
        case 86..<91: try flush()
        case 91..<93: cancelFlush()
        case 93..<96: try runnerCommit()
        case 96..<98: try close()
        case 98: try cancel()
        default: try crash()
        }
        try check()
    }

    // MARK: Writers and the runner

    mutating func write() throws {
        let payload = nextPayload
        let pad = Int.random(in: 0..<12, using: &rng) == 0 ? 400 : Int.random(in: 0...90, using: &rng)
        let text = Array("{\"p\":\(payload),\"x\":\"\(String(repeating: "x", count: pad))\"}".utf8)
        let before = machine.lifecycle
        let outcome: DeliveryState.WriteOutcome
        do { outcome = try machine.write(now: clock, table: "t", encode: { $0 += text }) } catch let e as PanoplyError {
            if e.message == DeliveryState.closedError.message, before != .open { return }
            if e.code == 422, before == .open { return }  // larger than a message: refused, nothing changed
            throw violate("write threw \(e.message) while \(before)")
        }
        var sealed = DeliveryState.Actions()
        let written: UInt64?
        switch outcome {
        case .written(let seq): written = seq
        case .sealed(let seq, let a): written = seq; sealed = a
        case .full: written = nil
        }
        switch written {
        case let seq?:
            let a = sealed
            guard before == .open else { throw violate("a write was accepted while the SDK was \(before)") }
            guard seq == UInt64(payloadOfSeq.count + 1) else { throw violate("record got sequence \(seq), expected \(payloadOfSeq.count + 1)") }
            nextPayload += 1
            payloadOfSeq.append(payload)
            ackedSeq.append(false)
            unackedCount += 1
            if Bool.random(using: &rng) { ledger.recordWritten(seq) }
            note("write p\(payload) -> #\(seq)")
            try apply(a, "write")
        case nil:
            let id = newWaiter()
            let answer = machine.capacityWanted(by: id)
            if answer == .wait { writersWaiting.insert(id) }
            note("write: buffer full, writer \(id) \(answer)")
        }
    }

    mutating func tick() throws {
        clock += .milliseconds(Int.random(in: 0...60, using: &rng))
        let now = clock
        try on("tick") { $0.tick(now: now) }
    }

    /// The runner read a batch: its state waits for the records written so far.
    mutating func runnerCommit() throws {
        ledger.stateRead(["inc": .number(JSONNumber(incarnation)), "seq": .number(JSONNumber(ledger.lastWritten))])
        _ = ledger.acknowledged(through: machine.deliveredThrough)
        let at = ledger.lastWritten
        note("runner state at #\(at)")
    }

    // MARK: Spool and workers

    mutating func completeStore(fail: Bool) throws {
        guard !storing.isEmpty else { return }
        let m = storing.remove(at: Int.random(in: 0..<storing.count, using: &rng))
        if fail { notDurable.insert(m.number) } else { disk[m.number] = m.body }
        note("spool m\(m.number) \(fail ? "failed" : "stored")")
        try on("spooled") { $0.spooled(m) }
    }

    mutating func askForWork() throws {
        guard !idleWorkers.isEmpty else { return }
        let id = idleWorkers.remove(at: Int.random(in: 0..<idleWorkers.count, using: &rng))
        switch machine.workWanted(by: id) {
        case .batch(let b): try start(worker: id, b)
        case .wait: waitingWorkers.insert(id)
        case .stop: stoppedWorkers += 1
        }
    }

    mutating func start(worker: DeliveryState.WaiterID, _ messages: [OutgoingMessage]) throws {
        guard !messages.isEmpty else { throw violate("worker \(worker) got an empty batch") }
        for m in messages { try requireDurable(m, "sent") }
        machine.sendStarted(count: messages.count)
        batches.append(Batch(worker: worker, messages: messages))
        note("worker \(worker) sends \(messages.map { "m\($0.number)" })")
    }

    mutating func requireDurable(_ m: OutgoingMessage, _ what: String) throws {
        guard spooling, disk[diskKey(m)] == nil, !notDurable.contains(m.number) else { return }
        throw violate("message \(m.number) \(what) before it was on disk")
    }

    func diskKey(_ m: OutgoingMessage) -> UInt64 { recoveredFrom[m.number] ?? m.number }

    /// The destination answers one batch: each message acknowledged, to retry, or failed
    /// for good, in any order.
    mutating func deliver(allSucceed: Bool) throws {
        let ready = batches.indices.filter { !batches[$0].backingOff }
        guard let i = ready.randomElement(using: &rng) else { return }
        var batch = batches[i]
        var retry: [OutgoingMessage] = []
        for m in batch.messages.shuffled(using: &rng) {
            let r = allSucceed ? 0 : Int.random(in: 0..<100, using: &rng)
            if r < 65 {
                try acknowledge(m)
            } else if r < 92 {
                retry.append(m)
            } else {
                note("m\(m.number) failed for good")
                let e = PanoplyError(.notFound, "no queue", retryable: false)
                guard case .fail(let a) = machine.sendFailed([m], error: e, attempt: batch.attempt, cancelled: false, random: 1) else {
                    throw violate("m\(m.number): a permanent error was retried")
                }
                try apply(a, "failed")
            }
        }
        // The real retry rule decides, as in the SDK's worker.
        if !retry.isEmpty {
            let random = Double.random(in: 0...1, using: &rng)
            switch machine.sendFailed(retry, error: PanoplyError(.transient, "refused"), attempt: batch.attempt, cancelled: false, random: random) {
            case .retry(let after):
                guard after <= machine.retry.ceiling(forRetry: batch.attempt) else { throw violate("retry waits \(after), over its ceiling") }
                batch.messages = retry
                batch.backingOff = true
                batches[i] = batch
                note("retry \(retry.map { "m\($0.number)" }) after attempt \(batch.attempt)")
                return
            case .fail(let a):
                guard batch.attempt > maxRetries else { throw violate("attempt \(batch.attempt) of \(maxRetries + 1) was not retried") }
                note("retries exhausted for \(retry.map { "m\($0.number)" })")
                try apply(a, "failed")
            }
        }
        machine.finished(&batch.messages)  // as the SDK's worker does: buffers go back for reuse
        batches.remove(at: i)
        idleWorkers.append(batch.worker)
    }

    mutating func acknowledge(_ m: OutgoingMessage) throws {
        try requireDurable(m, "acknowledged")
        disk.removeValue(forKey: diskKey(m))
        for seq in m.firstRecord...m.lastRecord {
            guard !ackedSeq[Int(seq) - 1] else { throw violate("record \(seq) acknowledged twice") }
            ackedSeq[Int(seq) - 1] = true
            unackedCount -= 1
            ackedPayloads.insert(payloadOfSeq[Int(seq) - 1])
        }
        while modelDeliveredThrough < UInt64(ackedSeq.count), ackedSeq[Int(modelDeliveredThrough)] { modelDeliveredThrough += 1 }
        note("ack m\(m.number) (#\(m.firstRecord)-#\(m.lastRecord))")
        try on("acknowledged") { $0.acknowledged(m) }
        _ = ledger.acknowledged(through: machine.deliveredThrough)
    }

    mutating func fireRetry() throws {
        let waiting = batches.indices.filter { batches[$0].backingOff }
        guard let i = waiting.randomElement(using: &rng) else { return }
        batches[i].backingOff = false
        batches[i].attempt += 1
        for m in batches[i].messages { try requireDurable(m, "sent again") }
        machine.sendStarted(count: batches[i].messages.count)
    }
}
