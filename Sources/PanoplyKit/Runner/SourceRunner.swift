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
    let shared = Mutex(Shared())
    /// Order of the state last saved.
    private let saveLock = Mutex<Int>(0)

    struct Shared {
        var readTask: Task<Int, Error>?
        var cancelRequested = false
        var ledger = CommitLedger()
        /// The run's merged state, when it reads resource by resource (``ResourcePlan``).
        var runState: JSONObject = [:]
        /// Per-resource progress.
        var board = ResourceBoard()
        /// The params as configured (``SavedParams`` compares against them).
        var configured: [String: JSONValue] = [:]
        var warnedUnsaved = false
    }

    /// - Parameters:
    ///   - sourceType: the source type to run.
    ///   - input: its params, destination and (when resuming) state. When `input.state`
    ///     is nil and `options.stateFile` exists, the state is loaded from the file.
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
        (events, continuation) = AsyncStream<RunEvent>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
    }

    /// Stops reading, closes the source, flushes what was read and ends as cancelled.
    public func cancel() {
        let task = shared.withLock { s -> Task<Int, Error>? in
            s.cancelRequested = true
            return s.readTask
        }
        task?.cancel()
    }

    /// The committed state so far.
    public var committedState: JSONObject { shared.withLock { $0.ledger.committed } }

    /// Runs the source to its end (or failure, or cancellation). Call once.
    public func run() async -> RunSummary {
        let clock = ContinuousClock.now
        let input: SourceInput
        do { input = try await pickingEveryResource(try resumedInput()) } catch {
            return finish(.failed, read: 0, error: error.asPanoplyError, since: clock)
        }
        let committers = startCommitting()
        defer { for t in committers { t.cancel() } }

        let resumed = input
        let plan = ResourcePlan(configuration: kind.configuration, input: resumed)
        let task = Task {
            if let plan { return try await readResources(resumed, plan: plan) }
            return try await readLoop(resumed)
        }
        let alreadyCancelled = shared.withLock { s -> Bool in
            s.readTask = task
            return s.cancelRequested
        }
        if alreadyCancelled { task.cancel() }
        let result = await task.result

        // Whatever happened, deliver what was read and commit the state that covers it.
        var flushError: PanoplyError?
        do { try await sdk.flush() } catch { flushError = error.asPanoplyError }
        // A committer may hold the last commit and not have saved it yet: stop both and
        // wait for them, so the state file is written before the run reports its end.
        for t in committers { t.cancel() }
        for t in committers { await t.value }
        commitAcknowledged()
        emit(.counters(sdk.counters))
        let cancelled = shared.withLock { $0.cancelRequested }
        switch result {
        case .success(let n):
            if let flushError { return finish(.failed, read: n, error: flushError, since: clock) }
            if plan != nil { completeResources() }
            return finish(.done, read: n, error: nil, since: clock)
        case .failure(let error):
            if cancelled { return finish(.cancelled, read: 0, error: nil, since: clock) }
            return finish(.failed, read: 0, error: error.asPanoplyError, since: clock)
        }
    }

    /// The input with the state to resume from (given, else the state file's) and the
    /// params saved in it; starts the ledger from that state and reports the start.
    /// - Throws: the state file's error.
    private func resumedInput() throws -> SourceInput {
        var input = input
        if input.state == nil, let file = options.stateFile { input.state = try StateFile.load(file) }
        // Params a source changed in an earlier run (a rotated refresh token) win over the
        // configured ones, unless the configured value changed since.
        let applied = SavedParams.apply(input.state, to: input.params)
        let configured = input.params
        input.params = applied.params
        if input.state != nil { input.state![SavedParams.stateKey] = applied.kept.isEmpty ? nil : .object(applied.kept) }
        shared.withLock {
            $0.ledger = CommitLedger(committed: input.state ?? [:], savedParams: applied.kept)
            $0.configured = configured
        }
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

    /// Commits on a timer (reporting the counters too) and as soon as acknowledgements arrive.
    private func startCommitting() -> [Task<Void, Never>] {
        let ticker = Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: options.countersInterval)
                commitAcknowledged()
                emit(.counters(sdk.counters))
            }
        }
        let sdkEvents = sdk.events(buffer: 1)
        let committer = Task.detached { [self] in
            for await e in sdkEvents {
                if case .flush = e { commitAcknowledged() }
            }
        }
        return [ticker, committer]
    }

    /// Commits every pending state whose records are all acknowledged.
    func commitAcknowledged() {
        let through = sdk.deliveredThrough
        guard let newest = shared.withLock({ $0.ledger.acknowledged(through: through) }) else { return }
        save(order: newest)
    }

    /// The source changed params (a refreshed or rotated token): commit them at once, with
    /// no record to wait for, so the next run starts with them even if this one fails now.
    func rememberChanges(_ changes: JSONObject) {
        let declared = Set(kind.configuration.params.map(\.name))
        let (order, names, warn) = shared.withLock { s -> (Int?, [String], Bool) in
            var saved = s.ledger.savedParams
            let names = SavedParams.remember(changes, declared: declared, configured: s.configured, into: &saved)
            guard !names.isEmpty else { return (nil, [], false) }
            let order = s.ledger.paramsChanged(saved)
            let warn = options.stateFile == nil && !s.warnedUnsaved
            s.warnedUnsaved = true
            return (order, names, warn)
        }
        guard let order else { return }
        if warn {
            emit(
                .log(
                    "the source changed \(names.joined(separator: ", ")); with no state file it is kept for this run only (use a state file, e.g. --state FILE, to keep it)"
                ))
        }
        save(order: order)
    }

    /// Saves the committed state (when it is newer than the one on disk) and reports it.
    func save(order: Int) {
        // Saves can race (the flush-event task, the ticker, the end of the run, a source
        // change): each writes the newest committed state under one lock, skipping an
        // older order, so the file never goes back.
        let saved = saveLock.withLock { lastSaved -> JSONObject? in
            guard order > lastSaved else { return nil }
            lastSaved = order
            let state = shared.withLock { $0.ledger.committed }
            if let file = options.stateFile {
                do { try StateFile.save(state, to: file) } catch {
                    let params = state[SavedParams.stateKey]?.objectValue.map { $0.keys.sorted() } ?? []
                    let lost =
                        params.isEmpty ? "" : "; the changed \(params.joined(separator: ", ")) is not saved, and the next run may need a new authorization"
                    emit(.log("cannot save state: \(error.message)\(lost)"))
                }
            }
            return state
        }
        if let saved { emit(.state(saved)) }
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
