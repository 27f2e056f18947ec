import Foundation
import Testing

@testable import PanoplyKit

/// The runner's state machine when a save throws ``LostLease``: the run stops like a
/// cancel, saves nothing more and ends failed.
@Suite("Runner state machine: lost lease")
struct RunnerLostLeaseTests {
    typealias Machine = SourceRunner.StateMachine

    static let lost = LostLease(message: "lost lease: source 'Demo' was taken by pid 7 on host-b (epoch 3 > 2)").asRunError

    /// A machine reading in `task`, with a state committed and handed out to save.
    static func saving() -> (Machine, Machine.ReadTask) {
        var m = Machine()
        let task = Task<Int, any Error> { 0 }
        _ = m.runRequested()
        _ = m.readStarted(task)
        m.recordWritten(1)
        m.batchRead(["n": 1])
        _ = m.acknowledged(through: 1)
        return (m, task)
    }

    @Test("a lost lease while reading cancels the read task, and the run ends failed with its message, not cancelled")
    func whileReading() {
        var (m, task) = Self.saving()
        #expect(m.leaseLost(Self.lost) == task)
        #expect(m.phase == .cancelling(task: task))
        #expect(m.cancelRequested() == nil)  // already stopping
        m.readEnded()
        #expect(m.finished(read: .failure(CancellationError()), flushError: nil) == .failed(read: 0, error: Self.lost))
    }

    @Test("after a lost lease nothing is saved: not newer commits, not the final save, not a params change, not the completion")
    func noSaveAfter() {
        var (m, _) = Self.saving()
        _ = m.leaseLost(Self.lost)
        m.recordWritten(2)
        m.batchRead(["n": 2])
        #expect(m.acknowledged(through: 2) == nil)
        #expect(m.saveEnded() == nil)
        #expect(m.acknowledged(through: 2, final: true) == nil)
        #expect(m.paramsChanged(["token": "t2"], declared: ["token"], keptOnlyForThisRun: false)?.save == nil)
        #expect(m.completed() == nil)
        #expect(m.ledger.committed["n"] == 2)  // committed in memory, never saved
    }

    @Test("a lost lease while finishing does not cancel anything, and a read that completed still ends failed with its records")
    func whileFinishing() {
        var (m, _) = Self.saving()
        m.readEnded()
        #expect(m.leaseLost(Self.lost) == nil)
        #expect(m.finished(read: .success(5), flushError: nil) == .failed(read: 5, error: Self.lost))
    }

    @Test("the first lost lease is the run's error")
    func firstWins() {
        var (m, _) = Self.saving()
        _ = m.leaseLost(Self.lost)
        #expect(m.leaseLost(LostLease(message: "lost lease: later").asRunError) == nil)
        #expect(m.lostLease == Self.lost)
    }
}
