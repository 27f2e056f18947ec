import Foundation
import Testing

@testable import PanoplyKit

/// The runner's life (``SourceRunner/StateMachine``) alone: events in, actions out, no I/O.
@Suite("Runner state machine")
struct RunnerStateMachineTests {
    typealias Machine = SourceRunner.StateMachine

    /// A read task for the machine to hold (it is never awaited).
    static func task() -> Machine.ReadTask { Task { 0 } }

    static let readFailed = PanoplyError(.transient, "connection reset")

    /// A machine whose read task started (and whose read ended, when `ended`).
    static func reading(ended: Bool = false) -> (Machine, Machine.ReadTask) {
        var m = Machine()
        let task = task()
        _ = m.runRequested()
        _ = m.readStarted(task)
        if ended { m.readEnded() }
        return (m, task)
    }

    @Test("a run reads, finishes and ends done with what it read")
    func plainRun() {
        var m = Machine()
        #expect(m.runRequested() == .start)
        #expect(m.phase == .reading(task: nil))
        let task = Self.task()
        #expect(m.readStarted(task) == false)
        #expect(m.phase == .reading(task: task))
        m.readEnded()
        #expect(m.phase == .finishing(cancelRequested: false))
        #expect(m.finished(read: .success(42), flushError: nil) == .done(read: 42))
        #expect(m.phase == .finished)
    }

    @Test("a cancel before run() makes the run cancel its read as soon as it starts, and end cancelled")
    func cancelBeforeStart() {
        var m = Machine()
        #expect(m.cancelRequested() == nil)
        #expect(m.phase == .idle(cancelRequested: true))
        #expect(m.runRequested() == .start)
        #expect(m.phase == .cancelling(task: nil))
        #expect(m.readStarted(Self.task()) == true)
        m.readEnded()
        #expect(m.finished(read: .failure(CancellationError()), flushError: nil) == .cancelled)
    }

    @Test("a cancel while the input is prepared cancels the read when it starts")
    func cancelWhilePreparing() {
        var m = Machine()
        _ = m.runRequested()
        #expect(m.cancelRequested() == nil)
        #expect(m.phase == .cancelling(task: nil))
        #expect(m.readStarted(Self.task()) == true)
    }

    @Test("a cancel during reading cancels the read task once, and the run ends cancelled")
    func cancelDuringReading() {
        var (m, task) = Self.reading()
        #expect(m.cancelRequested() == task)
        #expect(m.phase == .cancelling(task: task))
        #expect(m.cancelRequested() == nil)
        m.readEnded()
        #expect(m.phase == .finishing(cancelRequested: true))
        #expect(m.finished(read: .failure(CancellationError()), flushError: nil) == .cancelled)
    }

    @Test("a read that reached its end before it saw the cancel ends done")
    func cancelAfterTheLastRead() {
        var (m, _) = Self.reading()
        _ = m.cancelRequested()
        m.readEnded()
        #expect(m.finished(read: .success(7), flushError: nil) == .done(read: 7))
    }

    @Test("a cancel during finishing stops nothing: a completed read still ends done")
    func cancelDuringFinishingAfterSuccess() {
        var (m, _) = Self.reading(ended: true)
        #expect(m.cancelRequested() == nil)
        #expect(m.phase == .finishing(cancelRequested: true))
        #expect(m.finished(read: .success(3), flushError: nil) == .done(read: 3))
    }

    @Test("a cancel during finishing turns a failed read into a cancelled run, as before the machine")
    func cancelDuringFinishingAfterFailure() {
        var (m, _) = Self.reading(ended: true)
        _ = m.cancelRequested()
        #expect(m.finished(read: .failure(Self.readFailed), flushError: nil) == .cancelled)
    }

    @Test("a cancel after the run ended does nothing")
    func cancelAfterFinished() {
        var (m, _) = Self.reading(ended: true)
        _ = m.finished(read: .success(1), flushError: nil)
        #expect(m.cancelRequested() == nil)
        #expect(m.phase == .finished)
    }

    @Test("a second run() is refused with an error saying a runner runs once, in every phase")
    func secondRun() {
        var (m, task) = Self.reading()
        #expect(m.runRequested() == .refuse(Machine.calledTwice))
        #expect(m.phase == .reading(task: task))
        m.readEnded()
        #expect(m.runRequested() == .refuse(Machine.calledTwice))
        _ = m.finished(read: .success(1), flushError: nil)
        #expect(m.runRequested() == .refuse(Machine.calledTwice))
        #expect(m.phase == .finished)
        #expect(Machine.calledTwice.message.contains("runs once"))
    }

