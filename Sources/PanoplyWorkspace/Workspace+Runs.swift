import PanoplyKit

extension Workspace {
    /// A snapshot and a lease check a source (a config folder reads a few small files).
    package func snapshots(of names: [String]) -> [String: (snapshot: RunSnapshot, running: Bool)] {
        var found: [String: (snapshot: RunSnapshot, running: Bool)] = [:]
        for name in names {
            if let s = snapshot(of: name) { found[name] = (s, isRunning(name)) }
        }
        return found
    }

    /// Settles the run of `name` left by a process that ended without finishing (SIGKILL,
    /// a machine that went away): its snapshot says running while nobody holds its lease. It
    /// is recorded in the history as lost, with its last counters, and its snapshot removed.
    /// Whoever notices first does it (the next run, `status`, a UI); the others find nothing.
    /// A snapshot of a run that finished (and was recorded) is only removed.
    /// - Returns: the record added, nil when there was nothing to settle.
    @discardableResult
    package func settleLostRun(of name: String) -> RunRecord? {
        guard snapshot(of: name) != nil, !isRunning(name) else { return nil }
        guard let lease = try? acquireLease(of: name, holder: .current(origin: "check"), wait: nil) else { return nil }
        defer { lease.release() }
        guard let left = snapshot(of: name) else { return nil }
        defer { clearSnapshot(of: name) }
        guard left.status == .running else { return nil }
        let record = left.lostRecord()
        try? appendHistory(record, to: name)
        return record
    }
}
