import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// One session of the UI loop: reads input, reduces events, performs effects, draws.
/// Its timing decisions live in ``LoopTiming``.
@MainActor
final class AppLoop<T: Terminal> {
    let inbox: Inbox
    private(set) var state: AppState
    private let terminal: T
    private let store: any Workspace
    private let coordinator: RunCoordinator
    private let loader: ValuesLoader
    private let previewer: PreviewLoader
    private let watcher: ExternalRunsWatcher
    /// The workspace's calls of runs and edits, in order, off the MainActor (they wait for
    /// the server): a run's start (lease, state), saves, state moves, and a run's end (its
    /// history row, its snapshot cleared, then its lease released).
    private let records = DispatchQueue(label: "panoply.ui.records")
    /// Cancel requests to runs owned elsewhere (a blocking call to the workspace).
    private let requests = DispatchQueue(label: "panoply.ui.requests")
    private var timing = LoopTiming()
    /// How long a quit waits for the runs to finish delivering (`--shutdown-timeout`).
    private let shutdownTimeout: Duration
    private let start = ContinuousClock.now
    private var size = (width: 80, height: 24)
    private var dirty = true
    private var signalled = false
    private var quitRequested = false
    /// How the runs that were going at the quit ended, once the supervisor shut them down.
    private var shutdownEndings: [Int: RunEnding]?
    private let observe: ((AppEvent, [Effect]) -> Void)?
    /// A destination was named on the command line or in the environment (it wins over a
    /// saved source's outbox folder).
    private let destinationGiven: Bool

    init(
        state: AppState, terminal: T, store: any Workspace, registry: SourceRegistry, awsSessionToken: String?,
        environment: [String: String] = processEnvironment, shutdownTimeout: Duration = .seconds(30), destinationGiven: Bool = true,
        observe: ((AppEvent, [Effect]) -> Void)? = nil
    ) {
        self.state = state
        self.destinationGiven = destinationGiven
        self.observe = observe
        self.terminal = terminal
        self.store = store
        self.shutdownTimeout = shutdownTimeout
        let inbox = Inbox()
        self.inbox = inbox
        coordinator = RunCoordinator(
            registry: registry, store: store, inbox: inbox, awsSessionToken: awsSessionToken,
            closeTimeout: shutdownTimeout, environment: environment)
        loader = ValuesLoader(registry: registry, inbox: inbox, environment: environment)
        previewer = PreviewLoader(registry: registry, inbox: inbox, environment: environment)
        watcher = ExternalRunsWatcher(store: store)
    }

    /// Loops until a quit (``Effect/quit``) and every run's SDK is closed, or the run
    /// supervisor has shut the runs down (`--shutdown-timeout`; a second signal gives up).
    /// - Returns: 0, or 1 when runs were still delivering at exit.
    func run() async -> Int32 {
        size = terminal.size
        state = reduce(state, .resize(width: size.width, height: size.height)).0
        while true {
            // A cancelled UI task leaves as a confirmed quit does.
            if Task.isCancelled { shutDown() }
            _ = turn()
            let open = state.runs.contains { $0.sdkOpen }
            if quitRequested, !open || shutdownEndings != nil { break }
            await Task.yield()
        }
        let held = coordinator.takeLeases()
        records.async { for lease in held { lease.release() } }
        // The runs' history rows and lease releases: a local folder's are written whatever the
        // timeout (local disk; they always were); a shared workspace's get --shutdown-timeout.
        await recordsWritten(within: store is FolderWorkspace ? .seconds(3600) : shutdownTimeout)
        guard let endings = shutdownEndings else { return 0 }
        return endings.values.contains { $0.undelivered != nil || $0.kind == .gaveUp } ? 1 : 0
    }

    /// The quit: the supervisor asks the runs to finish, cancels, then gives up.
    private func shutDown() {
        guard !quitRequested else { return }
        quitRequested = true
        let (supervisor, grace) = (coordinator.supervisor, shutdownTimeout)
        Task { @MainActor in
            self.shutdownEndings = await supervisor.shutdown(grace: grace)
        }
    }

    /// One iteration: input, run events and a tick reduced; a frame drawn when due.
    /// - Returns: the time of the iteration.
    private func turn() -> Double {
        let busy = state.activeRunCount > 0 || state.quitting || !inbox.isEmpty || loader.isBusy || previewer.isBusy
        var events = readInput(timeoutMs: LoopTiming.readTimeout(dirty: dirty, busy: busy))
        events += inbox.drain()
        let now = seconds()
        watcher.poll(now: now, names: state.saved.map(\.name), into: inbox)
        if timing.tickDue(now: now, busy: busy, hasEvents: !events.isEmpty) { events.insert(.tick(now), at: 0) }
        for event in events {
            if case .terminate = event {
                if signalled, quitRequested {
                    let supervisor = coordinator.supervisor
                    Task { await supervisor.giveUpAll(reason: "interrupted again") }
                }
                signalled = true
            }
            // Released on `records` after the run's history row; a run started next waits
            // for it (``Effect/startRun``), as its source's lease is taken again.
            if case .runClosed(let id, _) = event { coordinator.closed(id, on: records) }
            // In place: a copy of the state kept alive here would make each event copy
            // the resources table of a run of thousands of resources.
            let effects = reduce(&state, event)
            observe?(event, effects)
            perform(effects)
        }
        dirty = dirty || !events.isEmpty
        if timing.frameDue(now: now, dirty: dirty) {
            terminal.draw(render(state, width: size.width, height: size.height))
            dirty = false
        }
        return now
    }

