import Foundation
import Synchronization

/// Drives one run of a source: reads batches, writes each record to the SDK under the
/// destination table with `__state`, merges state, and commits a state only once every
/// record written before it is acknowledged, so a retry resumes without losing anything.
///
/// A source with a ``SourceConfiguration/resourcesParam`` holding values is read resource
/// by resource (``ResourcePlan``): one instance per picked resource, up to
/// ``RunOptions/parallelResources`` at once, each resource's records tagged `__resource`
/// and sent to its own table, its state nested under its id, and its progress reported
/// with ``RunEvent/resource(_:)``.
///
/// ```swift
/// let runner = SourceRunner(DemoSource.self, input: input, sdk: sdk)
/// Task { for await e in runner.events { print(e) } }
/// let summary = await runner.run()
/// ```
public final class SourceRunner: Sendable {
    public let kind: SourceKind
    public let input: SourceInput
    public let sdk: PanoplySDK
    public let options: RunOptions
    /// Every event of the run; finishes after `completed`, `failed` or `cancelled`.
    public let events: AsyncStream<RunEvent>
    let continuation: AsyncStream<RunEvent>.Continuation
    /// The run's life and bookkeeping; every change goes through ``life(_:)``.
    private let machine: Mutex<StateMachine>
    /// Where the commits' saves run (``saveOffPool(_:)``).
    private let saveQueue = DispatchQueue(label: "panoply.runner.save")

    /// - Parameters:
    ///   - sourceType: the source type to run.
    ///   - input: its params, destination and (when resuming) state. When `input.state`
    ///     is nil and `options.stateStore` is set, the state is loaded from the store.
    ///   - sdk: where records go; the caller closes it.
    public convenience init(_ sourceType: any DataSource.Type, input: SourceInput, sdk: PanoplySDK, options: RunOptions = RunOptions()) {
        self.init(SourceKind(sourceType), input: input, sdk: sdk, options: options)
    }

    /// Runs a source kind (a built-in type, a Python module, a Singer tap).
    public init(_ kind: SourceKind, input: SourceInput, sdk: PanoplySDK, options: RunOptions = RunOptions()) {
        self.kind = kind
        self.input = input
        self.sdk = sdk
        self.options = options
        machine = Mutex(StateMachine(commitInterval: options.commitInterval))
        (events, continuation) = AsyncStream<RunEvent>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
    }

    /// Stops reading, closes the source, flushes what was read and ends as cancelled.
    /// Before ``run()`` it makes the run end as cancelled at once; while the run flushes
    /// what it read it stops nothing more (a read that failed then ends as cancelled);
    /// after the run it does nothing.
    public func cancel() {
        life { $0.cancelRequested() }?.cancel()
    }

    /// The committed state so far.
    public var committedState: JSONObject { life { $0.ledger.committed } }

    /// Runs the source to its end (or failure, or cancellation). A runner runs once: a
    /// second call returns at once a failed summary saying so, and reports no event.
    public func run() async -> RunSummary {
        let clock = ContinuousClock.now
        if case .refuse(let error) = life({ $0.runRequested() }) {
            return RunSummary(status: .failed, recordsRead: 0, counters: sdk.counters, seconds: 0, state: committedState, error: error)
        }
        let input: SourceInput
        do { input = try await checkingFields(try await pickingEveryResource(try resumedInput())) } catch {
            life { $0.inputFailed() }
            return finish(.failed, read: 0, error: error.asPanoplyError, since: clock)
        }
        let committers = startCommitting()
        defer { for t in committers { t.cancel() } }

        let plan = ResourcePlan(configuration: kind.configuration, input: input)
        let task = Task {
            if let plan { return try await readResources(input, plan: plan) }
            return try await readLoop(input)
        }
        if life({ $0.readStarted(task) }) { task.cancel() }
        let result = await task.result
        life { $0.readEnded() }

        // Whatever happened, deliver what was read and commit the state that covers it.
        var flushError: PanoplyError?
        do { try await sdk.flush() } catch { flushError = error.asPanoplyError }
        // A committer may hold the last commit and not have saved it yet: stop both and
        // wait for them, so the state file is written before the run reports its end.
        for t in committers { t.cancel() }
        for t in committers { await t.value }
        await commitAcknowledged(final: true)
        emit(.counters(sdk.counters))
        let ending = life { $0.finished(read: result, flushError: flushError) }
        if case .done = ending, plan != nil { await saveOffPool(life { $0.completed() }) }
        closeStateStore()
        switch ending {
        case .done(let n):
            if let lost = life({ $0.lostLease }) { return finish(.failed, read: n, error: lost, since: clock) }
            return finish(.done, read: n, error: nil, since: clock)
        case .failed(let n, let error): return finish(.failed, read: n, error: error, since: clock)
        case .cancelled: return finish(.cancelled, read: 0, error: nil, since: clock)
        }
    }

    /// Runs one event on the run's state machine, under its lock (the only place it is taken).
    func life<T: Sendable>(_ event: (inout StateMachine) -> T) -> T {
        machine.withLock { event(&$0) }
    }

