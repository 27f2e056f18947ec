import PanoplyKit

/// The one owner of the runs of this process, the UI's and a headless command's alike (as
/// swift-service-lifecycle's `ServiceGroup` owns its services): it starts each run's work
/// with its SDK, cancels one, and shuts them all down in three steps: ask every run to
/// finish (stop reading, deliver, commit), after the grace cancel those that did not, and
/// after a short while more give up on those that still hang. Each run's ``RunEnding`` is
/// settled once and carries its exit code.
actor RunSupervisor {
    private enum Phase { case accepting, shuttingDown }
    private var phase = Phase.accepting
    private var runs: [Int: SupervisedRun] = [:]
    /// How long a run whose task was cancelled gets to return before it is given up on.
    let cancelGrace: Duration

    init(cancelGrace: Duration = .milliseconds(500)) { self.cancelGrace = cancelGrace }

    /// Starts a run.
    /// - Parameters:
    ///   - closeTimeout: how long closing the SDK after the work may wait (nil: as long as
    ///     the SDK's retry policy).
    ///   - codeWhenStopped: the code work that was asked to stop ends with, for work that
    ///     may never return after that (`send` on an idle standard input); nil: until it
    ///     returns, the run has not ended.
    ///   - stop: asks the work to finish early (a runner's `cancel()`).
    ///   - work: writes the records into `sdk`; returns the exit code its input earned.
    /// - Returns: the run, whose `ending` settles once; nil when the supervisor is shutting
    ///   down or already has a run `id` (nothing was started).
    @discardableResult
    func start(
        _ id: Int, sdk: PanoplySDK, closeTimeout: Duration?, codeWhenStopped: Int32? = nil,
        stop: @escaping @Sendable () -> Void, work: @escaping @Sendable () async -> Int32
    ) -> SupervisedRun? {
        guard phase == .accepting, runs[id] == nil else { return nil }
        let run = SupervisedRun(id: id, sdk: sdk, codeWhenStopped: codeWhenStopped, stop: stop)
        runs[id] = run
        run.launch(closeTimeout: closeTimeout, work: work)
        Task {
            _ = await run.ending.value; self.forget(id)
        }
        return run
    }

    /// Asks run `id` to finish early; nothing when it is not running.
    func cancel(_ id: Int) { runs[id]?.requestStop() }

    /// The runs that have not ended.
    var active: Int { runs.values.filter { !$0.ending.isSet }.count }

    /// Stops every run: asks each to finish, waits up to `grace`, cancels the tasks of those
    /// still going, waits up to ``cancelGrace``, then gives up on the rest. New runs are
    /// refused from the first call on.
    /// - Returns: how each run that was going ended.
    func shutdown(grace: Duration) async -> [Int: RunEnding] {
        phase = .shuttingDown
        let going = Array(runs.values)
        for run in going { run.requestStop() }
        await Self.waitForEndings(going, upTo: grace)
        let ignored = going.filter { !$0.ending.isSet }
        for run in ignored { run.cancelTask() }
        await Self.waitForEndings(ignored, upTo: cancelGrace)
        let reason = "the shutdown timeout of \(grace.seconds)s passed"
        for run in going where !run.ending.isSet { await run.giveUp(reason: reason) }
        var out: [Int: RunEnding] = [:]
        for run in going { out[run.id] = await run.ending.value }
        return out
    }

    /// Gives up on every run at once (a second interrupt): what was delivered stays
    /// delivered; what was not is reported by each run's ending.
    func giveUpAll(reason: String) async {
        phase = .shuttingDown
        for run in runs.values { await run.giveUp(reason: reason) }
    }

    private func forget(_ id: Int) { runs[id] = nil }

    /// Returns when every run in `runs` has ended, or after `limit`, whichever is first.
    private static func waitForEndings(_ runs: [SupervisedRun], upTo limit: Duration) async {
        guard !runs.isEmpty else { return }
        let first = Once<Void>()
        let all = Task {
            for run in runs { _ = await run.ending.value }
            first.set(())
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            first.set(())
        }
        await first.value
        timer.cancel()
        _ = all  // settles once every run has ended (give-up settles the rest)
    }
}
