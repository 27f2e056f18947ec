import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// A saved source's committed state in a PostgreSQL workspace: a row per top-level key of
/// the state object (a resource's state, `__params`), and a row per resource named in
/// `__finished`, so a save costs what changed since the last one, not the resources done.
///
/// ``save(_:)`` writes only the rows that changed since this store's last save or load (and
/// deletes those that went), in one transaction that first checks the run's lease
/// (``LeaseFence``): a run that lost its lease gets ``LostLease`` and commits nothing.
package final class PostgresStateStore: StateStore {
    let workspace: PostgresWorkspace
    let name: String
    let lease: Lease?
    private let memory = Mutex(Memory())

    private struct Memory {
        var sourceID: String?
        /// The rows as this store last wrote or read them (key → JSON text); nil before
        /// its first save or load (the first save then deletes every other row).
        var rows: [String: String]?
    }

    /// The row key prefix of a resource named in `__finished`; its value is its position.
    static let finishedPrefix = ResourcePlan.finishedKey + ":"

    init(workspace: PostgresWorkspace, name: String, lease: Lease?) {
        self.workspace = workspace
        self.name = name
        self.lease = lease
    }

    package var location: String { "source '\(name)' in workspace \(workspace.location)" }

    /// - Throws: ``PanoplyError`` when the workspace cannot be read or a row is not JSON.
    package func load() throws -> JSONObject? {
        guard let id = try sourceID() else { return nil }
        let loaded = try Self.load(sourceID: id, name: name, from: workspace)
        memory.withLock { $0.rows = loaded?.rows ?? [:] }
        return loaded?.state
    }

    /// Saves the rows of `state` that changed, under the lease's fence.
    /// - Throws: ``LostLease`` when the lease is not this run's any more; ``PanoplyError``
    ///   (config) when the source is not saved; any error of the server (nothing saved).
    package func save(_ state: JSONObject) throws {
        guard let id = try sourceID() else {
            throw PanoplyError.config("cannot save the state of '\(name)': no saved source has that name in the workspace \(workspace.location)")
        }
        let rows = workspace.sealedStateRows(Self.rows(of: state), sourceID: id)
        let last = memory.withLock { $0.rows }
        let changed = rows.filter { last?[$0.key] != $0.value }
        let schema = workspace.schema
        try fenced(sourceID: id) { session in
            if let params = changed[SavedParams.stateKey] { try workspace.checkSealingKey(of: [params], session) }
            if !changed.isEmpty {
                let payload = "{" + changed.map { "\(quoted($0.key)):\($0.value)" }.joined(separator: ",") + "}"
                try session.execute(
                    """
                    INSERT INTO \(schema).state (source_id, key, value, updated_at) SELECT $1, e.key, e.value, now()
                    FROM jsonb_each($2::jsonb) e
                    ON CONFLICT (source_id, key) DO UPDATE SET value = excluded.value, updated_at = now()
                    """, [.text(id), .text(payload)])
            }
            if let last {
                let gone = last.keys.filter { rows[$0] == nil }
                guard !gone.isEmpty else { return }
                try session.execute(
                    "DELETE FROM \(schema).state WHERE source_id = $1 AND key IN (SELECT jsonb_array_elements_text($2::jsonb))",
                    [.text(id), .text(jsonArray(gone))])
            } else {
                try session.execute(
                    "DELETE FROM \(schema).state WHERE source_id = $1 AND key NOT IN (SELECT jsonb_array_elements_text($2::jsonb))",
                    [.text(id), .text(jsonArray(Array(rows.keys)))])
            }
        }
        memory.withLock { $0.rows = rows }
    }

    /// A transaction checking the lease first (its epoch, and that its lock is held); a
    /// plain one without a lease (a check, `status`).
    /// A loss is told to the workspace's runs (``WorkspaceRuns/lost(_:_:)``), so the run's
    /// last writes (its snapshot, its history row) are refused too.
    private func fenced(sourceID: String, _ body: (PGSession) throws -> Void) throws {
        guard let lease else { return try workspace.client.transaction(body) }
        let held = workspace.runs.held(name).flatMap { $0.epoch == lease.epoch ? $0 : nil }
        let schema = workspace.schema
        do {
            if let loss = held?.lossBeforeWrite { throw loss }
            try workspace.client.fenced(schema: schema, sourceID: sourceID, name: name, epoch: lease.epoch) { session in
                try LeaseFence.checkHeld(session, schema: schema, sourceID: sourceID, name: name, epoch: lease.epoch, backendPID: held?.backendPID)
                try body(session)
            }
        } catch let loss as LostLease {
            if let held { workspace.runs.lost(held, loss) }
            throw loss
        }
    }

    private func sourceID() throws -> String? {
        if let id = memory.withLock({ $0.sourceID }) { return id }
        let id = try workspace.sourceID(of: name)
        memory.withLock { $0.sourceID = id }
        return id
    }

    /// The rows of a state: each top-level key's value as JSON text, except `__finished`
    /// (an array of resource ids): a row per id, its value the id's position.
    static func rows(of state: JSONObject) -> [String: String] {
        var rows: [String: String] = [:]
        for (key, value) in state {
            if key == ResourcePlan.finishedKey, case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) {
                for (position, item) in items.enumerated() where rows[finishedPrefix + item.stringValue!] == nil {
                    rows[finishedPrefix + item.stringValue!] = String(position)
                }
            } else {
                rows[key] = JSONWriter.string(value)
            }
        }
        return rows
    }

    /// The committed state of a source and its rows, nil when it has none.
    /// - Throws: ``PanoplyError`` (config) naming the source when a row is not JSON.
    static func load(sourceID: String, name: String, from workspace: PostgresWorkspace) throws -> (state: JSONObject, rows: [String: String])? {
        let found = try workspace.client.query(
            "SELECT key, value::text FROM \(workspace.schema).state WHERE source_id = $1 ORDER BY key", [.text(sourceID)])
        guard !found.isEmpty else { return nil }
        var state = JSONObject()
        var finished: [(position: Int, id: String)] = []
        for row in found {
            let key = try row.text(0) ?? ""
            let text = try row.text(1) ?? "null"
            let value: JSONValue
            do { value = try JSONParser.parse(text) } catch {
                throw PanoplyError.config(
                    "the committed state of '\(name)' in the workspace \(workspace.location) has a key '\(key)' that is not JSON: \(error); reset its state")
            }
            if key.hasPrefix(finishedPrefix) {
                finished.append((value.intValue ?? Int.max, String(key.dropFirst(finishedPrefix.count))))
            } else {
                state[key] = value
            }
        }
        if !finished.isEmpty {
            state[ResourcePlan.finishedKey] = .array(finished.sorted { ($0.position, $0.id) < ($1.position, $1.id) }.map { .string($0.id) })
        }
        // Sealed saved params: opened (their row as a save writes it again: the same sealed
        // value); without the key left out of both, so a save neither uses nor deletes them.
        let stored = state[SavedParams.stateKey]
        if let stored {
            state[SavedParams.stateKey] = try workspace.openedSavedParams(stored, sourceID: sourceID, name: name)
        }
        let rows = rows(of: state)
        guard let stored, SealedValue(json: stored) != nil, state[SavedParams.stateKey] != nil else { return (state, rows) }
        return (state, workspace.sealedStateRows(rows, sourceID: sourceID))
    }
}
