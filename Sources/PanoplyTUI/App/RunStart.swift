import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// What starting a run asks of the workspace before the run can go: the source's history
/// and field settings, a lost run settled, the source's lease, its snapshot cleared and its
/// state prepared. Each is a blocking call, to PostgreSQL in a shared workspace, so
/// ``RunCoordinator`` runs this off the MainActor (on the loop's `records` queue, after the
/// previous run's history row): a workspace that does not answer leaves the UI drawing.
struct RunStart: Sendable {
    let registry: SourceRegistry
    let store: any Workspace
    let inbox: Inbox
    let environment: [String: String]
    let awsSessionToken: String?

    /// A run ready to go: its lease taken, its state prepared.
    struct Ready: Sendable {
        var launch: RunLaunch
        let sdk: PanoplySDK
        let lease: Lease
        let schema: SchemaRecorder
    }

    /// Prepares `request`; nil (with ``AppEvent/runStartFailed(_:_:)`` posted) when it cannot start.
    func prepare(_ request: RunRequest, destination: DestinationSettings) -> Ready? {
        let id = request.id
        let schema = SchemaRecorder(previous: SchemaHistory.baseline(try? store.history(of: request.sourceName)))
        var launch: RunLaunch
        do { launch = try makeLaunch(request, schema: schema) } catch {
            inbox.post(.runStartFailed(id, error.asPanoplyError.message))
            return nil
        }
        if let created = OutboxFolder.prepare(destination) { inbox.post(.run(id, .log(created))) }
        let sdk: PanoplySDK
        do {
            sdk = try PanoplySDK(destination.sdkConfiguration(awsSessionToken: awsSessionToken))
        } catch {
            inbox.post(.runStartFailed(id, "destination: \(error.asPanoplyError.message) (press Esc, then d to fix it)"))
            return nil
        }
        // One run of a source at a time, across processes (cron, another UI).
        store.settleLostRun(of: request.sourceName)
        let lease: Lease
        do { lease = try store.acquireLease(of: request.sourceName, holder: .current(origin: "ui"), wait: nil) } catch {
            let message = (error as? LeaseBusy).map { "\($0.message); wait for it to end, or cancel it from its row in the list" }
            inbox.post(.runStartFailed(id, message ?? error.asPanoplyError.message))
            return nil
        }
        store.clearSnapshot(of: request.sourceName)
        launch.options.stateStore = store.stateStore(for: request.sourceName, lease: lease)
        do { try launch.prepareState() } catch {
            lease.release()
            inbox.post(.runStartFailed(id, error.asPanoplyError.message))
            return nil
        }
        launch.publisher = SnapshotPublisher(
            workspace: store, name: request.sourceName, type: request.type, holder: lease.holder, attempt: request.attempt, sdk: sdk)
        return Ready(launch: launch, sdk: sdk, lease: lease, schema: schema)
    }

    /// The launch of `request`, its references resolved. A run that starts over keeps only
    /// the source's saved params; a retry resumes from the state it is given, a resumed or
    /// continued run from the store's (set once the lease is taken).
    private func makeLaunch(_ request: RunRequest, schema: SchemaRecorder) throws -> RunLaunch {
        guard let type = try registry.kind(named: request.type) else {
            throw PanoplyError.config("unknown source type '\(request.type)'")
        }
        var options = RunOptions()
        options.attempt = request.attempt
        options.schema = schema
        // The saved source's field settings, read now: a run never goes without them.
        let fields = try store.loadSources().first { $0.name == request.sourceName }?.fields
        var launch = try RunLaunch.resolving(
            type, params: request.params, table: request.table, state: request.state, environment: environment, options: options,
            fields: fields)
        if request.state == nil, !request.resumeFromFile { launch.startsOver = (store, request.sourceName) }
        return launch
    }
}
