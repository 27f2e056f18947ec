import ArgumentParser
import PanoplyKit
import PanoplyWorkspace

/// Where a command finds its saved sources: `--workspace URL` (or `PANOPLY_WORKSPACE`) for a
/// team's workspace in PostgreSQL, else the config folder (`--config-dir`, or its default).
/// Shared by every command that reads or writes saved sources.
struct WorkspaceOptions: ParsableArguments {
    @Option(
        name: .customLong("workspace"),
        help: ArgumentHelp(
            "A team's workspace in PostgreSQL (postgres://USER@HOST:PORT/DB?sslmode=...&schema=panoply); default $PANOPLY_WORKSPACE, else the config folder.",
            valueName: "URL"))
    var url: String?
    @Option(
        name: .customLong("workspace-key-file"),
        help: ArgumentHelp(
            "The key that encrypts the workspace's secrets (32 bytes, base64); default $PANOPLY_WORKSPACE_KEY.", valueName: "FILE"))
    var keyFile: String?
    @Option(
        name: .customLong("config-dir"),
        help: ArgumentHelp("The config folder (saved sources, destination, state, history) when no workspace URL is given.", valueName: "DIR"))
    var configDir: String?

    /// The workspace URL given (option, else environment), nil for the config folder.
    func workspaceURL(_ environment: [String: String] = processEnvironment) -> String? {
        if let url, !url.isEmpty { return url }
        if let env = environment["PANOPLY_WORKSPACE"], !env.isEmpty { return env }
        return nil
    }
}

extension WorkspaceOptions {
    /// The workspace these options name (see ``Workspaces/workspace(url:keyFile:configDir:environment:)``).
    func open() throws -> any Workspace {
        try Workspaces.workspace(url: workspaceURL(), keyFile: keyFile, configDir: configDir)
    }

    /// The workspace and the source types it offers.
    func openWithRegistry() throws -> (any Workspace, SourceRegistry) {
        try Workspaces.open(url: workspaceURL(), keyFile: keyFile, configDir: configDir)
    }
}
