import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// Computes list params' values in the background for the picker
/// (``Effect/loadValues(_:)``): the kind's `values`, then its resources for their fields.
/// The answer goes to the inbox; a cancelled request answers nothing.
@MainActor
final class ValuesLoader {
    private let registry: SourceRegistry
    private let inbox: Inbox
    /// Expands `${NAME}` in params, as a run does.
    private let environment: [String: String]
    private var tasks: [Int: Task<Void, Never>] = [:]

    init(registry: SourceRegistry, inbox: Inbox, environment: [String: String] = processEnvironment) {
        self.registry = registry
        self.inbox = inbox
        self.environment = environment
    }

    /// True while a request is being computed (the loop keeps ticking for the spinner).
    var isBusy: Bool { !tasks.isEmpty }

    func load(_ request: ValuesRequest) {
        let kind: SourceKind
        do {
            guard let k = try registry.kind(named: request.type) else { throw PanoplyError.config("unknown source type '\(request.type)'") }
            kind = k
        } catch {
            inbox.post(.valuesFailed(requestID: request.id, message: error.asPanoplyError.message))
            return
        }
        let inbox = inbox
        var request = request
        let expanded: [String]
        do {
            (request.params, expanded) = try EnvReference.resolve(request.params, kind.configuration, env: environment)
        } catch {
            inbox.post(.valuesFailed(requestID: request.id, message: error.asPanoplyError.message))
            return
        }
        tasks[request.id] = Task.detached { [weak self, request] in
            let event = await Self.compute(request, kind, expanded: expanded)
            if !Task.isCancelled { inbox.post(event) }
            await self?.finished(request.id)
        }
    }

    func cancel(_ id: Int) {
        tasks.removeValue(forKey: id)?.cancel()
    }

    private func finished(_ id: Int) { tasks[id] = nil }

    /// The values, and the resources when the source lists them (their fields fill the
    /// picker's side pane; a source that lists none, or fails to, shows none).
    nonisolated private static func compute(_ request: ValuesRequest, _ kind: SourceKind, expanded: [String]) async -> AppEvent {
        let input = SourceInput(type: kind.type, params: request.params)
        let secrets = kind.configuration.params.filter(\.isSecret).map(\.name)
        let context = SourceContext(input: input, secrets: secrets)
        do {
            let values = try await kind.values(request.param, source: input, context: context)
            var resources: [SourceResource] = []
            if kind.configuration.resourcesParam == request.param, !Task.isCancelled {
                resources = (try? await kind.listResources(input, context: context)) ?? []
            }
            return .valuesLoaded(requestID: request.id, values: values, resources: resources)
        } catch {
            var message = error.asPanoplyError.message
            // Never show a secret, even when a driver's message repeats it.
            for v in secrets.compactMap({ request.params[$0]?.stringValue }) + expanded where v.count >= 4 {
                message = message.replacingOccurrences(of: v, with: "****")
            }
            return .valuesFailed(requestID: request.id, message: message)
        }
    }
}
