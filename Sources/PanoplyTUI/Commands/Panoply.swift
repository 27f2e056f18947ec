import ArgumentParser
import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace

@main
struct Panoply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panoply",
        abstract: "Stream data to Panoply: an interactive UI and headless commands for data sources.",
        discussion: """
            With no subcommand, opens the interactive UI. Records go to Panoply's SQS queue when an \
            API key and secret are given (--api-key/--api-secret or PANOPLY_API_KEY/PANOPLY_API_SECRET), \
            to any SQS queue with --queue-url or --endpoint, or else to a local outbox folder \
            (./panoply-outbox by default). A source saved in the UI with no destination saved keeps \
            the outbox folder the UI used, absolute, so `panoply run --saved NAME` writes there from \
            any folder.

            Config folder (saved sources, the destination, run state and history, added types): \
            --config-dir DIR, else $PANOPLY_CONFIG_DIR, else $XDG_CONFIG_HOME/panoply, else \
            ~/.config/panoply. Files holding secrets are created with mode 0600.

            Exit codes: 0 success, 1 the run failed, 2 bad usage or input, 3 records left undelivered, \
            4 the source is already running (see --wait), 5 the run was cancelled.
            """,
        version: PanoplyKitVersion.string,
        subcommands: [
            TUICommand.self, RunCommand.self, SendCommand.self, SourcesCommand.self, CheckCommand.self, DiscoverCommand.self,
            ListCommand.self, StatusCommand.self, CancelCommand.self, SaveCommand.self, DeleteCommand.self, PreviewCommand.self, WorkspaceCommand.self
        ],
        defaultSubcommand: TUICommand.self)

    /// As ArgumentParser's, but bad usage exits 2 (the documented code), not 64.
    static func main() async {
        do {
            var command = try parseAsRoot(WaitLimit.expandingBareWait(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((OutputRedaction.text(fullMessage(for: error)) + "\n").utf8))
                Foundation.exit(Exit.usage)
            }
            // Help and version go to standard output as ArgumentParser prints them; any
            // other error's text may quote a secret a source or the destination was given.
            if code == .success || error is ExitCode { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            Foundation.exit(code.rawValue)
        }
    }
}
