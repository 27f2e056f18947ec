import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

extension RunCoordinator {
    /// Ctrl-T / Ctrl-S in a form: opens the source with the params, runs its `check` and
    /// closes it, in the background; posts ``AppEvent/checkFinished(_:_:)`` (secrets masked).
    func check(_ request: CheckRequest, timeout: Duration = .seconds(30)) {
        let inbox = inbox
        let kind: SourceKind
        let input: SourceInput
        let redactor: Redactor
        do {
            guard let k = try registry.kind(named: request.type) else { throw PanoplyError.config("unknown source type '\(request.type)'") }
            let resolved = try EnvReference.resolve(request.params, k.configuration, env: environment)
            kind = k
            input = SourceInput(type: request.type, params: resolved.params)
            redactor = Redactor(params: resolved.params, k.configuration, extra: resolved.secrets)
        } catch {
            inbox.post(.checkFinished(request.id, error.asPanoplyError))
            return
        }
        // A token refreshed while checking is saved under the source's lease (none while it runs).
        let stateStore = request.sourceName.map { CheckStateStore(workspace: store, name: $0) }
        Task.detached {
            let outcome = Once<PanoplyError?>()
            let work = Task {
                do {
                    try await SourceCheck.run(
                        kind, input: input, stateStore: stateStore, noStateFile: "until the source is saved",
                        log: { _ in },
                        warn: { inbox.post(.notice(redactor.text($0))) })
                    if let fields = request.fields { try await Self.checkFields(fields, kind: kind, input: input) }
                    outcome.set(nil)
                } catch {
                    outcome.set(redactor.error(error.asPanoplyError))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                outcome.set(PanoplyError(.transient, "no answer within \(Int(timeout.seconds))s"))
                work.cancel()
            }
            let result = await outcome.value
            timer.cancel()
            inbox.post(.checkFinished(request.id, result))
        }
    }
}