    /// Waits for a key, then takes whatever else is already there (up to 256 inputs).
    private func readInput(timeoutMs: Int32) -> [AppEvent] {
        var events: [AppEvent] = []
        var input = terminal.read(timeoutMs: timeoutMs)
        while let i = input, events.count < 256 {
            switch i {
            case .key(let k): events.append(.key(k))
            case .resize:
                size = terminal.size
                events.append(.resize(width: size.width, height: size.height))
            }
            input = terminal.read(timeoutMs: 0)
        }
        return events
    }

    private func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .startRun(let request): startRun(request)
            case .cancelRun(let id):
                if let r = state.run(id), r.isExternal {
                    // On a queue of its own: not behind the history rows, nor on the MainActor.
                    let (who, name, store, inbox) = ("ui on \(ProcessInfo.processInfo.hostName)", r.request.sourceName, store, inbox)
                    requests.async {
                        do { try store.requestCancel(of: name, by: who) } catch {
                            inbox.post(.notice("cannot ask \(name) to cancel: \(error.asPanoplyError.message)"))
                        }
                    }
                } else {
                    coordinator.cancel(id)
                }
            // Workspace writes go on `records`, in order with the runs' starts and ends (a run
            // started after a save reads what was saved); a failure is a notice.
            case .saveSources(let sources):
                let (ui, directory) = (state.destination, state.workingDirectory)
                onRecords("cannot save sources") { store in
                    try store.saveSources(SavedOutbox.filling(sources, ui: ui, directory: directory, destinationSaved: store.hasSavedDestination))
                }
            case .saveDestination(let d):
                let destination = d.absolute(against: state.workingDirectory)
                onRecords("cannot save the destination") { try $0.saveDestination(destination) }
            // Under the source's lease: a run of it elsewhere (another UI, cron) would commit over the change.
            case .deleteState(let name):
                onRecords("cannot remove the state of \(name)") { store in
                    try store.withLease(of: name, origin: "ui") { _ in try store.deleteState(of: name) }
                }
            case .renameState(let old, let new):
                onRecords("cannot move the state of \(old) to \(new)") { store in
                    try store.withLease(of: old, origin: "ui") { _ in
                        try store.withLease(of: new, origin: "ui") { _ in
                            try store.renameState(from: old, to: new)
                            try store.renameHistory(from: old, to: new)
                        }
                    }
                }
            case .recordRun(let name, var record):
                if let schema = coordinator.takeSchema(of: name) { SchemaHistory.keep(schema, in: &record) }
                // The list marks the source until it is opened (the reducer's record has no changes yet).
                if let changes = record.schemaChanges {
                    inbox.post(.schemaChanges(sourceName: name, started: record.started, changes: changes))
                }
                let (store, inbox) = (store, inbox)
                records.async { [record] in writeRunRecord(record, of: name, in: store, inbox: inbox) }
            case .deleteHistory(let name):
                onRecords("cannot remove the history of \(name)") { try $0.deleteHistory(of: name) }
            case .checkSource(let request): coordinator.check(request)
            case .loadValues(let request): loader.load(request)
            case .cancelLoad(let id): loader.cancel(id)
            case .preview(let request): previewer.load(request)
            case .cancelPreview(let id): previewer.cancel(id)
            case .quit: shutDown()
            }
        }
    }

    /// Starts `request`, prepared on `records`: after the last run's end is written (its lease
    /// released: a retry takes it again) and the sources saved before it, and never on the
    /// MainActor (a shared workspace that does not answer leaves the UI drawing).
    private func startRun(_ request: RunRequest) {
        let source = state.saved.first { $0.name == request.sourceName }
        let (given, store, destinationGiven) = (state.destination.absolute(against: state.workingDirectory), store, destinationGiven)
        let others = state.runs.filter { $0.id != request.id && $0.request.sourceName == request.sourceName && !$0.isExternal }
        coordinator.start(request, afterEnded: !others.contains { $0.isActive }, on: records) {
            SavedOutbox.destination(for: source, given: given, explicit: destinationGiven || store.hasSavedDestination)
        }
    }

    /// Runs `write` on `records`; an error is a notice starting with `failure`.
    private func onRecords(_ failure: String, _ write: @escaping @Sendable (any Workspace) throws -> Void) {
        let (store, inbox) = (store, inbox)
        records.async {
            do { try write(store) } catch { inbox.post(.notice("\(failure): \(error)")) }
        }
    }

    /// Waits, suspended, until what `records` was given is written, or `limit` passed (a
    /// workspace that stopped answering does not hold the quit).
    private func recordsWritten(within limit: Duration) async {
        let written = Once<Bool>()
        records.async { written.set(true) }
        let timer = Task {
            try? await Task.sleep(for: limit)
            written.set(false)
        }
        _ = await written.value
        timer.cancel()
    }

    /// The UI's destination, its folders absolute; a saved source's own outbox folder
    /// when no destination was named or saved.
    private func seconds() -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Writes a run's history row and clears its snapshot (on the loop's `records` queue).
private func writeRunRecord(_ record: RunRecord, of name: String, in store: any Workspace, inbox: Inbox) {
    var record = record
    if record.status == .cancelled { record.cancelledBy = store.snapshot(of: name)?.cancelledBy }
    defer { store.clearSnapshot(of: name) }
    do { try store.appendHistory(record, to: name) } catch {
        inbox.post(.notice("cannot record the run of \(name): \(error.asPanoplyError.message)"))
    }
}
