import ArgumentParser
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import PanoplyWorkspacePostgres

/// Opens the workspace a command works in and the source types it offers, once, at the
/// start of the command: every command that reads saved sources or resolves a type goes
/// through here, and a workspace that cannot be read is an error the user sees.
enum Workspaces {
    /// The config folder: `--config-dir`, else ``defaultConfigDirectory(_:)``. Its
    /// `known_hosts` is the one the SSH tunnels trust.
    static func folder(_ configDir: String?, environment: [String: String] = processEnvironment) -> FolderWorkspace {
        let workspace = FolderWorkspace(directory: configDir ?? defaultConfigDirectory(environment))
        SSHHostTrust.setKnownHostsFile(workspace.directory + "/known_hosts")
        return workspace
    }

    /// The workspace at `url` (a team's, in PostgreSQL), else the config folder.
    /// - Throws: an exit with code 2 saying what to fix when it cannot be opened.
    static func workspace(
        url: String?, keyFile: String?, configDir: String?, environment: [String: String] = processEnvironment
    ) throws -> any Workspace {
        let local = folder(configDir, environment: environment)
        guard let url else { return local }
        do { return try openShared(url, keyFile: keyFile, environment: environment) } catch {
            throw fail(error.asPanoplyError.message, code: Exit.usage)
        }
    }

    /// Opens the PostgreSQL workspace at `url` with its key (`keyFile`, else
    /// `PANOPLY_WORKSPACE_KEY`; none is fine until a secret must be read or written).
    private static func openShared(_ url: String, keyFile: String?, environment: [String: String]) throws -> any Workspace {
        let key = try WorkspaceKey.resolve(keyFile: keyFile, environment: environment)
        let workspace = try PostgresWorkspace.open(url: url, environment: environment)
        let registry = BuiltinSources.registry(added: (try? workspace.loadAddedTypes()) ?? [])
        workspace.useSecrets(WorkspaceSecrets(key: key, secretParams: WorkspaceSecrets.secretParams(in: registry)))
        return workspace
    }

    /// The built-in types with those added to `workspace` (`panoply sources add`).
    /// - Throws: an exit with code 2 naming the file to fix when the added types cannot be read.
    static func registry(_ workspace: some Workspace) throws -> SourceRegistry {
        do { return BuiltinSources.registry(added: try workspace.loadAddedTypes()) } catch {
            throw fail(error.asPanoplyError.message, code: Exit.usage)
        }
    }

    /// Both at once: the workspace and its registry.
    static func open(url: String?, keyFile: String?, configDir: String?) throws -> (any Workspace, SourceRegistry) {
        let workspace = try workspace(url: url, keyFile: keyFile, configDir: configDir)
        return (workspace, try registry(workspace))
    }
}
