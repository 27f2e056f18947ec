import PanoplyKit

/// Changes of a source's committed state made outside its runs (a save with changed params,
/// a delete or rename in the UI, an import, a check keeping a refreshed token) hold the
/// source's lease while they write, as a run does: never while a run of it goes on anywhere
/// (its next commit would land over the change, and a store that writes only the keys that
/// changed would leave a mix of both), and a run that starts meanwhile is refused.
extension Workspace {
    /// Runs `change` holding the lease of `name`, released after.
    /// - Parameter origin: who takes it, as a refused run is told (`cli`, `ui`, `check`).
    /// - Throws: ``LeaseBusy`` naming the run that holds it (nothing changed); what
    ///   `change` threw.
    package func withLease<T>(of name: String, origin: String, _ change: (Lease) throws -> T) throws -> T {
        let lease = try acquireLease(of: name, holder: .current(origin: origin), wait: nil)
        defer { lease.release() }
        return try change(lease)
    }
}

/// The committed state of a saved source as a check (`panoply check`, Ctrl-T and Ctrl-S)
/// uses it: read as it is; a save keeps only the params the source saved in it
/// (``SavedParams/stateKey``, a refreshed or rotated token), written under the source's
/// lease over the state as it is then (a run may have committed since the check read it).
/// While a run holds the lease nothing is saved: ``LeaseBusy``.
package struct CheckStateStore: StateStore {
    package let workspace: any Workspace
    package let name: String

    package init(workspace: any Workspace, name: String) {
        self.workspace = workspace
        self.name = name
    }

    package var location: String { workspace.stateStore(for: name, lease: nil).location }

    package func load() throws -> JSONObject? { try workspace.loadState(of: name) }

    package func save(_ state: JSONObject) throws {
        try workspace.withLease(of: name, origin: "check") { lease in
            let store = workspace.stateStore(for: name, lease: lease)
            var current = try store.load() ?? [:]
            current[SavedParams.stateKey] = state[SavedParams.stateKey]
            try store.save(current)
        }
    }
}

extension LeaseBusy: CustomStringConvertible {
    /// ``message``, so an error shown as it is reads as one.
    package var description: String { message }
}
