import Foundation

extension SourceRunner {
    /// A run's life as a value, in the style of async-http-client's `Transaction.StateMachine`:
    /// every `mutating` method is named after an event and returns what the runner must do
    /// next, which it does outside its lock. The runner keeps one of these under one lock.
    ///
    /// Phases: `idle` -> `reading` (preparing the input, then reading in a task) ->
    /// `finishing` (flushing and committing what was read) -> `finished`. `cancel()` moves
    /// `idle` or `reading` to `cancelling`, which ends as `finishing` too; so does a lost
    /// lease (a save that threw ``LostLease``), which makes the run end failed and stops
    /// every later save. The machine also keeps the run's bookkeeping: the commit ledger,
    /// the per-resource board and the saves of the state store (one at a time, always the newest).
    struct StateMachine: Sendable {
        typealias ReadTask = Task<Int, any Error>

        enum Phase: Equatable {
            /// `run()` was not called yet; `cancelRequested` when `cancel()` came first.
            case idle(cancelRequested: Bool)
            /// `run()` prepares its input (`task` nil), then reads in `task`.
            case reading(task: ReadTask?)
            /// `cancel()` came before the read ended: the read task is (or will be) cancelled.
            case cancelling(task: ReadTask?)
            /// The read ended; what it read is flushed and committed. A cancel that comes
            /// now still turns a failed read into a cancelled run (it stops nothing more).
            case finishing(cancelRequested: Bool)
            case finished
        }

        /// What `run()` does.
        enum RunAction: Equatable {
            case start
            /// `run()` was called before: this call fails at once with this error.
            case refuse(PanoplyError)
        }

        /// How a run ended, once its read ended and what it read was flushed.
        enum Ending: Equatable {
            case done(read: Int)
            case failed(read: Int, error: PanoplyError)
            case cancelled
        }

        /// A committed state to save (then report ``saveEnded()``).
        struct Save: Sendable, Equatable {
            var order: Int
            var state: JSONObject
        }

        /// Params the source changed: their names, whether to warn that they are kept for
        /// this run only (once per run), and the save to do.
        struct ParamsChange: Sendable, Equatable {
            var names: [String]
            var warn: Bool
            var save: Save?
        }

        static let calledTwice = PanoplyError(
            .internal, "run() was already called on this SourceRunner; a runner runs once (make a new one to run again)", retryable: false)

        init(commitInterval: Duration = .zero) { self.commitInterval = commitInterval }

        private(set) var phase: Phase = .idle(cancelRequested: false)
        private(set) var ledger = CommitLedger()
        /// The params as configured (``SavedParams`` compares against them).
        private var configured: [String: JSONValue] = [:]
        private var warnedUnsaved = false
        /// The order of the last state saved (or being saved), and whether a save is under way.
        private(set) var savedOrder = 0
        private(set) var saving = false
        /// At most one save starts per interval (``RunOptions/commitInterval``), but for
        /// forced ones (the end of the run, params the source changed).
        let commitInterval: Duration
        private var lastSaveStarted: ContinuousClock.Instant?
        /// A forced save was wanted while another one was under way: the next one is forced.
        private var forceNext = false
        /// Each resource's state so far (its part of the run's state), when the run reads
        /// resource by resource (``ResourcePlan``).
        var resourceStates: [String: JSONObject] = [:]
        /// Per-resource progress.
        var board = ResourceBoard()
        /// A save threw ``LostLease``: the error the run ends with; nothing is saved after it.
        private(set) var lostLease: PanoplyError?

        // MARK: The run's life

        /// `run()` is called.
        mutating func runRequested() -> RunAction {
            guard case .idle(let cancelRequested) = phase else { return .refuse(Self.calledTwice) }
            phase = cancelRequested ? .cancelling(task: nil) : .reading(task: nil)
            return .start
        }

        /// `cancel()` is called. - Returns: the read task to cancel, if there is one now.
        mutating func cancelRequested() -> ReadTask? {
            switch phase {
            case .idle: phase = .idle(cancelRequested: true)
            case .reading(let task):
                phase = .cancelling(task: task)
                return task
            case .finishing: phase = .finishing(cancelRequested: true)
            case .cancelling, .finished: break
            }
            return nil
        }

        /// The read task started. - Returns: whether to cancel it at once (a cancel came first).
        mutating func readStarted(_ task: ReadTask) -> Bool {
            switch phase {
            case .reading: phase = .reading(task: task)
            case .cancelling:
                phase = .cancelling(task: task)
                return true
            case .idle, .finishing, .finished: preconditionFailure("a read started in \(phase)")
            }
            return false
        }

        /// The read task ended (its result is given to ``finished(read:flushError:)``).
        mutating func readEnded() {
            switch phase {
            case .reading: phase = .finishing(cancelRequested: false)
            case .cancelling: phase = .finishing(cancelRequested: true)
            case .idle, .finishing, .finished: preconditionFailure("a read ended in \(phase)")
            }
        }

