import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// One `check` of a source (`panoply check`, Ctrl-T and Ctrl-S in the UI): opens it, runs
/// its `check`, closes it. With a state store it uses the tokens a run saved there and
/// saves there a token the source refreshes or rotates while checking, so the next run
/// does not start with a revoked one.
enum SourceCheck {
    /// - Parameters:
    ///   - log: the source's log lines; `warn`: what the user should know (a token not kept).
    ///   - stateStore: the committed state of the source's runs (a `--state` file, a saved source's).
    ///   - noStateFile: how the warning says there is no state store.
    /// - Throws: what opening or checking the source throws; a state that cannot be read.
    static func run(
        _ kind: SourceKind, input original: SourceInput, stateStore: (any StateStore)?,
        noStateFile: String = "without --state FILE",
        log: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void
    ) async throws {
        var input = original
        let secrets = kind.configuration.params.filter(\.isSecret).map(\.name)
        let declared = Set(kind.configuration.params.map(\.name))
        let loaded = try stateStore.flatMap { try $0.load() }
        let applied = SavedParams.apply(loaded, to: input.params)
        let configured = input.params
        input.params = applied.params
        let saved = Mutex(applied.kept)
        let base = loaded ?? [:]
        let context = SourceContext(input: input, secrets: secrets) { event in
            switch event {
            case .log(let line): log(line)
            case .fired(type: "source-change", data: .object(let changes)):
                let (names, params) = saved.withLock { kept in
                    (SavedParams.remember(changes, declared: declared, configured: configured, into: &kept), kept)
                }
                guard !names.isEmpty else { return }
                guard let stateStore else {
                    warn(
                        "the source changed \(names.joined(separator: ", ")) while checking; \(noStateFile) it is not kept (if the token endpoint rotates refresh tokens, the configured one may now be revoked)"
                    )
                    return
                }
                var st = base
                st[SavedParams.stateKey] = .object(params)
                do { try stateStore.save(st) } catch let busy as LeaseBusy {
                    warn(
                        "the source changed \(names.joined(separator: ", ")) while checking; not saved to \(stateStore.location): \(busy.message)"
                            + " (its run keeps its own; if the token endpoint rotates refresh tokens, that one may now be revoked)")
                } catch {
                    warn("cannot save \(names.joined(separator: ", ")) to \(stateStore.location): \(error.asPanoplyError.message)")
                }
            default: break
            }
        }
        let source = try await kind.open(source: input, context: context)
        do { try await source.check() } catch {
            await source.close()
            throw error
        }
        await source.close()
        try await checkPicked(kind, input: input, context: context)
    }

    /// Every picked resource (`tables=`, `files=`, `streams=`) is among the values the
    /// source offers for its resources param, as the picker lists them: a table that does
    /// not exist is found here, not by a run that fails on it. Skipped where the source
    /// cannot list them (code 501, or no values at all) or the picks are value objects
    /// (Python lists).
    /// - Throws: not found (404), naming the param and what is missing.
    static func checkPicked(_ kind: SourceKind, input: SourceInput, context: SourceContext) async throws {
        guard let plan = ResourcePlan(configuration: kind.configuration, input: input), let name = kind.configuration.resourcesParam else { return }
        if case .array(let items)? = input.params[name], items.contains(where: { $0.stringValue == nil }) { return }
        let offered: [ListValue]
        do { offered = try await kind.values(name, source: input, context: context) } catch {
            if error.asPanoplyError.code == 501 { return }
            throw error
        }
        // None offered: the source cannot say (no values function), not "none exist".
        guard !offered.isEmpty else { return }
        let known = Set(offered.map(\.value))
        let missing = plan.ids.filter { !known.contains($0) }
        guard !missing.isEmpty else { return }
        let title = kind.configuration.param(name)?.title ?? name
        let list = missing.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
        throw PanoplyError(
            .notFound, "\(title): \(list) not found among the \(offered.count) the source offers (pick again: Enter on \(title), or panoply discover)")
    }
}
