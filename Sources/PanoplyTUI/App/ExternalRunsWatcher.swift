import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace
import Synchronization

/// Finds the runs of saved sources that other processes own (cron, a shell, another UI) and
/// follows them through their snapshots: at most once a second, and only when something in
/// the workspace's runs changed or such a run is going (an idle UI reads one `stat`).
///
/// The UI polls with ``poll(now:names:into:)``: the workspace is read on the watcher's own
/// serial dispatch queue (a PostgreSQL workspace waits for its server, up to ~30 s when it
/// cannot be reached, and the MainActor must never wait for it) and what changed is posted
/// to the inbox; a poll still under way makes the next ones skip.
final class ExternalRunsWatcher: Sendable {
    private let store: any Workspace
    private let me = LeaseHolder.current(origin: "ui")
    private let memory = Mutex(Memory())
    private let queue = DispatchQueue(label: "panoply.ui.external-runs")

    private struct Memory {
        var lastToken: String?
        var lastPoll = -10.0
        /// Runs followed at the last poll, by source name, with their snapshots.
        var following: [String: RunSnapshot] = [:]
        /// A poll is under way on the queue.
        var polling = false
    }

    init(store: any Workspace) { self.store = store }

    /// Polls on the watcher's queue when one is due and none is under way; what changed is
    /// posted to `inbox`. Returns at once.
    func poll(now: Double, names: [String], into inbox: Inbox) {
        let start = memory.withLock { m -> Bool in
            guard now - m.lastPoll >= 1, !m.polling else { return false }
            m.polling = true
            return true
        }
        guard start else { return }
        queue.async { [self] in
            let event = poll(now: now, names: names)
            memory.withLock { $0.polling = false }
            if let event { inbox.post(event) }
        }
    }

    /// The event for what changed since the last poll, nil when nothing did. Blocks on the
    /// workspace: call it off the MainActor (``poll(now:names:into:)``), one at a time.
    /// - Parameters:
    ///   - now: the loop's clock, in seconds.
    ///   - names: the saved sources.
    func poll(now: Double, names: [String]) -> AppEvent? {
        let due = memory.withLock { m -> Bool in
            guard now - m.lastPoll >= 1 else { return false }
            m.lastPoll = now
            return true
        }
        guard due else { return nil }
        let token = store.runsVersion
        let following = memory.withLock { $0.following }
        guard token != memory.withLock({ $0.lastToken }) || !following.isEmpty else { return nil }
        memory.withLock { $0.lastToken = token }
        var running: [RunSnapshot] = []
        let kept = store.snapshots(of: names)
        for name in names {
            guard let (s, held) = kept[name], s.status == .running, !isMine(s) else { continue }
            if held { running.append(s) } else { store.settleLostRun(of: name) }
        }
        var ended: [String: RunRecord?] = [:]
        for (name, last) in following where !running.contains(where: { $0.name == name }) {
            ended[name] = endRecord(of: name, since: last.holder.since)
        }
        memory.withLock { $0.following = Dictionary(running.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }) }
        guard !running.isEmpty || !ended.isEmpty else { return nil }
        return .externalRuns(running: running, ended: ended)
    }

    private func isMine(_ s: RunSnapshot) -> Bool { s.holder.pid == me.pid && s.holder.host == me.host }

    /// The history row of the run of `name` that started at `since`: recorded by its owner,
    /// or by whoever found it lost; else what its last snapshot said. A retry (r) of a run
    /// owned elsewhere records the start of the run it continues, so its row is also the one
    /// that ended after `since` (one run of a source at a time).
    private func endRecord(of name: String, since: Double) -> RunRecord? {
        let rows = try? store.history(of: name)
        if let r = rows?.last(where: { $0.started >= since - 1 || $0.ended >= since }) { return r }
        guard let s = store.snapshot(of: name), s.holder.since == since, s.status != .running else { return nil }
        return s.record
    }
}
