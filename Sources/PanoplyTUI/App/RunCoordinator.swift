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
    /// Runs being prepared (``start(_:on:destination:)``); one cancelled meanwhile is removed.
    private var starting: Set<RunID> = []
    /// Whether the UI took every lease (it is leaving): a run prepared after does not start.
    private var leasesTaken = false

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

    /// Starts `request`: prepared on `queue` (the workspace's blocking calls, after what the
    /// queue was given before: the previous run's history row and lease), then launched from
    /// the MainActor. A cancel that comes while it is prepared cancels it once it started.
    /// - Parameter destination: where the run's records go, worked out on `queue` too.
    func start(_ request: RunRequest, on queue: DispatchQueue, destination: @escaping @Sendable () -> DestinationSettings) {
        let start = RunStart(
            registry: registry, store: store, inbox: inbox, environment: environment, awsSessionToken: awsSessionToken)
        starting.insert(request.id)
        queue.async {
            let ready = start.prepare(request, destination: destination())
            Task { @MainActor in self.launch(ready, request) }
        }
    }

    /// Runs what ``start(_:on:destination:)`` prepared; a run prepared after the UI gave its
    /// leases up (it is leaving) does not start.
    private func launch(_ ready: RunStart.Ready?, _ request: RunRequest) {
        let id = request.id
        let cancelled = starting.remove(id) == nil
        guard let ready else { return }
        guard !leasesTaken else {
            ready.lease.release()
            Task { try? await ready.sdk.close(timeout: .zero) }
            return
        }
        leases[id] = ready.lease
        schemas[request.sourceName] = ready.schema
        let (inbox, supervisor, closeTimeout, redactor) = (inbox, supervisor, closeTimeout, ready.launch.redactor)
        let (launch, sdk, lease) = (ready.launch, ready.sdk, ready.lease)
        Task.detached {
            let started = await launch.start(on: supervisor, id: id, sdk: sdk, closeTimeout: closeTimeout) { events in
                for await e in events { inbox.post(.run(id, redactor.event(e))) }
            }
            guard let started else {
                lease.release()
                try? await sdk.close(timeout: .zero)
                return inbox.post(.runStartFailed(id, "the UI is quitting"))
            }
            if cancelled { await supervisor.cancel(id) }
            let ending = await started.ending
            // The lease goes when the loop takes this (``releaseLease(of:)``): after the
            // run's last event, so after its history row.
            inbox.post(.runClosed(id, error: ending.undelivered ?? ending.reason))
        }
    }

    /// Releases the lease of run `id` (its SDK closed, its end recorded); nothing when it
    /// holds none.
    func releaseLease(of id: RunID) { leases.removeValue(forKey: id)?.release() }

    /// Hands over the lease of a run the loop has seen closed, for the caller to release.
    func takeLease(of id: RunID) -> Lease? { leases.removeValue(forKey: id) }

    /// Hands over every lease still held (the UI is leaving), for the caller to release.
    func takeLeases() -> [Lease] {
        leasesTaken = true
        defer { leases = [:] }
        return Array(leases.values)
    }

    /// Releases every lease still held (the UI is leaving).
    func releaseLeases() {
        leasesTaken = true
        for lease in leases.values { lease.release() }
        leases = [:]
    }

    /// The fields the latest run of `name` noted, handed once to its history record.
    func takeSchema(of name: String) -> SchemaRecorder? { schemas.removeValue(forKey: name) }

    func cancel(_ id: RunID) {
        // Still being prepared: cancelled once it started.
        guard starting.remove(id) == nil else { return }
        let supervisor = supervisor
        Task { await supervisor.cancel(id) }
    }
}
