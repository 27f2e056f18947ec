import Synchronization
import PanoplyKit

/// One `check` of a source (`panoply check`, Ctrl-T and Ctrl-S in the UI): opens it, runs
/// its `check`, closes it. With a state file it uses the tokens a run saved there and
/// saves there a token the source refreshes or rotates while checking, so the next run
/// does not start with a revoked one.
enum SourceCheck {
    /// - Parameters:
    ///   - log: the source's log lines; `warn`: what the user should know (a token not kept).
    ///   - noStateFile: how the warning says there is no state file.
    /// - Throws: what opening or checking the source throws; a state file that cannot be read.
    static func run(_ kind: SourceKind, input original: SourceInput, stateFile: String?,
                    noStateFile: String = "without --state FILE",
                    log: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void) async throws {
        var input = original
        let secrets = kind.configuration.params.filter(\.isSecret).map(\.name)
        let declared = Set(kind.configuration.params.map(\.name))
        let loaded = try stateFile.flatMap { try StateFile.load($0) }
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
                guard let stateFile else {
                    warn("the source changed \(names.joined(separator: ", ")) while checking; \(noStateFile) it is not kept (if the token endpoint rotates refresh tokens, the configured one may now be revoked)")
                    return
                }
                var st = base
                st[SavedParams.stateKey] = .object(params)
                do { try StateFile.save(st, to: stateFile) } catch {
                    warn("cannot save \(names.joined(separator: ", ")) to \(stateFile): \(error.asPanoplyError.message)")
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
    }
}
