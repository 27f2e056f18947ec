import ArgumentParser
import PanoplyKit
import PanoplyWorkspace

/// `panoply workspace …`: a team's workspace in PostgreSQL, set up, inspected and moved.
struct WorkspaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace",
        abstract: "Set up, inspect and move a team's workspace in PostgreSQL.",
        discussion: """
            A workspace keeps saved sources, the destination, committed state, run history, leases and live \
            runs in PostgreSQL, so runs on any machine and UIs on any laptop see the same sources and runs. \
            Every command that works on saved sources takes --workspace URL (or PANOPLY_WORKSPACE). \
            Secrets are encrypted with the key in PANOPLY_WORKSPACE_KEY or --workspace-key-file.
            """,
        subcommands: [
            WorkspaceInitCommand.self, WorkspaceStatusCommand.self, WorkspaceImportCommand.self, WorkspaceExportCommand.self,
            WorkspaceRotateKeyCommand.self
        ])
}
