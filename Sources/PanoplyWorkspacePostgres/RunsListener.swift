import Foundation
import PanoplyKit
import PostgresNIO
import Synchronization

/// The channel a workspace's runs are announced on (`panoply_runs_<schema>`), and what its
/// notifications say: `{"source": ID, "event": "snapshot"|"cancel"|"clear"|"lease", "by": WHO}`.
enum RunsChannel {
    enum Event: String, Codable, Sendable {
        /// A run published its snapshot.
        case snapshot
        /// Someone asked the run of the source to cancel (`by` says who).
        case cancel
        /// A source's snapshot and cancel request were removed (its run ended).
        case clear
        /// A lease was taken or released.
        case lease
    }

    struct Note: Codable, Sendable, Equatable {
        var source: String
        var event: Event
        var by: String?
    }

    static func name(_ schema: String) -> String { "panoply_runs_\(schema)" }

    static func payload(_ event: Event, _ sourceID: String, by who: String? = nil) -> String {
        let data = (try? JSONEncoder().encode(Note(source: sourceID, event: event, by: who))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func note(_ payload: String) -> Note? { try? JSONDecoder().decode(Note.self, from: Data(payload.utf8)) }
}

/// Listens to a workspace's runs channel on a connection of its own, opened on first use
/// (on a thread of its own: no caller waits for it) and reopened after a drop (at most every
/// 2 s). Every notification bumps ``version``; the cancel requests it tells of are kept, so
/// a run learns of one without a query. A slow poll every 10 s reads the `cancels` table (a
/// notification sent while the connection was down is not lost).
final class RunsListener: Sendable {
    private let url: WorkspaceURL
    private let environment: [String: String]
    private let schema: String
    private let state = Mutex(State())
    static let pollInterval: TimeAmount = .seconds(10)

    private struct State {
        var phase = Phase.idle
        var version = 0
        /// Who asked the run of a source (by id) to cancel.
        var cancels: [String: String] = [:]
        /// Counts the changes to `cancels` told by notifications (a poll that saw fewer
        /// than there are now may be older than they are).
        var changes = 0
        var retryAt: ContinuousClock.Instant?
        var stopped = false
    }

    private enum Phase {
        case idle
        case connecting
        case listening(PGClient, PostgresListenContext, RepeatedTask)
    }

    init(url: WorkspaceURL, environment: [String: String]) {
        self.url = url
        self.environment = environment
        self.schema = url.schema
    }

    deinit { stop() }

    /// Counts the notifications heard (and polls done); changes with every one.
    var version: Int {
        start()
        return state.withLock { $0.version }
    }

    /// Whether the channel is listened to now (else what the listener knows may be late).
    var isListening: Bool {
        state.withLock { s in
            if case .listening = s.phase { return true }
            return false
        }
    }

    /// Who asked the run of a source to cancel, as far as notifications and polls told.
    func cancelRequest(of sourceID: String) -> String? {
        start()
        return state.withLock { $0.cancels[sourceID] }
    }

    /// Forgets a source's cancel request (its run ended, or a new one starts).
    func forget(_ sourceID: String) {
        state.withLock { s in
            s.cancels[sourceID] = nil
            s.changes += 1
        }
    }

    /// Starts listening unless it does or tried less than 2 s ago; returns at once.
    func start() {
        let go = state.withLock { s -> Bool in
            guard case .idle = s.phase, !s.stopped else { return false }
            if let retryAt = s.retryAt, ContinuousClock.now < retryAt { return false }
            s.phase = .connecting
            return true
        }
        guard go else { return }
        Thread.detachNewThread { [weak self] in self?.connect() }
    }

    /// Stops listening for good and closes the connection (on a thread of its own: this may
    /// run on an event loop, which must never wait).
    func stop() {
        let phase = state.withLock { s in
            defer {
                s.phase = .idle
                s.stopped = true
            }
            return s.phase
        }
        guard case .listening(let client, let context, let poller) = phase else { return }
        poller.cancel()
        context.stop()
        Thread.detachNewThread { client.close() }
    }

    /// Opens the connection, listens, reads the pending cancel requests (the `LISTEN` went
    /// first on the connection: a request made after is heard, one made before is read),
    /// and polls again every 10 s.
    private func connect() {
        do {
            let client = try PGClient(url: url, environment: environment, reconnects: false)
            let listening = try client.withConnection { connection in
                let context = connection.addListener(channel: RunsChannel.name(schema)) { [weak self] _, note in
                    self?.heard(note.payload)
                }
                try poll(connection, logger: client.logger).wait()
                let poller = connection.eventLoop.scheduleRepeatedTask(initialDelay: Self.pollInterval, delay: Self.pollInterval) {
                    [weak self] task in
                    guard let self else { return task.cancel() }
                    _ = self.poll(connection, logger: client.logger)
                }
                let id = ObjectIdentifier(client)
                connection.closeFuture.whenComplete { [weak self] _ in self?.dropped(id) }
                return Phase.listening(client, context, poller)
            }
            let kept = state.withLock { s -> Bool in
                guard !s.stopped else { return false }
                s.phase = listening
                s.version += 1
                return true
            }
            if !kept, case .listening(let client, let context, let poller) = listening {
                poller.cancel()
                context.stop()
                client.close()
            }
        } catch {
            state.withLock { s in
                s.phase = .idle
                s.retryAt = ContinuousClock.now + .seconds(2)
            }
        }
    }

    private func heard(_ payload: String) {
        let note = RunsChannel.note(payload)
        state.withLock { s in
            s.version += 1
            guard let note else { return }
            switch note.event {
            case .cancel: s.cancels[note.source] = note.by ?? "someone"
            case .clear: s.cancels[note.source] = nil
            case .snapshot, .lease: return
            }
            s.changes += 1
        }
    }

    /// Reads every pending cancel request (a handful of rows) without waiting for it; they
    /// replace what is known unless a notification or ``forget(_:)`` changed it meanwhile.
    private func poll(_ connection: PostgresConnection, logger: Logger) -> EventLoopFuture<Void> {
        let query = PostgresQuery(unsafeSQL: "SELECT source_id, who FROM \(schema).cancels")
        let changes = state.withLock { $0.changes }
        return connection.query(query, logger: logger).map { [weak self] result in
            let found = result.rows.compactMap { row -> (String, String)? in try? row.decode((String, String).self) }
            self?.state.withLock { s in
                s.version += 1
                guard s.changes == changes else { return }
                s.cancels = Dictionary(found, uniquingKeysWith: { a, _ in a })
            }
        }
    }

    private func dropped(_ id: ObjectIdentifier) {
        let stale = state.withLock { s -> (PGClient, RepeatedTask)? in
            guard case .listening(let current, _, let poller) = s.phase, ObjectIdentifier(current) == id else { return nil }
            s.phase = .idle
            s.retryAt = ContinuousClock.now + .seconds(2)
            s.version += 1
            return (current, poller)
        }
        guard let (client, poller) = stale else { return }
        poller.cancel()
        // Called on the connection's event loop: the client is let go on a thread of its own.
        Thread.detachNewThread { client.close() }
    }
}
