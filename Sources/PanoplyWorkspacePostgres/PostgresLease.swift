import Foundation
import PanoplyKit
import PanoplyWorkspace
import PostgresNIO
import Synchronization

/// A run's lease in a PostgreSQL workspace: a session advisory lock
/// (`pg_try_advisory_lock(hashtext(schema), hashtext(source id))`) held on a connection of
/// its own, and the epoch it bumped in `leases` when it took it.
///
/// The server frees the lock when the session ends: at once when the process dies (its
/// socket closes), within about a minute when its machine vanishes (the session's TCP
/// keepalives and `tcp_user_timeout`). A lease whose connection dropped is lost for good:
/// it is never taken again on another connection, and every fenced write then throws
/// ``LostLease``.
final class LeaseSession: Sendable {
    let name: String
    let sourceID: String
    let epoch: Int64
    let holder: LeaseHolder
    /// The server process of the session holding the lock (`pg_backend_pid()`): a fenced
    /// write checks that this session holds it, not just some session.
    let backendPID: Int32
    private let schema: String
    private let client: PGClient
    private let released = Atomic<Bool>(false)

    private init(name: String, sourceID: String, epoch: Int64, holder: LeaseHolder, backendPID: Int32, schema: String, client: PGClient) {
        self.name = name
        self.backendPID = backendPID
        self.sourceID = sourceID
        self.epoch = epoch
        self.holder = holder
        self.schema = schema
        self.client = client
    }

    /// The session holding the lock ended (the server or the network cut it): the lease is
    /// lost, whoever takes the source next.
    var isDropped: Bool { !released.load(ordering: .acquiring) && client.isBroken }

    /// Why a write under this lease is refused now, nil while it may go on (the epoch is
    /// checked by the write itself).
    var lossBeforeWrite: LostLease? {
        guard isDropped else { return nil }
        return LostLease(
            message: "lost lease: the connection that held the lease of source '\(name)' (epoch \(epoch)) to the workspace dropped")
    }

    /// The server settings of a lease's session: the server notices a vanished client within
    /// about a minute (keepalive probes after 10 s idle, every 5 s, 3 of them; data left
    /// unacknowledged for 30 s), and so frees the lock.
    static let sessionSettings = [
        "SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5", "SET tcp_keepalives_count = 3",
        "SET tcp_user_timeout = 30000", "SET lock_timeout = '5s'", "SET application_name = 'panoply lease'"
    ]

    /// Takes the lease of a source on a new connection (closed again when the lock is busy).
    /// - Parameters:
    ///   - url: the workspace; `environment` gives its password.
    ///   - wait: how long to wait for the run that holds it (nil: a few tries over 300 ms).
    /// - Throws: ``LeaseBusy`` naming the holder from `leases`; ``PanoplyError`` when the
    ///   workspace cannot be reached.
    static func acquire(
        name: String, sourceID: String, holder: LeaseHolder, wait: Duration?, url: WorkspaceURL, environment: [String: String]
    ) throws -> LeaseSession {
        let client = try PGClient(url: url, environment: environment, reconnects: false, setup: sessionSettings)
        do {
            guard try lock(client, schema: url.schema, sourceID: sourceID, wait: wait) else {
                throw LeaseBusy(name: name, holder: try? holderOf(sourceID, schema: url.schema, on: client))
            }
            let epoch = try bumpEpoch(sourceID, holder: holder, schema: url.schema, on: client)
            let pid = try client.query("SELECT pg_backend_pid()::bigint").first?.int(0)
            return LeaseSession(
                name: name, sourceID: sourceID, epoch: epoch, holder: holder, backendPID: Int32(pid ?? 0), schema: url.schema, client: client)
        } catch {
            client.close()
            throw error
        }
    }

