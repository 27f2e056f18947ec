import Foundation
import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// Publishes the live snapshot of a run that holds its source's lease: the run's events
/// (masked) folded into a ``RunSnapshot``, written at most once a second and at each change
/// of phase, and the source's cancel request noticed within a second.
///
/// The workspace's calls block (a PostgreSQL workspace waits for its server, which may be
/// unreachable), so they run on a serial dispatch queue of the publisher's own, never on the
/// Swift concurrency pool (two threads on two cores) nor in the caller: ``observe(_:)`` and
/// ``publish()`` hand the snapshot over and return; while a write is under way a newer
/// snapshot replaces the one waiting (the ones between are dropped). A write gets no
/// patience (``Workspace/publish(_:)`` tries an unreachable workspace once: the next
/// snapshot comes a second later) and its errors, a ``LostLease`` too, are dropped as before:
/// a lost lease stops the run through its state's save.
final class SnapshotPublisher: Sendable {
    let workspace: any Workspace
    private let sdk: PanoplySDK
    private let state: Mutex<Folding>
    private let started = ContinuousClock.now
    private let queue = DispatchQueue(label: "panoply.snapshot-publisher")
    /// The snapshot waiting for the queue, and whether the queue is writing one.
    /// The snapshot waiting to be written, whether a write is under way, and whether the run
    /// finished (``finish(within:)``): nothing is written after that, even a snapshot that
    /// was waiting, so none lands after the run's history row, snapshot clear and release.
    private let outgoing = Mutex<(pending: RunSnapshot?, writing: Bool, closed: Bool)>((nil, false, false))

    private struct Folding {
        var snapshot: RunSnapshot
        var lastPublished: ContinuousClock.Instant?
        var dirtyPhase = true
        var rateSample: (at: ContinuousClock.Instant, records: Int)?
        /// Where each resource's row is in `snapshot.resources` (a run of thousands of
        /// resources folds each event in constant time).
        var rowIndex: [String: Int] = [:]
    }

    init(workspace: any Workspace, name: String, type: String, holder: LeaseHolder, attempt: Int, sdk: PanoplySDK) {
        self.workspace = workspace
        self.sdk = sdk
        var s = RunSnapshot(name: name, type: type, holder: holder, updated: Date().timeIntervalSince1970)
        s.attempt = attempt
        state = Mutex(Folding(snapshot: s))
    }

    var name: String { state.withLock { $0.snapshot.name } }

    /// Folds one event (already masked) into the snapshot; publishes on a change of phase.
    func observe(_ e: RunEvent) {
        let elapsed = (ContinuousClock.now - started).seconds
        let due = state.withLock { f -> Bool in
            if case .resource(let p) = e {
                Self.fold(p, into: &f)
            } else {
                Self.fold(e, into: &f.snapshot, elapsed: elapsed)
            }
            if case .started = e { f.dirtyPhase = true }
            if case .failed = e { f.dirtyPhase = true }
            if case .cancelled = e { f.dirtyPhase = true }
            if case .completed = e { f.dirtyPhase = true }
            return f.dirtyPhase
        }
        if due { publish() }
    }

    /// Called once a second: publishes when something changed since, and returns who asked
    /// the run to cancel, once someone did (and it was not noted yet). The cancel request is
    /// read on the publisher's queue (after the snapshot's write): the caller's task waits
    /// suspended, holding no thread.
    func tick() async -> String? {
        publish()
        let (workspace, name) = (workspace, name)
        let who = await withCheckedContinuation { (done: CheckedContinuation<String?, Never>) in
            queue.async { done.resume(returning: workspace.cancelRequest(of: name)) }
        }
        guard let who else { return nil }
        return state.withLock { f in
            guard f.snapshot.cancelledBy == nil else { return nil }
            f.snapshot.cancelledBy = who
            return who
        }
    }

    /// Publishes the snapshot as it stands and waits, suspended, until it is written or
    /// `deadline` passed (the run's last snapshot, written before its history row).
    func finish(within deadline: Duration = .seconds(5)) async {
        publish()
        let flushed = Once<Bool>()
        queue.async { flushed.set(true) }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            flushed.set(false)
        }
        _ = await flushed.value
        timer.cancel()
        outgoing.withLock { o in
            o.closed = true
            o.pending = nil
        }
    }

    /// The snapshot as it stands (its resource tally goes into the run's history row).
    var current: RunSnapshot { state.withLock { $0.snapshot } }

    /// Who asked the run to cancel, if someone did from elsewhere.
    var cancelledBy: String? { state.withLock { $0.snapshot.cancelledBy } }

    /// Writes the snapshot now (with the SDK's counters and the rate).
    func publish() {
        let counters = sdk.counters
        let snapshot = state.withLock { f -> RunSnapshot in
            let now = ContinuousClock.now
            f.snapshot.counters = counters
            if let sample = f.rateSample, now - sample.at >= .milliseconds(500) {
                f.snapshot.rate = Double(counters.records - sample.records) / (now - sample.at).seconds
                f.rateSample = (now, counters.records)
            } else if f.rateSample == nil {
                f.rateSample = (now, counters.records)
            }
            f.snapshot.updated = Date().timeIntervalSince1970
            f.lastPublished = now
            f.dirtyPhase = false
            return f.snapshot
        }
        let start = outgoing.withLock { o -> Bool in
            guard !o.closed else { return false }
            o.pending = snapshot
            defer { o.writing = true }
            return !o.writing
        }
        if start { queue.async { [self] in drain() } }
    }

    /// Writes the waiting snapshot, then the one that replaced it meanwhile, until none waits.
    private func drain() {
        while let next = outgoing.withLock({ o -> RunSnapshot? in
            defer { o.pending = nil }
            if o.closed { o.pending = nil }
            if o.pending == nil { o.writing = false }
            return o.pending
        }) {
            try? workspace.publish(next)
        }
    }

    private static func fold(_ p: ResourceProgress, into f: inout Folding) {
        let row = RunSnapshot.Resource(id: p.id, status: p.status.rawValue, loaded: p.loaded, total: p.total)
        if let i = f.rowIndex[p.id] {
            f.snapshot.resources[i] = row
        } else {
            f.rowIndex[p.id] = f.snapshot.resources.count
            f.snapshot.resources.append(row)
        }
    }

    private static func fold(_ e: RunEvent, into s: inout RunSnapshot, elapsed: Double) {
        if let line = RunLogLine.text(e) {
            s.log.appendLogLine(line, elapsed: elapsed)
        }
        switch e {
        case .started(let attempt, _): s.attempt = attempt
        case .progress(let loaded, let total, let message):
            if let loaded { s.loaded = loaded }
            if let total { s.total = total }
            s.message = message
        case .state(let st): s.state = JSONWriter.string(.object(SavedParams.masked(st)))
        case .failed(let err):
            s.status = .failed
            s.error = err.message
            s.errorCategory = err.category.rawValue
        case .cancelled: s.status = .cancelled
        case .completed(let summary):
            s.status = .done
            s.recordsRead = summary.recordsRead
            s.state = JSONWriter.string(.object(SavedParams.masked(summary.state)))
        default: break
        }
    }
}
