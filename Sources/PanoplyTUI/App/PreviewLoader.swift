import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// Reads the first records of a source for the preview overlay (``Effect/preview(_:)``),
/// in the background, as `panoply preview` does (``Preview``): the field settings applied,
/// nothing sent, committed or recorded. The answer goes to the inbox; a cancelled request
/// answers nothing.
@MainActor
final class PreviewLoader {
    private let registry: SourceRegistry
    private let inbox: Inbox
    /// Expands `${NAME}` in params and in the hash salt, as a run does.
    private let environment: [String: String]
    /// The task of each request being read, by request id (a cancelled one is left out).
    private var tasks: [Int: Task<Void, Never>] = [:]
    /// The number of tasks started, a cancelled one included, that have not ended.
    private var running = 0

    init(registry: SourceRegistry, inbox: Inbox, environment: [String: String] = processEnvironment) {
        self.registry = registry
        self.inbox = inbox
        self.environment = environment
    }

    /// True while a preview is being read (the loop keeps ticking for the spinner).
    var isBusy: Bool { !tasks.isEmpty }

    /// True when every task started has ended, a cancelled one included: it answers nothing
    /// after this (for tests, which wait for it rather than for a while).
    var isSettled: Bool { running == 0 }

    func load(_ request: PreviewRequest) {
        let kind: SourceKind
        var input: SourceInput
        let secrets: [String]
        do {
            guard let k = try registry.kind(named: request.type) else { throw PanoplyError.config("unknown source type '\(request.type)'") }
            kind = k
            let resolved = try EnvReference.resolve(request.params, k.configuration, env: environment)
            let salted = try (request.fields ?? FieldSettings()).resolvingSalt(env: environment)
            input = SourceInput(type: k.type, params: resolved.params)
            input.fields = salted.settings
            secrets = Redactor(params: resolved.params, k.configuration, extra: resolved.secrets + salted.secrets).secrets
        } catch {
            inbox.post(.previewFailed(requestID: request.id, message: error.asPanoplyError.message))
            return
        }
        running += 1
        tasks[request.id] = Task.detached { [weak self, request, input] in
            let event = await Self.read(request, kind, input: input, secrets: secrets)
            await self?.finished(request.id, answer: event)
        }
    }

    func cancel(_ id: Int) {
        tasks.removeValue(forKey: id)?.cancel()
    }

    /// The answer of request `id`, posted only if it was not cancelled meanwhile: the cancel
    /// and this both run on the main actor, so a cancel that came first always wins.
    private func finished(_ id: Int, answer: AppEvent) {
        if tasks.removeValue(forKey: id) != nil { inbox.post(answer) }
        running -= 1
    }

    /// The records of the picked resources, else of the source's first one (a form with
    /// nothing picked), with the field settings applied.
    nonisolated private static func read(_ request: PreviewRequest, _ kind: SourceKind, input: SourceInput, secrets: [String]) async -> AppEvent {
        do {
            let (planned, ids) = try await Preview.plan(kind, input: input, picked: request.resources)
            // Nothing picked: the first of the resources a run would read is enough to see.
            let picks = !request.resources.isEmpty || kind.configuration.resourcesParam.flatMap { input.params[$0]?.arrayValue?.isEmpty == false } == true
            let read = try await Preview.read(kind, input: planned, ids: picks ? ids : Array(ids.prefix(1)), limit: request.limit) { _ in }
            let records = read.flatMap { r in r.records.map { PreviewRecord(resource: r.id, values: $0) } }
            return .previewLoaded(requestID: request.id, records: records)
        } catch {
            var message = error.asPanoplyError.message
            // Never show a secret, even when a driver's message repeats it.
            for v in secrets where v.count >= 4 { message = message.replacingOccurrences(of: v, with: "****") }
            return .previewFailed(requestID: request.id, message: message)
        }
    }
}
