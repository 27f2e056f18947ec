import PanoplyWorkspace
import PanoplyWorkspacePostgres

/// How the UI's header names the workspace it works in: nil for the config folder (the
/// header stays as it always was); for a team's workspace in PostgreSQL, what tells one
/// workspace from another in a few columns: `USER@HOST:PORT/DB?schema=SCHEMA`, never the
/// password (not even masked) nor the TLS settings.
enum WorkspaceHeader {
    static func name(of store: any Workspace) -> String? {
        if store is FolderWorkspace { return nil }
        guard let url = (store as? PostgresWorkspace)?.url else { return store.location }
        return name(of: url)
    }

    static func name(of url: WorkspaceURL) -> String {
        let host = url.host.contains(":") ? "[\(url.host)]" : url.host
        return "\(url.user)@\(host):\(url.port)/\(url.database)?schema=\(url.schema)"
    }
}
