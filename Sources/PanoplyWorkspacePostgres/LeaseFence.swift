import PanoplyKit

/// What a fenced write checks besides its lease's epoch (``PGClient/fenced(schema:sourceID:name:epoch:_:)``):
/// that the lease's advisory lock is still held. A lease whose connection the server closed
/// (its machine paused or cut off past the keepalives) frees the lock while no run has taken
/// the source yet, so the epoch alone would still match; the writer may not know yet.
enum LeaseFence {
    /// - Parameters:
    ///   - session: the write's transaction (after the epoch check).
    ///   - sourceID: the source's id; `name` names it in the message.
    ///   - epoch: the writer's lease's epoch.
    ///   - backendPID: the server process of the lease's session (``LeaseSession/backendPID``):
    ///     the lock must be held by it, not by any session; nil when not known here.
    /// - Throws: ``LostLease`` when the lease's session does not hold the source's advisory lock; ``PGError``.
    static func checkHeld(_ session: PGSession, schema: String, sourceID: String, name: String, epoch: Int64, backendPID: Int32?) throws {
        let rows = try session.query(
            """
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = hashtext($2)::oid AND objid = hashtext($1)::oid AND ($3::int IS NULL OR pid = $3::int))
            """, [.text(sourceID), .text(schema), .int(backendPID.map(Int64.init))])
        guard try rows.first?.bool(0) == true else {
            throw LostLease(
                message: "lost lease: the lease of source '\(name)' (epoch \(epoch)) is no longer held (its connection to the workspace dropped)")
        }
    }
}