    @Test("a read that failed after its retries ends failed with its error and no records")
    func readFailure() {
        var (m, _) = Self.reading(ended: true)
        #expect(m.finished(read: .failure(Self.readFailed), flushError: nil) == .failed(read: 0, error: Self.readFailed))
    }

    @Test("a read that ended but could not be flushed ends failed with the flush's error and its records")
    func flushFailure() {
        var (m, _) = Self.reading(ended: true)
        let flush = PanoplyError(.transient, "3 records were not delivered")
        #expect(m.finished(read: .success(3), flushError: flush) == .failed(read: 3, error: flush))
    }

    @Test("an input that cannot be prepared ends the run, cancelled or not")
    func inputFailure() {
        for cancelFirst in [false, true] {
            var m = Machine()
            if cancelFirst { _ = m.cancelRequested() }
            _ = m.runRequested()
            m.inputFailed()
            #expect(m.phase == .finished)
        }
    }

    @Test("the read retry is 3 attempts waiting 1 s then 2 s, without jitter, as before RetryPolicy")
    func readRetry() {
        let p = RunOptions().readRetry
        #expect(p == .reads)
        #expect((1...3).map { p.allowsRetry(afterAttempt: $0) } == [true, true, false])
        #expect(p.maxAttempts == 3)
        #expect(p.delay(forRetry: 1, random: 0) == .seconds(1))
        #expect(p.delay(forRetry: 2, random: 0.3) == .seconds(2))
        let short = RunOptions(readAttempts: 5, retryBase: .milliseconds(5)).readRetry
        #expect(short.maxAttempts == 5)
        #expect((1...4).map { short.delay(forRetry: $0, random: 0.5) } == [5, 10, 20, 40].map { .milliseconds($0) })
    }
}

/// Commits and saves: one save at a time, always the newest.
@Suite("Runner state machine: saves")
struct RunnerSaveTests {
    typealias Machine = SourceRunner.StateMachine

    @Test("a commit while a save is under way is saved when that save ends, and only the newest")
    func savesOneAtATime() {
        var m = Machine()
        m.recordWritten(1)
        m.batchRead(["n": 1])
        m.recordWritten(2)
        m.batchRead(["n": 2])
        let first = m.acknowledged(through: 1)
        #expect(first == Machine.Save(order: 1, state: ["n": 1]))
        #expect(m.acknowledged(through: 2) == nil)  // saving: the running save takes it after
        m.recordWritten(3)
        m.batchRead(["n": 3])
        #expect(m.acknowledged(through: 3) == nil)
        #expect(m.saveEnded() == Machine.Save(order: 3, state: ["n": 3]))
        #expect(m.saveEnded() == nil)
        #expect(m.acknowledged(through: 3) == nil)  // nothing new
    }

    @Test("changed params are committed at once, with one warning per run when there is no state file")
    func paramsChanged() {
        var m = Machine()
        m.inputResumed(committed: [:], savedParams: [:], configured: ["token": "old"])
        let change = m.paramsChanged(["token": "new"], declared: ["token"], keptOnlyForThisRun: true)
        #expect(change?.names == ["token"])
        #expect(change?.warn == true)
        #expect(change?.save?.state[SavedParams.stateKey]?.objectValue?["token"]?.objectValue?["value"] == "new")
        _ = m.saveEnded()
        let again = m.paramsChanged(["token": "newer"], declared: ["token"], keptOnlyForThisRun: true)
        #expect(again?.warn == false)
        #expect(m.paramsChanged(["other": "x"], declared: ["token"], keptOnlyForThisRun: true) == nil)
    }

    @Test("a completed run drops the finished resources once every state is committed")
    func completed() {
        var m = Machine()
        _ = m.resourcesPlanned(["a", "b"], finished: [], state: nil)
        m.recordWritten(1)
        _ = m.resourceFinished("a")
        #expect(m.completed() == nil)  // a state still waits for its records
        _ = m.acknowledged(through: 1)
        _ = m.saveEnded()
        let save = m.completed()
        #expect(save != nil)
        #expect(save?.state[ResourcePlan.finishedKey] == nil)
    }
}
