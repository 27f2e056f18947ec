import Foundation

@testable import PanoplyKit

extension SimWorld {
    /// The invariants of issue 12, after every step.
    func check() throws {
        // deliveredThrough never covers a record that is not acknowledged.
        guard machine.deliveredThrough <= modelDeliveredThrough else {
            throw violate("deliveredThrough is #\(machine.deliveredThrough), but record #\(modelDeliveredThrough + 1) is not acknowledged")
        }
        try checkNothingLost()
        // A committed state covers only acknowledged records.
        if let inc = ledger.committed["inc"]?.intValue, inc == incarnation,
            let seq = ledger.committed["seq"]?.intValue, UInt64(seq) > modelDeliveredThrough
        {
            throw violate("a state covering #\(seq) was committed, but record #\(modelDeliveredThrough + 1) is not acknowledged")
        }
        let inFlight = batches.reduce(0) { $0 + $1.messages.count }
        guard machine.counters.inFlight == inFlight else {
            throw violate("counters say \(machine.counters.inFlight) in flight, the workers hold \(inFlight)")
        }
    }

    /// No accepted record is lost while the process lives: each one not acknowledged is in
    /// the open message or in exactly one unacknowledged message, and the machine counts
    /// each unacknowledged message exactly once.
    func checkNothingLost() throws {
        let inv = machine.inventory
        var where_: [UInt64: String] = [:]
        var records = inv.openRecords
        func place(_ m: OutgoingMessage, _ place: String) throws {
            if let other = where_[m.number] { throw violate("message \(m.number) is both \(other) and \(place)") }
            where_[m.number] = place
            records += m.recordCount
            // A message being spooled is the machine's own business until it is sent: how
            // it is counted shows in deliveredThrough, checked above.
            guard place == "being spooled" || inv.unacked[m.number] == m.firstRecord else {
                throw violate("message \(m.number) (\(place)) is not registered as unacknowledged")
            }
        }
        for m in storing { try place(m, "being spooled") }
        for m in inv.pending { try place(m, "queued") }
        for m in inv.failed { try place(m, "failed") }
        for b in batches { for m in b.messages { try place(m, "in flight") } }
        guard Set(storing.map(\.number)) == inv.storing else { throw violate("the machine spools \(inv.storing.sorted()), the world \(storing.map(\.number))") }
        let lost = Set(inv.unacked.keys).subtracting(where_.keys).sorted()
        guard lost.isEmpty else { throw violate("unacknowledged messages \(lost) are nowhere") }
        let unacked = unackedCount
        guard records == unacked, machine.counters.buffered == unacked else {
            throw violate("\(unacked) records are not acknowledged, but \(records) are held (counters: \(machine.counters.buffered))")
        }
        guard UInt64(ackedSeq.count) - UInt64(inv.openRecords) == inv.lastSealedRecord else {
            throw violate("\(ackedSeq.count) records written, \(inv.openRecords) open, but sealed through #\(inv.lastSealedRecord)")
        }
    }

    /// Delivers everything with no more failures, then checks that a flush succeeds and
    /// that every record this process accepted was acknowledged.
    mutating func quiesce() throws {
        if machine.lifecycle != .open { try restart() }
        try on("retryFailed") { $0.retryFailed() }
        var rounds = 0
        while !storing.isEmpty || !batches.isEmpty || machine.pendingCount > 0 || machine.inventory.openRecords > 0 || !idleWorkers.isEmpty {
            rounds += 1
            guard rounds < 20_000 else { throw violate("delivery did not settle") }
            if machine.inventory.openRecords > 0 { try on("flush") { $0.flushRequested().actions } }
            if !storing.isEmpty { try completeStore(fail: false) }
            for i in batches.indices where batches[i].backingOff { batches[i].backingOff = false; batches[i].attempt = 0 }
            try deliver(allSucceed: true)
            if !idleWorkers.isEmpty { try askForWork() }
            try check()
            if storing.isEmpty, batches.isEmpty, machine.pendingCount == 0, machine.inventory.openRecords == 0 { break }
        }
        let id = newWaiter()
        let (target, a) = machine.flushRequested()
        try apply(a, "flush")
        guard machine.deliveryWanted(through: target, by: id) == .done else { throw violate("a flush after everything settled does not succeed") }
        if let lost = ackedSeq.firstIndex(of: false) { throw violate("record #\(lost + 1) of this process was never acknowledged") }
    }
}