    /// Tries the advisory lock until it is taken or the wait is over.
    private static func lock(_ client: PGClient, schema: String, sourceID: String, wait: Duration?) throws -> Bool {
        // Without a wait, still a few tries: a lost run being settled holds the lease for
        // a few milliseconds, and must not make a run be refused.
        let deadline = ContinuousClock.now + (wait ?? .milliseconds(300))
        while true {
            let rows = try client.query("SELECT pg_try_advisory_lock(hashtext($1), hashtext($2))", [.text(schema), .text(sourceID)])
            if try rows.first?.bool(0) == true { return true }
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: wait == nil ? 0.05 : 0.2)
        }
    }

    /// Counts one more lease of the source (the first is 1), names its holder, and tells
    /// the listeners.
    private static func bumpEpoch(_ sourceID: String, holder: LeaseHolder, schema: String, on client: PGClient) throws -> Int64 {
        let json = String(decoding: try JSONEncoder().encode(holder), as: UTF8.self)
        let sql = """
            INSERT INTO \(schema).leases AS l (source_id, epoch, holder, taken_at) VALUES ($1, 1, $2::jsonb, now())
            ON CONFLICT (source_id) DO UPDATE SET epoch = l.epoch + 1, holder = excluded.holder, taken_at = excluded.taken_at
            RETURNING l.epoch, pg_notify($3, $4)::text
            """
        let note = RunsChannel.payload(.lease, sourceID)
        let rows = try client.query(sql, [.text(sourceID), .text(json), .text(RunsChannel.name(schema)), .text(note)])
        guard let epoch = try rows.first?.int(0) else {
            throw PanoplyError.config("the workspace's leases table returned no epoch for source \(sourceID)")
        }
        return epoch
    }

    /// The holder named in `leases` for a source, nil when none is.
    static func holderOf(_ sourceID: String, schema: String, on client: PGClient) throws -> LeaseHolder? {
        let rows = try client.query("SELECT holder::text FROM \(schema).leases WHERE source_id = $1", [.text(sourceID)])
        guard let text = try rows.first?.text(0) else { return nil }
        return try JSONDecoder().decode(LeaseHolder.self, from: Data(text.utf8))
    }

    /// Unlocks (telling listeners) and closes the connection; later calls do nothing. Never
    /// waits on an event loop thread (there it lets go on a thread of its own).
    /// - Returns: whether the session still held the lock until now (false: its connection
    ///   dropped, so the lease was lost, maybe taken by another run since); nil when it was
    ///   released before, or lets go on a thread of its own.
    @discardableResult
    func release() -> Bool? {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        let (client, schema, sourceID) = (client, schema, sourceID)
        let unlock: @Sendable () -> Bool = {
            let sql = "SELECT pg_notify($3, $4)::text, pg_advisory_unlock(hashtext($1), hashtext($2))"
            let note = RunsChannel.payload(.lease, sourceID)
            let held = try? client.query(sql, [.text(schema), .text(sourceID), .text(RunsChannel.name(schema)), .text(note)]).first?.bool(1)
            client.close()
            return held == true
        }
        guard MultiThreadedEventLoopGroup.currentEventLoop == nil else {
            Thread.detachNewThread { _ = unlock() }
            return nil
        }
        return unlock()
    }

    /// This session as a ``Lease`` whose release runs `then` after releasing it, told
    /// whether the session had dropped (found before, or by the unlock itself).
    func lease(then: @escaping @Sendable (_ dropped: Bool) -> Void) -> Lease {
        Lease(name: name, holder: holder, epoch: epoch) { [self] in
            let dropped = isDropped
            let held = release()
            then(dropped || held == false)
        }
    }
}

/// What one workspace (one ``PostgresWorkspace`` value and its copies) knows of the runs it
/// owns: the leases it holds, by source name, those it lost, and its runs listener.
final class WorkspaceRuns: Sendable {
    let listener: RunsListener
    private let leases = Mutex(Leases())

    private struct Leases {
        var held: [String: LeaseSession] = [:]
        /// Why the last lease of a source, released since, was lost: its run's last writes
        /// (the history row, clearing its snapshot) are refused too.
        var lost: [String: LostLease] = [:]
    }

    init(url: WorkspaceURL, environment: [String: String]) {
        listener = RunsListener(url: url, environment: environment)
    }

    /// A lease was taken here: its run's cancel requests are listened for from now on.
    func took(_ session: LeaseSession) {
        leases.withLock { l in
            l.held[session.name] = session
            l.lost[session.name] = nil
        }
        listener.forget(session.sourceID)
        listener.start()
    }

    /// A lease taken here was released (remembered as lost when its connection had dropped).
    func released(_ session: LeaseSession, dropped: Bool) {
        leases.withLock { l in
            if l.held[session.name] === session { l.held[session.name] = nil }
            // A newer lease of the source taken here meanwhile is not lost.
            guard dropped, l.held[session.name] == nil, l.lost[session.name] == nil else { return }
            l.lost[session.name] = Self.dropped(session)
        }
    }

