import ArgumentParser
import PanoplyKit

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a source's params and connect to it, reading nothing.",
        discussion: "Exit 0 when the source is reachable, 2 for invalid params, 1 when connecting fails.")

    @OptionGroup var source: SourceSelection

    func run() async throws {
        let (sourceType, input) = try source.resolve()
        let secrets = sourceType.configuration.params.filter(\.isSecret).map(\.name)
        let context = SourceContext(input: input, secrets: secrets) { event in
            if case .log(let line) = event { printError(line) }
        }
        do {
            let s = try await sourceType.init(source: input, context: context)
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
