import Foundation
import Testing

@testable import PanoplyKit

/// Coalesced state commits (``RunOptions/commitInterval``), in the style of the delivery
/// simulation: a run over several resources against a model destination and disk, on a
/// virtual clock, through random interleavings of writes, acknowledgements, ticks, saves
/// that take a while, and a crash. The runner's state machine decides every save.
@Suite("Coalesced commits")
struct CoalescedCommitTests {
    typealias Machine = SourceRunner.StateMachine
    static let interval: Duration = .milliseconds(1000)

    struct Written {
        var seq: UInt64
        var id: String
        var row: Int
    }

    struct World {
        var rng: SplitMix64
        var machine = Machine(commitInterval: CoalescedCommitTests.interval)
        let ids = ["a", "b", "c", "d"]
        let t0 = ContinuousClock.now
        var elapsed: Duration = .zero
        var now: ContinuousClock.Instant { t0 + elapsed }
        var seq: UInt64 = 0
        var acked: UInt64 = 0
        var written: [Written] = []
        var nextRow: [String: Int] = [:]
        var finished: Set<String> = []
        /// The save being written (with the acknowledged frontier its state covers), and the disk.
        var inFlight: (save: Machine.Save, covers: UInt64)?
        var disk: JSONObject?
        var diskOrder = 0
        var diskCovers: UInt64 = 0
        var lastStart: Duration?
        var saves = 0

        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
            _ = machine.resourcesPlanned(ids, finished: [], state: nil)
        }

        /// A save the machine handed out starts (it is on disk once ``saveDone()``).
        mutating func started(_ save: Machine.Save?, forced: Bool = false) {
            guard let save else { return }
            #expect(inFlight == nil, "saves never overlap")
            if let last = lastStart, !forced { #expect(elapsed - last >= CoalescedCommitTests.interval, "at most one save per interval") }
            lastStart = elapsed
            inFlight = (save, acked)
            saves += 1
        }

        mutating func saveDone() {
            guard let (save, covers) = inFlight else { return }
            #expect(save.order > diskOrder, "the disk never goes back")
            (disk, diskOrder, diskCovers, inFlight) = (save.state, save.order, covers, nil)
            started(machine.saveEnded(now: now))
        }

        mutating func step() {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...3:
                guard let id = ids.filter({ !finished.contains($0) }).randomElement(using: &rng) else { return }
                seq += 1
                let row = nextRow[id, default: 0]
                nextRow[id] = row + 1
                written.append(Written(seq: seq, id: id, row: row))
                machine.recordWritten(seq)
                _ = machine.resourceWritten(id, count: 1, state: ["next": .number(JSONNumber(row + 1))])
            case 4:
                guard let id = ids.filter({ !finished.contains($0) }).randomElement(using: &rng) else { return }
                finished.insert(id)
                _ = machine.resourceFinished(id)
            case 5, 6:  // an acknowledgement (the flush-event task commits at once)
                acked = UInt64.random(in: acked...seq, using: &rng)
                started(machine.acknowledged(through: acked, now: now))
            case 7, 8:  // the ticker
                elapsed += .milliseconds(Int.random(in: 0...300, using: &rng))
                started(machine.acknowledged(through: acked, now: now))
                let due = lastStart.map { elapsed - $0 >= CoalescedCommitTests.interval } ?? true
                #expect(!(due && inFlight == nil && machine.ledger.order > machine.savedOrder), "a due commit is saved on the tick")
            default: saveDone()
            }
        }

        /// Resuming from the disk: the row each resource starts from, nil when it is finished.
        func resumeRow(_ id: String) -> Int? {
            if ResourcePlan.finished(in: disk).contains(id) { return nil }
            return disk?[id]?.objectValue?["next"]?.intValue ?? 0
        }

        /// A crash now: nothing is lost, and only records after the last durable commit come again.
        func checkCrash() {
            for w in written {
                let resume = resumeRow(w.id)
                let readAgain = resume.map { w.row >= $0 } ?? false
                if w.seq > acked { #expect(readAgain, "record \(w.seq) was not delivered, and a resume must read it") }
                if w.seq <= acked, readAgain {
                    #expect(w.seq > diskCovers, "record \(w.seq) comes again, but the last durable commit covered through \(diskCovers)")
                }
            }
        }
    }

    @Test("a crash at any point loses no record and delivers again only those after the last durable commit", arguments: 1...40)
    func crashLosesAtMostTheLastInterval(seed: UInt64) {
        var world = World(seed: seed)
        let steps = Int.random(in: 50...1_500, using: &world.rng)
        for _ in 0..<steps {
            world.step()
            world.checkCrash()
        }
        #expect(world.saves <= Int(world.elapsed / CoalescedCommitTests.interval) + 2)
    }

    @Test("the end of the run saves the newest committed state at once, then drops the finished list", arguments: 1...10)
    func endOfRunSavesTheNewest(seed: UInt64) {
        var world = World(seed: seed)
        for _ in 0..<300 { world.step() }
        world.saveDone()
        world.acked = world.seq
        world.started(world.machine.acknowledged(through: world.acked, now: world.now, final: true), forced: true)
        world.saveDone()
        #expect(world.disk == world.machine.ledger.committed)
        for id in world.ids where !world.finished.contains(id) { _ = world.machine.resourceFinished(id) }
        world.started(world.machine.acknowledged(through: world.acked, now: world.now, final: true), forced: true)
        world.saveDone()
        world.started(world.machine.completed(now: world.now), forced: true)
        world.saveDone()
        #expect(world.disk != nil && world.disk?[ResourcePlan.finishedKey] == nil)
        #expect(world.disk == world.machine.ledger.committed)
    }
}
