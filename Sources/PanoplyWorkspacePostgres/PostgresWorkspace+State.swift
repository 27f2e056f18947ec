import PanoplyKit
import PanoplyWorkspace

/// Committed state: a row per top-level key of a source's state (``PostgresStateStore``).
extension PostgresWorkspace {
    /// The store of a saved source's committed state; with `lease`, each save first checks
    /// that the lease is still the source's (else ``LostLease``).
    package func stateStore(for name: String, lease: Lease?) -> any StateStore {
        PostgresStateStore(workspace: self, name: name, lease: lease)
    }

    /// The committed state of a saved source, nil when there is none (or no such source).
    /// - Throws: ``PanoplyError`` when the workspace cannot be read or a row is not JSON.
    package func loadState(of name: String) throws -> JSONObject? {
        guard let id = try sourceID(of: name) else { return nil }
        return try PostgresStateStore.load(sourceID: id, name: name, from: self)?.state
    }

    /// Makes a source's next run start over: only the params it saved in its state
    /// (``SavedParams/stateKey``) stay.
    package func resetState(of name: String) throws {
        guard let id = try sourceID(of: name) else { return }
        try client.execute("DELETE FROM \(schema).state WHERE source_id = $1 AND key <> $2", [.text(id), .text(SavedParams.stateKey)])
    }

    package func deleteState(of name: String) throws {
        guard let id = try sourceID(of: name) else { return }
        try client.execute("DELETE FROM \(schema).state WHERE source_id = $1", [.text(id)])
    }

    /// The state follows its source's id, so a rename moves nothing; only a source saved
    /// anew under `new` (it lost its id, this instance removed `old`) takes `old`'s state.
    package func renameState(from old: String, to new: String) throws {
        try moveRows(of: "state", from: old, to: new)
    }
}