        /// What was read is flushed (`flushError` when that failed) and committed: how the run ends.
        mutating func finished(read: Result<Int, any Error>, flushError: PanoplyError?) -> Ending {
            guard case .finishing(let cancelled) = phase else { preconditionFailure("a run finished in \(phase)") }
            phase = .finished
            if let lostLease {
                let n = (try? read.get()) ?? 0
                return .failed(read: n, error: lostLease)
            }
            switch read {
            case .success(let n): return flushError.map { .failed(read: n, error: $0) } ?? .done(read: n)
            case .failure(let error): return cancelled ? .cancelled : .failed(read: 0, error: error.asPanoplyError)
            }
        }

        /// The input could not be prepared (a state file that cannot be read): the run fails
        /// before reading, whether or not a cancel came.
        mutating func inputFailed() {
            switch phase {
            case .reading(task: .none), .cancelling(task: .none): phase = .finished
            case .idle, .reading, .cancelling, .finishing, .finished: preconditionFailure("the input failed in \(phase)")
            }
        }

        // MARK: Commits and saves

        /// The input resumes from `committed` (with the params an earlier run saved) and was
        /// configured with `configured` params.
        mutating func inputResumed(committed: JSONObject, savedParams: JSONObject, configured: [String: JSONValue]) {
            ledger = CommitLedger(committed: committed, savedParams: savedParams)
            self.configured = configured
        }

        /// The run wrote the record with SDK sequence number `seq`.
        mutating func recordWritten(_ seq: UInt64) { ledger.recordWritten(seq) }

        /// A batch was read and written: its merged state waits for its records.
        mutating func batchRead(_ state: JSONObject) { ledger.stateRead(state) }

        /// A batch of resource `id` was read and written: its state waits for its records.
        mutating func batchRead(_ id: String, _ state: JSONObject) { ledger.partRead(id, state) }

        /// Resource `id` was read to its end: it joins the finished ones once its records are acknowledged.
        mutating func readToEnd(_ id: String) { ledger.resourceFinished(id) }

        /// Records up to `through` are acknowledged (at `now`): what they cover is committed.
        /// - Parameter final: the run ends; the save is done whether or not one is due.
        /// - Returns: the save to do, if one is due: the newest committed state, at most one
        ///   per ``commitInterval`` (a commit that is not due yet is saved by a later call).
        mutating func acknowledged(through: UInt64, now: ContinuousClock.Instant = .now, final: Bool = false) -> Save? {
            _ = ledger.acknowledged(through: through)
            return saveWanted(now: now, force: final)
        }

        /// The source changed params: they are committed at once (no record waits for them).
        /// - Parameter keptOnlyForThisRun: there is no state file to keep them in.
        mutating func paramsChanged(
            _ changes: JSONObject, declared: Set<String>, keptOnlyForThisRun: Bool, now: ContinuousClock.Instant = .now
        ) -> ParamsChange? {
            var saved = ledger.savedParams
            let names = SavedParams.remember(changes, declared: declared, configured: configured, into: &saved)
            guard !names.isEmpty else { return nil }
            _ = ledger.paramsChanged(saved)
            let warn = keptOnlyForThisRun && !warnedUnsaved
            warnedUnsaved = true
            // At once, not coalesced: a rotated refresh token must survive a crash.
            return ParamsChange(names: names, warn: warn, save: saveWanted(now: now, force: true))
        }

        /// The run completed reading resource by resource: once every state is committed,
        /// the committed state loses the list of finished resources. - Returns: the save to do.
        mutating func completed(now: ContinuousClock.Instant = .now) -> Save? {
            guard ledger.waitingCount == 0, ledger.hasFinished else { return nil }
            _ = ledger.completed()
            return saveWanted(now: now, force: true)
        }

        /// A save threw ``LostLease`` (`error` is the run's error): the run stops reading as on
        /// a cancel, saves nothing more, and ends failed with `error` once what it read is
        /// flushed. - Returns: the read task to cancel, if there is one now.
        mutating func leaseLost(_ error: PanoplyError) -> ReadTask? {
            saving = false
            if lostLease == nil { lostLease = error }
            guard case .reading(let task) = phase else { return nil }
            phase = .cancelling(task: task)
            return task
        }

        /// A save ended (at `now`). - Returns: the next save, when a newer state was committed
        /// meanwhile and is due (or was forced).
        mutating func saveEnded(now: ContinuousClock.Instant = .now) -> Save? {
            saving = false
            return saveWanted(now: now, force: false)
        }

        /// The newest committed state, when it is newer than the one saved, no save is under
        /// way (that one saves it when it ends: saves never race, and never go back) and the
        /// last save started at least ``commitInterval`` ago, unless `force`. Never after a
        /// lost lease.
        private mutating func saveWanted(now: ContinuousClock.Instant, force: Bool) -> Save? {
            guard lostLease == nil, ledger.order > savedOrder else { return nil }
            guard !saving else {
                forceNext = forceNext || force
                return nil
            }
            if !force, !forceNext, let last = lastSaveStarted, now - last < commitInterval { return nil }
            saving = true
            forceNext = false
            savedOrder = ledger.order
            lastSaveStarted = now
            return Save(order: ledger.order, state: ledger.committed)
        }
    }
}
