import Foundation
import PanoplyKit
import PanoplyWorkspace

/// Leases, live snapshots and cancel requests in the workspace's tables, shared by every
/// machine: a lease is a session advisory lock on a connection of its own (``LeaseSession``)
/// with an epoch in `leases`; a snapshot is a row of `snapshots`, a cancel request one of
/// `cancels`. Every change is announced on the channel `panoply_runs_<schema>`
/// (``RunsChannel``), which this workspace's ``RunsListener`` hears: ``runsVersion`` and a
/// run's cancel request come from it, not from a query a second.
///
/// Writes of a run that holds its lease here (its snapshots, its history row) are fenced:
/// they check the lease's epoch in the same transaction, and throw ``LostLease`` once
/// another run took the source.
extension PostgresWorkspace {
    /// The id a source's runs are kept under: its saved id, or `name:NAME` for a name that
    /// is not saved (a lease taken before the source is, a run being deleted).
    private var sourceIDSQL: String { "COALESCE((SELECT id FROM \(schema).sources WHERE name = $1), 'name:' || $1)" }

    func runsSourceID(of name: String) throws -> String { try sourceID(of: name) ?? "name:\(name)" }

    package func acquireLease(of name: String, holder: LeaseHolder, wait: Duration?) throws -> Lease {
        let id = try runsSourceID(of: name)
        let session = try LeaseSession.acquire(name: name, sourceID: id, holder: holder, wait: wait, url: url, environment: environment)
        runs.took(session)
        return session.lease { [runs] dropped in runs.released(session, dropped: dropped) }
    }

    /// Whether `pg_locks` shows the source's advisory lock granted (to any session, in this
    /// database): one query, no lock taken.
    package func isRunning(_ name: String) -> Bool {
        (try? client.query("SELECT \(lockHeld(sourceIDSQL))", [.text(name)]).first?.bool(0)) == true
    }

    /// SQL that is true while the advisory lock of the source whose id `id` gives (an SQL
    /// expression) is held by some session.
    private func lockHeld(_ id: String) -> String {
        """
        EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = hashtext('\(schema)')::oid AND l.objid = hashtext(\(id))::oid)
        """
    }