    /// The lease of `name` held here, nil when none is.
    func held(_ name: String) -> LeaseSession? { leases.withLock { $0.held[name] } }

    /// Why the lease of `name` held here (or the last one, released since) was lost; nil
    /// when it was not.
    func loss(of name: String) -> LostLease? { leases.withLock { $0.lost[name] } }

    /// Notes that a fenced write under `session` found the lease taken.
    func lost(_ session: LeaseSession, _ loss: LostLease) {
        leases.withLock { l in
            guard l.held[session.name].map({ $0 === session }) ?? true, l.lost[session.name] == nil else { return }
            l.lost[session.name] = loss
        }
    }

    private static func dropped(_ session: LeaseSession) -> LostLease {
        LostLease(message: "lost lease: the connection that held the lease of source '\(session.name)' (epoch \(session.epoch)) dropped")
    }
}

extension PGClient {
    /// Runs `body` in a transaction that first locks the source's row of `leases` and checks
    /// that its epoch is still `epoch` (a run that took the source since waits for this
    /// transaction, then reads what it wrote): a write of a run that lost its lease never
    /// lands over a newer run's. A workspace that cannot be reached is tried again after 1,
    /// 2, 4, 8… s while `patience` lasts; then the lease counts as lost (it could not be
    /// confirmed), and nothing was written.
    /// - Parameters:
    ///   - schema: the workspace's schema; `sourceID` and `name` the source's.
    ///   - epoch: the run's lease's (``Lease/epoch``).
    ///   - patience: how long to keep trying an unreachable workspace (``FenceRetry/patience``).
    /// - Throws: ``LostLease`` naming who took the source, or saying the workspace could not
    ///   be reached; what `body` threw (other than a connection failure).
    package func fenced<T>(
        schema: String, sourceID: String, name: String, epoch: Int64, patience: Duration = FenceRetry.patience,
        _ body: (PGSession) throws -> T
    ) throws -> T {
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try transaction { session in
                    // A `leases` row locked by a session the server has not yet ended is waited
                    // for at most 5 s (then this write is tried again), never the answer timeout.
                    try session.execute("SET LOCAL lock_timeout = '5s'")
                    try Self.checkEpoch(session, schema: schema, sourceID: sourceID, name: name, epoch: epoch)
                    return try body(session)
                }
            } catch let lost as LostLease {
                throw lost
            } catch {
                let failure = error.asPanoplyError
                guard failure.retryable else { throw error }
                guard let delay = FenceRetry.next(after: attempt, elapsed: ContinuousClock.now - started, patience: patience) else {
                    guard patience > .zero else { throw error }
                    let waited = (ContinuousClock.now - started).components.seconds
                    throw LostLease(
                        message: "lost lease: cannot confirm the lease of source '\(name)' (epoch \(epoch)): "
                            + "the workspace could not be reached for \(waited) s (\(failure.message))")
                }
                Thread.sleep(forTimeInterval: Double(delay.components.seconds))
            }
        }
    }

    private static func checkEpoch(_ session: PGSession, schema: String, sourceID: String, name: String, epoch: Int64) throws {
        let rows = try session.query("SELECT epoch, holder::text FROM \(schema).leases WHERE source_id = $1 FOR UPDATE", [.text(sourceID)])
        let current = try rows.first?.int(0)
        guard current == epoch else {
            let holder = try? rows.first?.text(1).flatMap { try JSONDecoder().decode(LeaseHolder.self, from: Data($0.utf8)) }
            let by = holder.map { " by \($0.description)" } ?? ""
            throw LostLease(message: "lost lease: source '\(name)' was taken\(by) (epoch \(current.map(String.init) ?? "none") > \(epoch))")
        }
    }
}

/// How a fenced write tries again a workspace it cannot reach: after 1, 2, 4, 8 s (then 16),
/// while the next try comes within about 30 s of the first.
package enum FenceRetry {
    /// How long a run's commit keeps trying before its lease counts as lost.
    package static let patience: Duration = .seconds(30)

    /// The wait before trying again after `attempt` failed attempts, nil when the next try
    /// would come after `patience` (counted from the first attempt; `elapsed` so far).
    package static func next(after attempt: Int, elapsed: Duration, patience: Duration) -> Duration? {
        let delay = Duration.seconds(1 << min(max(attempt - 1, 0), 4))
        return elapsed + delay <= patience ? delay : nil
    }
}
