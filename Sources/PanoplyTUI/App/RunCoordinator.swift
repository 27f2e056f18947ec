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
    /// The lease of each run until the loop has seen it closed (``closed(_:on:)``): its
    /// end is recorded in its history while it still holds it, as a headless run's is (in a
    /// shared workspace a history row written just after the unlock would be refused as
    /// written under a lost lease).
    private var leases: [RunID: Lease] = [:]
    /// Runs being prepared (``start(_:afterEnded:on:destination:)``); one cancelled meanwhile is removed.
    private var starting: Set<RunID> = []
    /// Whether the UI took every lease (it is leaving): a run prepared after does not start.
    private var leasesTaken = false
    /// Starts waiting for a run of their source to close, by source name (``start(_:afterEnded:on:destination:)``).
    private var waiting: [String: [() -> Void]] = [:]

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
    /// the MainActor. A cancel that comes while it waits or is prepared cancels it once it
    /// started.
    /// - Parameters:
    ///   - afterEnded: whether every other run of the source in this UI has ended. One that
    ///     ended may still hold the lease while its SDK closes (`r` right after a cancel): the
    ///     start then waits for it to close (``closed(_:on:)``) rather than find its own
    ///     source's lease taken. With one still going, the start is refused as busy.
    ///   - destination: where the run's records go, worked out on `queue` too.
    func start(
        _ request: RunRequest, afterEnded: Bool, on queue: DispatchQueue, destination: @escaping @Sendable () -> DestinationSettings
    ) {
        let start = RunStart(
            registry: registry, store: store, inbox: inbox, environment: environment, awsSessionToken: awsSessionToken)
        starting.insert(request.id)
        let prepare = {
            queue.async {
                let ready = start.prepare(request, destination: destination())
                Task { @MainActor in self.launch(ready, request) }
            }
        }
        if afterEnded, leases.values.contains(where: { $0.name == request.sourceName }) {
            waiting[request.sourceName, default: []].append(prepare)
        } else {
            prepare()
        }
    }

    /// Run `id` closed (its SDK closed, its end recorded): its lease is released on `queue`,
    /// after its history row, and the starts of its source that waited for it go after that.
    func closed(_ id: RunID, on queue: DispatchQueue) {
        guard let lease = leases.removeValue(forKey: id) else { return }
        queue.async { lease.release() }
        guard !leasesTaken, let next = waiting.removeValue(forKey: lease.name) else { return }
        for prepare in next { prepare() }
    }

    /// Runs what ``start(_:afterEnded:on:destination:)`` prepared; a run prepared after the UI gave its
    /// leases up (it is leaving) does not start.
    private func launch(_ ready: RunStart.Ready?, _ request: RunRequest) {
        let id = request.id
        guard let ready else { return _ = starting.remove(id) }
        guard !leasesTaken else {
            starting.remove(id)
            let lease = ready.lease
            DispatchQueue.global().async { lease.release() }  // a blocking call, off the MainActor
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
            // Until here a cancel was noted (``cancel(_:)``), not sent: the supervisor did not
            // know the run yet.
            if await !self.tookStart(of: id) { await supervisor.cancel(id) }
            let ending = await started.ending
            // The lease goes when the loop sees this (``closed(_:on:)``): after the run's last
            // event, so after its history row.
            inbox.post(.runClosed(id, error: ending.undelivered ?? ending.reason))
        }
    }

    /// Whether run `id` was still starting (false: a cancel came meanwhile); it is not any more.
    private func tookStart(of id: RunID) -> Bool { starting.remove(id) != nil }

    /// Hands over every lease still held (the UI is leaving), for the caller to release.
    func takeLeases() -> [Lease] {
        leasesTaken = true
        waiting = [:]
        defer { leases = [:] }
        return Array(leases.values)
    }

    /// The fields the latest run of `name` noted, handed once to its history record.
    func takeSchema(of name: String) -> SchemaRecorder? { schemas.removeValue(forKey: name) }

    func cancel(_ id: RunID) {
        // Still waiting, prepared or starting: cancelled once it started.
        guard starting.remove(id) == nil else { return }
        let supervisor = supervisor
        Task { await supervisor.cancel(id) }
    }
}
