import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// Starts and cancels runs for the UI: each run is a ``RunLaunch`` on the process's
/// ``RunSupervisor``, its events posted to the inbox, ``AppEvent/runClosed(_:error:)`` posted
/// once its SDK closed.
@MainActor
final class RunCoordinator {
    let registry: SourceRegistry
    let store: any Workspace
    let inbox: Inbox
    let supervisor: RunSupervisor
    private let awsSessionToken: String?
    /// How long closing a run's SDK after its work may wait.
    private let closeTimeout: Duration
    /// Where `${NAME}` references in params are looked up.
    let environment: [String: String]
    /// The fields each source's latest run noted, until its history record takes them.
    private var schemas: [String: SchemaRecorder] = [:]
    /// The lease of each run until the loop has seen it closed (``releaseLease(of:)``): its
    /// end is recorded in its history while it still holds it, as a headless run's is (in a
    /// shared workspace a history row written just after the unlock would be refused as
    /// written under a lost lease).
    private var leases: [RunID: Lease] = [:]

    /// - Parameters:
    ///   - awsSessionToken: goes with AWS credentials (read from the environment at start).
    ///   - environment: expands `${NAME}` in params when a run starts.
    init(
        registry: SourceRegistry, store: any Workspace, inbox: Inbox, supervisor: RunSupervisor = RunSupervisor(),
        awsSessionToken: String? = nil, closeTimeout: Duration = .seconds(30), environment: [String: String] = processEnvironment
    ) {
        self.environment = environment
        self.registry = registry
        self.store = store
        self.inbox = inbox
        self.supervisor = supervisor
        self.awsSessionToken = awsSessionToken
        self.closeTimeout = closeTimeout
    }

    func start(_ request: RunRequest, destination: DestinationSettings) {
        let id = request.id
        var launch: RunLaunch
        do { launch = try makeLaunch(request) } catch {
            inbox.post(.runStartFailed(id, error.asPanoplyError.message))
            return
        }
        if let created = OutboxFolder.prepare(destination) { inbox.post(.run(id, .log(created))) }
        let sdk: PanoplySDK
        do {
            sdk = try PanoplySDK(destination.sdkConfiguration(awsSessionToken: awsSessionToken))
        } catch {
            inbox.post(.runStartFailed(id, "destination: \(error.asPanoplyError.message) (press Esc, then d to fix it)"))
            return
        }
        // One run of a source at a time, across processes (cron, another UI).
        store.settleLostRun(of: request.sourceName)
        let lease: Lease
        do { lease = try store.acquireLease(of: request.sourceName, holder: .current(origin: "ui"), wait: nil) } catch {
            let message = (error as? LeaseBusy).map { "\($0.message); wait for it to end, or cancel it from its row in the list" }
            inbox.post(.runStartFailed(id, message ?? error.asPanoplyError.message))
            return
        }
        store.clearSnapshot(of: request.sourceName)
        leases[id] = lease
        launch.options.stateStore = store.stateStore(for: request.sourceName, lease: lease)
        do { try launch.prepareState() } catch {
            leases[id] = nil
            lease.release()
            inbox.post(.runStartFailed(id, error.asPanoplyError.message))
            return
        }
        launch.publisher = SnapshotPublisher(
            workspace: store, name: request.sourceName, type: request.type, holder: lease.holder, attempt: request.attempt, sdk: sdk)
        let (inbox, supervisor, closeTimeout, redactor) = (inbox, supervisor, closeTimeout, launch.redactor)
        Task.detached {
            let started = await launch.start(on: supervisor, id: id, sdk: sdk, closeTimeout: closeTimeout) { events in
                for await e in events { inbox.post(.run(id, redactor.event(e))) }
            }
            guard let started else {
                lease.release()
                try? await sdk.close(timeout: .zero)
                return inbox.post(.runStartFailed(id, "the UI is quitting"))
            }
            let ending = await started.ending
            // The lease goes when the loop takes this (``releaseLease(of:)``): after the
            // run's last event, so after its history row.
            inbox.post(.runClosed(id, error: ending.undelivered ?? ending.reason))
        }
    }

    /// The launch of `request`, its references resolved. A run that
    /// starts over keeps only the source's saved params; a retry resumes from the state it
    /// is given, a resumed or continued run from the store's (set once the lease is taken).
    private func makeLaunch(_ request: RunRequest) throws -> RunLaunch {
        guard let type = try registry.kind(named: request.type) else {
            throw PanoplyError.config("unknown source type '\(request.type)'")
        }
        var options = RunOptions()
        options.attempt = request.attempt
        let schema = SchemaRecorder(previous: SchemaHistory.baseline(try? store.history(of: request.sourceName)))
        options.schema = schema
        schemas[request.sourceName] = schema
        // The saved source's field settings, read now: a run never goes without them.
        let fields = try store.loadSources().first { $0.name == request.sourceName }?.fields
        var launch = try RunLaunch.resolving(
            type, params: request.params, table: request.table, state: request.state, environment: environment, options: options,
            fields: fields)
        if request.state == nil, !request.resumeFromFile { launch.startsOver = (store, request.sourceName) }
        return launch
    }

    /// Releases the lease of run `id` (its SDK closed, its end recorded); nothing when it
    /// holds none.
    func releaseLease(of id: RunID) { leases.removeValue(forKey: id)?.release() }

    /// Hands over the lease of a run the loop has seen closed, for the caller to release.
    func takeLease(of id: RunID) -> Lease? { leases.removeValue(forKey: id) }

    /// Hands over every lease still held (the UI is leaving), for the caller to release.
    func takeLeases() -> [Lease] {
        defer { leases = [:] }
        return Array(leases.values)
    }

    /// Releases every lease still held (the UI is leaving).
    func releaseLeases() {
        for lease in leases.values { lease.release() }
        leases = [:]
    }

    /// The fields the latest run of `name` noted, handed once to its history record.
    func takeSchema(of name: String) -> SchemaRecorder? { schemas.removeValue(forKey: name) }

    func cancel(_ id: RunID) {
        let supervisor = supervisor
        Task { await supervisor.cancel(id) }
    }
}
