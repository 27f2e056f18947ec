import Foundation
import PanoplyKit
import PanoplyTUICore

/// Starts and cancels runs for the UI: one ``PanoplySDK`` and one ``SourceRunner`` per
/// run, their events posted to the inbox, the SDK closed when the run ends.
@MainActor
final class RunCoordinator {
    let registry: SourceRegistry
    let store: ConfigStore
    let inbox: Inbox
    private var runners: [RunID: SourceRunner] = [:]
    private let awsSessionToken: String?
    private var tasks: [RunID: Task<Void, Never>] = [:]
    /// Where `${NAME}` references in params are looked up.
    let environment: [String: String]

    /// - Parameters:
    ///   - awsSessionToken: goes with AWS credentials (read from the environment at start).
    ///   - environment: expands `${NAME}` in params when a run starts.
    init(
        registry: SourceRegistry, store: ConfigStore, inbox: Inbox, awsSessionToken: String? = nil,
        environment: [String: String] = processEnvironment
    ) {
        self.environment = environment
        self.registry = registry
        self.store = store
        self.inbox = inbox
        self.awsSessionToken = awsSessionToken
    }

    func start(_ request: RunRequest, destination: DestinationSettings) {
        let id = request.id
        let found: SourceKind?
        do { found = try registry.kind(named: request.type) } catch {
            inbox.post(.runStartFailed(id, error.asPanoplyError.message))
            return
        }
        guard let type = found else {
            inbox.post(.runStartFailed(id, "unknown source type '\(request.type)'"))
            return
        }
        let params: [String: JSONValue], redactor: Redactor
        do {
            let resolved = try EnvReference.resolve(request.params, type.configuration, env: environment)
            params = resolved.params
            redactor = Redactor(params: params, type.configuration, extra: resolved.secrets)
        } catch {
            inbox.post(.runStartFailed(id, error.asPanoplyError.message))
            return
        }
        if let created = OutboxFolder.prepare(destination) { inbox.post(.run(id, .log(created))) }
        let sdk: PanoplySDK
        do {
            sdk = try PanoplySDK(destination.sdkConfiguration(awsSessionToken: awsSessionToken))
        } catch {
            inbox.post(.runStartFailed(id, "destination: \((error as? PanoplyError)?.message ?? "\(error)") (press Esc, then d to fix it)"))
            return
        }
        var options = RunOptions(stateFile: store.stateFile(for: request.sourceName))
        options.attempt = request.attempt
        // A run that starts over keeps only the source's saved params; a retry resumes from
        // the state it is given, a resumed or continued run from the file's.
        if request.state == nil, !request.resumeFromFile {
            do { try store.resetState(of: request.sourceName) } catch {
                inbox.post(.runStartFailed(id, "cannot start over: \(error.asPanoplyError.message)"))
                return
            }
        }
        let input = SourceInput(type: request.type, params: params, destination: request.table, state: request.state)
        let runner = SourceRunner(type, input: input, sdk: sdk, options: options)
        runners[id] = runner
        let inbox = inbox
        tasks[id] = Task.detached {
            let pump = Task { for await e in runner.events { inbox.post(.run(id, redactor.event(e))) } }
            _ = await runner.run()
            await pump.value
            var closeError: String?
            do { try await sdk.close(timeout: .seconds(30)) } catch { closeError = (error as? PanoplyError)?.message ?? "\(error)" }
            inbox.post(.runClosed(id, error: closeError))
        }
    }

    func cancel(_ id: RunID) { runners[id]?.cancel() }
}