    /// The input with the state to resume from (given, else the state store's) and the
    /// params saved in it; starts the ledger from that state and reports the start.
    /// - Throws: the state store's error.
    private func resumedInput() throws -> SourceInput {
        var input = input
        if input.state == nil, let store = options.stateStore { input.state = try store.load() }
        // Params a source changed in an earlier run (a rotated refresh token) win over the
        // configured ones, unless the configured value changed since.
        let applied = SavedParams.apply(input.state, to: input.params)
        let configured = input.params
        input.params = applied.params
        if input.state != nil { input.state![SavedParams.stateKey] = applied.kept.isEmpty ? nil : .object(applied.kept) }
        life { $0.inputResumed(committed: input.state ?? [:], savedParams: applied.kept, configured: configured) }
        emit(.started(attempt: options.attempt, resumedFrom: input.state))
        if !applied.used.isEmpty {
            emit(.log("using \(applied.used.sorted().joined(separator: ", ")) saved in the state by an earlier run (refreshed by the source)"))
        }
        if !applied.stale.isEmpty {
            emit(
                .log(
                    "the configured \(applied.stale.sorted().joined(separator: ", ")) changed since an earlier run saved a newer value; using the configured params, none saved by that run"
                ))
        }
        return input
    }

    /// Commits on a timer (reporting the counters too, and saving a commit held back by
    /// ``RunOptions/commitInterval`` once it is due) and as soon as acknowledgements arrive.
    private func startCommitting() -> [Task<Void, Never>] {
        let ticker = Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: options.countersInterval)
                await commitAcknowledged()
                emit(.counters(sdk.counters))
            }
        }
        let sdkEvents = sdk.events(buffer: 1)
        let committer = Task.detached { [self] in
            for await e in sdkEvents {
                if case .flush = e { await commitAcknowledged() }
            }
        }
        return [ticker, committer]
    }

    /// Commits every pending state whose records are all acknowledged, and saves the newest
    /// committed state when a save is due (``RunOptions/commitInterval``) or `final`.
    func commitAcknowledged(final: Bool = false) async {
        let through = sdk.deliveredThrough
        let now = ContinuousClock.now
        await saveOffPool(life { $0.acknowledged(through: through, now: now, final: final) })
    }

    /// ``save(_:)`` on the runner's own serial dispatch queue, its caller suspended until it
    /// is done. A store's save blocks its thread: a workspace's waits for a server that may
    /// be unreachable (with retries, ~30 s), a file's for the disk. Blocking a task of the
    /// Swift concurrency pool (two threads on two cores) would stop the run's reading, its
    /// delivery and its snapshots meanwhile; a dispatch queue's thread is not the pool's.
    /// The saves stay one at a time and in order (the state machine hands out one at a
    /// time; the caller waits as before), so a store's behaviour is unchanged. A save
    /// wanted from a source's callback (``rememberChanges(_:)``, rare) stays where it is.
    func saveOffPool(_ wanted: StateMachine.Save?) async {
        guard let wanted else { return }
        guard options.stateStore != nil else { return save(wanted) }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            saveQueue.async { [self] in
                save(wanted)
                done.resume()
            }
        }
    }

    /// The source changed params (a refreshed or rotated token): commit them at once, with
    /// no record to wait for, so the next run starts with them even if this one fails now.
    func rememberChanges(_ changes: JSONObject) {
        let declared = Set(kind.configuration.params.map(\.name))
        let noFile = options.stateStore == nil
        guard let change = life({ $0.paramsChanged(changes, declared: declared, keptOnlyForThisRun: noFile) }) else { return }
        if change.warn {
            emit(
                .log(
                    "the source changed \(change.names.joined(separator: ", ")); with no state file it is kept for this run only (use a state file, e.g. --state FILE, to keep it)"
                ))
        }
        save(change.save)
    }

    /// Saves a committed state and reports it; then the newer ones committed meanwhile.
    /// Saves can be wanted at once (the flush-event task, the ticker, the end of the run, a
    /// source change): the state machine hands out one at a time, always the newest, so
    /// the store never goes back. A ``LostLease`` stops the run (``StateMachine/leaseLost(_:)``)
    /// and every later save; other errors are logged and the run goes on.
    func save(_ wanted: StateMachine.Save?) {
        var next = wanted
        while let save = next {
            if let store = options.stateStore {
                do { try store.save(save.state) } catch let lost as LostLease {
                    emit(.log("\(lost.message): stopping the run; what was read is delivered, and no state is committed any more"))
                    life { $0.leaseLost(lost.asRunError) }?.cancel()
                    return
                } catch {
                    let params = save.state[SavedParams.stateKey]?.objectValue.map { $0.keys.sorted() } ?? []
                    let lost =
                        params.isEmpty ? "" : "; the changed \(params.joined(separator: ", ")) is not saved, and the next run may need a new authorization"
                    emit(.log("cannot save state: \(error.message)\(lost)"))
                }
            }
            emit(.state(save.state))
            let now = ContinuousClock.now
            next = life { $0.saveEnded(now: now) }
        }
    }

    /// The run saved its last state: the store tidies (a state file is written whole again).
    private func closeStateStore() {
        guard let store = options.stateStore else { return }
        do { try store.close() } catch { emit(.log("cannot save state: \(error.asPanoplyError.message)")) }
    }

    private func finish(_ status: RunStatus, read: Int, error: PanoplyError?, since start: ContinuousClock.Instant) -> RunSummary {
        let elapsed = ContinuousClock.now - start
        let summary = RunSummary(
            status: status, recordsRead: read, counters: sdk.counters,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            state: committedState, error: error)
        switch status {
        case .done: emit(.completed(summary))
        case .failed: emit(.failed(error ?? PanoplyError(.internal, "failed")))
        case .cancelled: emit(.cancelled)
        case .idle, .running: break
        }
        continuation.finish()
        return summary
    }

    func emit(_ e: RunEvent) { continuation.yield(e) }
}
