import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// What to run and how it starts: the one way a run is set up, for `run TYPE`,
/// `run --saved NAME` and the UI alike. It resolves `${NAME}` references, knows the values
/// to mask, makes the state ready (trimmed when a saved source starts over), and starts the
/// runner on a ``RunSupervisor``.
struct RunLaunch: Sendable {
    let kind: SourceKind
    let input: SourceInput
    /// Masks the secrets of this run (secret params, values expanded from `${NAME}`).
    let redactor: Redactor
    var options: RunOptions
    /// For a saved source that starts over: where its state is trimmed before the run.
    var startsOver: (workspace: any Workspace, name: String)?
    /// For a saved source: publishes the run's live snapshot and notices a cancel request.
    var publisher: SnapshotPublisher?

    init(kind: SourceKind, input: SourceInput, redactor: Redactor, options: RunOptions) {
        self.kind = kind
        self.input = input
        self.redactor = redactor
        self.options = options
    }

    /// A run of `kind` with `params` (and a hash salt in `fields`) that may hold `${NAME}` references.
    /// - Throws: ``PanoplyError`` (config) naming a reference that is not set.
    static func resolving(
        _ kind: SourceKind, params: [String: JSONValue], table: String?, state: JSONObject? = nil,
        environment: [String: String], options: RunOptions, fields: FieldSettings? = nil
    ) throws -> RunLaunch {
        let resolved = try EnvReference.resolve(params, kind.configuration, env: environment)
        let salted = try (fields ?? FieldSettings()).resolvingSalt(env: environment)
        let redactor = Redactor(params: resolved.params, kind.configuration, extra: resolved.secrets + salted.secrets)
        var input = SourceInput(type: kind.type, params: resolved.params, destination: table, state: state)
        input.fields = salted.settings
        return RunLaunch(kind: kind, input: input, redactor: redactor, options: options)
    }

    /// Whether the source reads resource by resource (its state events then name them).
    var resourced: Bool { ResourcePlan(configuration: kind.configuration, input: input) != nil }

    /// Makes the state ready: a saved source that starts over keeps only the params it saved.
    /// - Throws: ``PanoplyError`` when the state cannot be trimmed.
    func prepareState() throws {
        guard let (workspace, name) = startsOver else { return }
        do { try workspace.resetState(of: name) } catch {
            throw PanoplyError.config("cannot start over: \(error.asPanoplyError.message)")
        }
    }

    /// Starts the run on `supervisor`: the runner writes into `sdk`, `consume` reads its
    /// events (not yet masked: pass them through ``redactor``), and the SDK is closed after.
    /// - Returns: the started run and its summary once it ended; nil when the supervisor
    ///   refused it (shutting down).
    func start(
        on supervisor: RunSupervisor, id: Int, sdk: PanoplySDK, closeTimeout: Duration?,
        consume: @escaping @Sendable (AsyncStream<RunEvent>) async -> Void
    ) async -> LaunchedRun? {
        let runner = SourceRunner(kind, input: input, sdk: sdk, options: options)
        let launched = LaunchedRun()
        let (publisher, redactor) = (publisher, redactor)
        let started = await supervisor.start(id, sdk: sdk, closeTimeout: closeTimeout) {
            runner.cancel()
        } work: {
            let s: RunSummary
            if let publisher {
                s = await Self.runPublishing(runner, publisher: publisher, redactor: redactor, consume: consume)
            } else {
                let consumer = Task { await consume(runner.events) }
                s = await runner.run()
                await consumer.value
            }
            launched.finished(s)
            return Self.exitCode(s)
        }
        guard let started else { return nil }
        launched.started(started)
        return launched
    }

    /// Runs `runner` with its events also folded into `publisher`'s snapshot (masked), which
    /// is written once a second; a cancel request from elsewhere cancels the run.
    private static func runPublishing(
        _ runner: SourceRunner, publisher: SnapshotPublisher, redactor: Redactor,
        consume: @escaping @Sendable (AsyncStream<RunEvent>) async -> Void
    ) async -> RunSummary {
        let (teed, out) = AsyncStream.makeStream(of: RunEvent.self)
        let consumer = Task { await consume(teed) }
        let pump = Task {
            for await e in runner.events {
                publisher.observe(redactor.event(e))
                out.yield(e)
            }
            out.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let who = await publisher.tick() else { continue }
                let line = RunEvent.log("cancelling: asked from \(who)")
                publisher.observe(line)
                out.yield(line)
                runner.cancel()
            }
        }
        let s = await runner.run()
        await pump.value
        ticker.cancel()
        await consumer.value
        await publisher.finish()
        return s
    }

    /// The exit code a run earned before its SDK is closed.
    static func exitCode(_ summary: RunSummary) -> Int32 {
        switch summary.status {
        case .done: Exit.success
        case .cancelled: summary.counters.undelivered > 0 ? Exit.undelivered : Exit.cancelled
        default: Exit.runFailed
        }
    }
}

/// A run started by ``RunLaunch/start(on:id:sdk:closeTimeout:consume:)``.
final class LaunchedRun: Sendable {
    private let box = Mutex<(run: SupervisedRun?, summary: RunSummary?)>((nil, nil))

    fileprivate func started(_ run: SupervisedRun) { box.withLock { $0.run = run } }
    fileprivate func finished(_ summary: RunSummary) { box.withLock { $0.summary = summary } }

    /// The run under the supervisor.
    var supervised: SupervisedRun? { box.withLock { $0.run } }

    /// How it ended, once it has.
    var ending: RunEnding {
        get async {
            guard let run = box.withLock({ $0.run }) else { return RunEnding(kind: .gaveUp, workCode: nil, undelivered: nil) }
            return await run.ending.value
        }
    }
    /// The runner's summary, once the runner returned (nil if it never did).
    var summary: RunSummary? { box.withLock { $0.summary } }
}
