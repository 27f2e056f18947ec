import ArgumentParser
import PanoplyKit

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a source's params and connect to it, reading nothing.",
        discussion: "Exit 0 when the source is reachable, 2 for invalid params, 1 when connecting fails.")

    @OptionGroup var source: SourceSelection
    @OptionGroup var fields: FieldOptions

    @Option(
        help: ArgumentHelp(
            "The state file of the source's runs (`run --state`): check uses the tokens a run saved there, and saves there a token the source refreshes or rotates while checking, so the next run does not start with a revoked one.",
            valueName: "FILE"))
    var state: String?

    func run() async throws {
        var (sourceType, input) = try source.resolve(try Workspaces.open(url: nil, keyFile: nil, configDir: nil).1)
        input.fields = try FieldCheck.resolvingSalt(try await fields.settings(sourceType, input: input))
        if let state {
            warnIfReadableByOthers(state, what: "state file")
            do { _ = try StateFile.load(state) } catch { throw fail("\(error.asPanoplyError.message)", code: Exit.usage) }
        }
        do {
            try await SourceCheck.run(
                sourceType, input: input, stateStore: state.map { StateFileStore(path: $0) }, log: { printError($0) }, warn: { printError("warning: " + $0) })
        } catch {
            let e = error.asPanoplyError
            throw fail(
                "\(sourceType.configuration.title): \(e.message) (code \(e.code)\(e.retryable ? ", retryable" : ""))",
                code: e.category == .config ? Exit.usage : Exit.runFailed)
        }
        print("ok: \(sourceType.configuration.title) params are valid and the source is reachable")
    }
}
