import ArgumentParser
import Synchronization
import PanoplyKit

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a source's params and connect to it, reading nothing.",
        discussion: "Exit 0 when the source is reachable, 2 for invalid params, 1 when connecting fails.")

    @OptionGroup var source: SourceSelection

    @Option(help: ArgumentHelp("The state file of the source's runs (`run --state`): check uses the tokens a run saved there, and saves there a token the source refreshes or rotates while checking, so the next run does not start with a revoked one.", valueName: "FILE"))
    var state: String?

    func run() async throws {
        var (sourceType, input) = try source.resolve()
        let secrets = sourceType.configuration.params.filter(\.isSecret).map(\.name)
        let declared = Set(sourceType.configuration.params.map(\.name))
        var loaded: JSONObject?
        if let state {
            warnIfReadableByOthers(state, what: "state file")
            do { loaded = try StateFile.load(state) } catch { throw fail("\(error.asPanoplyError.message)", code: Exit.usage) }
        }
        let applied = SavedParams.apply(loaded, to: input.params)
        let configured = input.params
        input.params = applied.params
        let saved = Mutex(applied.kept)
        let stateFile = state
        let base = loaded ?? [:]
        let context = SourceContext(input: input, secrets: secrets) { event in
            switch event {
            case .log(let line): printError(line)
            case .fired(type: "source-change", data: .object(let changes)):
                // A refreshed or rotated token: keep it as a run would, or say it is lost.
                let (names, params) = saved.withLock { kept in
                    (SavedParams.remember(changes, declared: declared, configured: configured, into: &kept), kept)
                }
                guard !names.isEmpty else { return }
                guard let stateFile else {
                    printError("warning: the source changed \(names.joined(separator: ", ")) while checking; without --state FILE it is not kept (if the token endpoint rotates refresh tokens, the configured one may now be revoked)")
                    return
                }
                var st = base
                st[SavedParams.stateKey] = .object(params)
                do { try StateFile.save(st, to: stateFile) } catch {
                    printError("cannot save \(names.joined(separator: ", ")) to \(stateFile): \(error.asPanoplyError.message)")
                }
            default: break
            }
        }
        do {
            let s = try await sourceType.open(source: input, context: context)
            do { try await s.check() } catch {
                await s.close()
                throw error
            }
            await s.close()
        } catch {
            let e = error.asPanoplyError
            throw fail("\(sourceType.configuration.title): \(e.message) (code \(e.code)\(e.retryable ? ", retryable" : ""))", code: e.category == .config ? Exit.usage : Exit.runFailed)
        }
        print("ok: \(sourceType.configuration.title) params are valid and the source is reachable")
    }
}
