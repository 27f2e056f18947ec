import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// Finds the runs of saved sources that other processes own (cron, a shell, another UI) and
/// follows them through their snapshots: at most once a second, and only when something in
/// the workspace's runs changed or such a run is going (an idle UI reads one `stat`).
@MainActor
final class ExternalRunsWatcher {
    private let store: any Workspace
    private let me = LeaseHolder.current(origin: "ui")
    private var lastToken: String?
    private var lastPoll = -10.0
    /// Runs followed at the last poll, by source name, with their snapshots.
    private var following: [String: RunSnapshot] = [:]

    init(store: any Workspace) { self.store = store }

    /// The event for what changed since the last poll, nil when nothing did.
    /// - Parameters:
    ///   - now: the loop's clock, in seconds.
    ///   - names: the saved sources.
    func poll(now: Double, names: [String]) -> AppEvent? {
        guard now - lastPoll >= 1 else { return nil }
        lastPoll = now
        let token = store.runsVersion
        guard token != lastToken || !following.isEmpty else { return nil }
        lastToken = token
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
        following = Dictionary(running.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
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
