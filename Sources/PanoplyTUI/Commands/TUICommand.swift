import ArgumentParser
import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Open the interactive UI (the default when no subcommand is given).",
        discussion:
            "Keys: arrows or j/k move, Enter opens a source's form, Tab/Shift-Tab move between fields, Ctrl-S starts the run, c cancels, r retries, / filters the log, Esc goes back, ? shows all keys, q quits."
    )

    @Option(name: .customLong("open"), help: ArgumentHelp("Open this source type's form.", valueName: "TYPE"))
    var openType: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("Prefill a field of the opened form.", valueName: "NAME=VALUE"))
    var params: [String] = []
    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var python: PythonOption
    @OptionGroup var destination: DestinationOptions
    @OptionGroup var shutdown: ShutdownOption

    func run() async throws {
        python.apply()
        let (store, registry) = try workspaceOptions.openWithRegistry()
        if let openType {
            // Unknown, or known but not loadable (a module that does not import, no interpreter): say why.
            do { _ = try registry.require(openType) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        }
        let settings = destination.settings()
        do { _ = try settings.sdkConfiguration() } catch {
            throw fail(error.asPanoplyError.message, code: Exit.usage)
        }
        let launch = TUILaunch(
            registry: registry, destination: settings, destinationGiven: !destination.isDefault(),
            openType: openType, prefill: try parseParams(params),
            configDirectory: (store as? FolderWorkspace)?.directory ?? "", workspace: store,
            awsSessionToken: processEnvironment["AWS_SESSION_TOKEN"],
            noColor: !(processEnvironment["NO_COLOR"] ?? "").isEmpty, shutdownTimeout: shutdown.duration)
        let code = try await TUIApp.run(launch)
        if code != 0 { throw ExitCode(code) }
    }
}