    package func publish(_ snapshot: RunSnapshot) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = String(decoding: try encoder.encode(snapshot), as: UTF8.self)
        let upsert = """
            INSERT INTO \(schema).snapshots (source_id, epoch, body, updated_at) VALUES ($1, $2, $3::jsonb, now())
            ON CONFLICT (source_id) DO UPDATE SET epoch = excluded.epoch, body = excluded.body, updated_at = excluded.updated_at
            RETURNING pg_notify($4, $5)::text
            """
        // Only a run publishes, under the lease it holds here: never unfenced, never after it
        // released the lease (another run's snapshot may be there by then).
        guard runs.held(snapshot.name) != nil else {
            throw LostLease(message: "lost lease: the snapshot of '\(snapshot.name)' is not written: this process holds no lease of it")
        }
        try underLease(of: snapshot.name) { session, id, epoch in
            try session.query(upsert, [.text(id), .int(epoch), .text(body), .text(channel), .text(RunsChannel.payload(.snapshot, id))])
        }
    }

    /// The kept snapshots of the sources named `names`, each with whether its lease is held
    /// now, in one query (``snapshot(of:)`` and ``isRunning(_:)`` for each name would take
    /// two a name): what the UI's watcher and `status` read of 200 sources at once. None
    /// when the workspace cannot be read.
    package func snapshots(of names: [String]) -> [String: (snapshot: RunSnapshot, running: Bool)] {
        let sql = """
            SELECT s.name, sn.body::text, \(lockHeld("s.id"))
            FROM \(schema).sources s JOIN \(schema).snapshots sn ON sn.source_id = s.id
            WHERE s.name IN (SELECT jsonb_array_elements_text($1::jsonb))
            """
        guard let rows = try? client.query(sql, [.text(jsonArray(names))]) else { return [:] }
        var found: [String: (snapshot: RunSnapshot, running: Bool)] = [:]
        for row in rows {
            guard let name = try? row.text(0), let body = try? row.text(1),
                let snapshot = try? JSONDecoder().decode(RunSnapshot.self, from: Data(body.utf8))
            else { continue }
            found[name] = (snapshot, (try? row.bool(2)) == true)
        }
        return found
    }

    package func snapshot(of name: String) -> RunSnapshot? {
        let sql = "SELECT body::text FROM \(schema).snapshots WHERE source_id = \(sourceIDSQL)"
        guard let text = try? client.query(sql, [.text(name)]).first?.text(0) else { return nil }
        return try? JSONDecoder().decode(RunSnapshot.self, from: Data(text.utf8))
    }

    /// Removes the snapshot and cancel request: by the run that holds the lease here; by a
    /// run that lost it, nothing (they are the newer run's now); by anyone else, only while
    /// no run holds the lease (a run that just ended here must not clear the next one's).
    package func clearSnapshot(of name: String) {
        let unheld = runs.held(name) == nil ? " AND NOT \(lockHeld("$1"))" : ""
        let sql = """
            WITH s AS (DELETE FROM \(schema).snapshots WHERE source_id = $1\(unheld)),
              c AS (DELETE FROM \(schema).cancels WHERE source_id = $1\(unheld))
            SELECT pg_notify($2, $3)::text
            """
        try? underLease(of: name) { session, id, _ in
            runs.listener.forget(id)
            try session.query(sql, [.text(id), .text(channel), .text(RunsChannel.payload(.clear, id))])
        }
    }

    package func requestCancel(of name: String, by who: String) throws {
        let id = try runsSourceID(of: name)
        let sql = """
            INSERT INTO \(schema).cancels (source_id, who, at) VALUES ($1, $2, now())
            ON CONFLICT (source_id) DO UPDATE SET who = excluded.who, at = excluded.at
            RETURNING pg_notify($3, $4)::text
            """
        try client.query(sql, [.text(id), .text(who), .text(channel), .text(RunsChannel.payload(.cancel, id, by: who))])
    }

    /// For a run that holds its lease here: what the listener heard (no query). Else (or
    /// while the listener is not connected yet) the `cancels` row.
    package func cancelRequest(of name: String) -> String? {
        runs.listener.start()
        if let lease = runs.held(name), runs.listener.isListening { return runs.listener.cancelRequest(of: lease.sourceID) }
        let sql = "SELECT who FROM \(schema).cancels WHERE source_id = \(sourceIDSQL)"
        return try? client.query(sql, [.text(name)]).first?.text(0)
    }

    /// Changes with every notification on the runs channel, and every 10 s besides (a slow
    /// poll, should a notification be missed).
    package var runsVersion: String {
        "\(runs.listener.version).\(Int(Date().timeIntervalSince1970) / 10)"
    }

    private var channel: String { RunsChannel.name(schema) }

    /// Runs `write` in a transaction fenced by the lease of `name` held here (its epoch
    /// checked, and its lock still held); without one, in a plain transaction with the
    /// source's current epoch. A run's history row goes through here (with the patience of
    /// a commit, ``FenceRetry/patience``); a snapshot with none (the next one comes in a second).
    /// - Throws: ``LostLease`` when the lease held here (or the last one, released since)
    ///   was lost, or could not be confirmed within `patience`; what `write` threw.
    func underLease<T>(
        of name: String, patience: Duration = .zero, _ write: (PGSession, _ sourceID: String, _ epoch: Int64) throws -> T
    ) throws -> T {
        if let lease = runs.held(name) {
            do {
                if let loss = runs.loss(of: name) ?? lease.lossBeforeWrite { throw loss }
                return try client.fenced(schema: schema, sourceID: lease.sourceID, name: name, epoch: lease.epoch, patience: patience) {
                    session in
                    try LeaseFence.checkHeld(
                        session, schema: schema, sourceID: lease.sourceID, name: name, epoch: lease.epoch, backendPID: lease.backendPID)
                    return try write(session, lease.sourceID, lease.epoch)
                }
            } catch let loss as LostLease {
                runs.lost(lease, loss)
                throw loss
            }
        }
        if let loss = runs.loss(of: name) { throw loss }
        let id = try runsSourceID(of: name)
        return try client.transaction { session in
            let epoch = try session.query("SELECT epoch FROM \(schema).leases WHERE source_id = $1", [.text(id)]).first?.int(0)
            return try write(session, id, epoch ?? 0)
        }
    }
}
