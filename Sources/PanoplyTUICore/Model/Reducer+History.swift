import PanoplyKit
import PanoplyWorkspace

extension AppState {
    /// The recorded runs of a saved source, newest first. A run retried with `r` shows once,
    /// as its last attempt (which keeps the run's start and counts every attempt); its
    /// earlier attempts are in ``earlierAttempts(of:in:)``.
    package func runHistory(of name: String) -> [RunRecord] {
        let all = history[name] ?? []
        return all.indices.filter { i in !all[(i + 1)...].contains { all[i].continued(by: $0) } }.map { all[$0] }.reversed()
    }

    /// The attempts before `run`'s last one, oldest first.
    package func earlierAttempts(of run: RunRecord, in name: String) -> [RunRecord] {
        (history[name] ?? []).filter { $0.continued(by: run) }
    }

    /// The last recorded run of a saved source.
    package func lastRecord(of name: String) -> RunRecord? { history[name]?.last }

    /// `h` on the list (``KeyCondition/selectionHasHistory`` holds): the selected saved
    /// source's history.
    package mutating func openHistory(_ entry: ListEntry) {
        if case .saved(let i) = entry { screen = .history(HistoryScreen(source: saved[i].name)) }
    }

    /// `action`: what the key does here (``binding(for:)``), already known to apply now.
    package mutating func handleHistoryKey(_ action: KeyAction?, _ original: HistoryScreen) -> [Effect] {
        var h = original
        let count = runHistory(of: h.source).count
        switch action {
        case .back:
            if h.detail {
                h.detail = false
            } else {
                screen = .list
                return []
            }
        case .up: h.selection = max(0, h.selection - 1)
        case .down: h.selection = min(max(0, count - 1), h.selection + 1)
        case .top: h.selection = 0
        case .bottom: h.selection = max(0, count - 1)
        case .open: h.detail = true
        case .help: overlay = .help
        case .quit: return askToQuit()
        default: break
        }
        screen = .history(h)
        return []
    }

    /// A run of a saved source ended: keep it in the source's history (and on disk).
    package mutating func recordHistory(of id: RunID) -> [Effect] {
        guard let r = run(id), saved.contains(where: { $0.name == r.request.sourceName }) else { return [] }
        let tail = r.log.lines(matching: "", problemsOnly: false).suffix(RunRecord.keptLogLines).map { r.shown($0) }
        let error = r.error.map { PanoplyError(r.errorCategory ?? .internal, $0) }
        var record = RunRecord(
            started: epochOrigin + r.startedAt, ended: epochOrigin + (r.endedAt ?? now), status: r.status,
            attempt: r.request.attempt, recordsRead: r.recordsRead ?? r.counters.records,
            counters: r.counters, error: error, origin: "ui", log: Array(tail))
        if !r.resources.isEmpty { record.resources = r.resourceTally }
        record.fields = r.fields?.recorded
        history[r.request.sourceName, default: []].appendKeepingLast(record)
        return [.recordRun(sourceName: r.request.sourceName, record)]
    }
}
