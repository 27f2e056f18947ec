import PanoplyKit
import PanoplyWorkspace

extension AppState {
    /// Folds one event of run `id` into its state.
    package mutating func apply(_ event: RunEvent, to id: RunID) -> [Effect] {
        // Only the name is kept: a copy of the run held across the update would make the
        // update copy its resources table (thousands of rows) on every event.
        guard let name = run(id)?.request.sourceName else { return [] }
        var ended: RunStatus?
        let now = self.now
        updateRun(id) { r in
            if let (line, level) = Self.logLine(event) { r.note(line, level, now: now) }
            switch event {
            case .started(_, let resumedFrom):
                r.status = .running
                if let resumedFrom { r.committed = resumedFrom }
            case .log, .sourceChange, .fired:
                break
            case .progress(let loaded, let total, let message):
                if let loaded { r.loaded = loaded }
                if let total { r.total = total }
                r.message = message
            case .resource(let p):
                r.apply(p, now: now)
            case .state(let state):
                r.committed = state
            case .counters(let c):
                r.setAttemptCounters(c)
            case .retrying:
                break
            case .failed, .cancelled, .completed:
                ended = r.end(event, now: now)
            }
        }
        var effects: [Effect] = []
        if case .sourceChange(let changes) = event { effects += rememberChanges(changes, of: name) }
        if let ended { effects += recordStatus(ended, of: name) + recordHistory(of: id) }
        return effects
    }

    /// The log line `event` leaves (the same texts as a headless run's history,
    /// ``RunLogLine``) with its level; nil for events that leave none.
    static func logLine(_ event: RunEvent) -> (String, LogLevel)? {
        guard let text = RunLogLine.text(event, cancelHint: "a retry (r)") else { return nil }
        switch event {
        case .log: return (text, LogLevel.of(text))
        case .retrying, .cancelled: return (text, .warn)
        case .failed: return (text, .error)
        default: return (text, .info)
        }
    }

    /// A source changed its params (a refreshed token): keep them for the next run.
    private mutating func rememberChanges(_ changes: JSONObject, of name: String) -> [Effect] {
        guard let i = saved.firstIndex(where: { $0.name == name }) else { return [] }
        // A param given as a ${NAME} reference keeps it: the new value lives in the run's state.
        for (key, value) in changes where !EnvReference.contains(saved[i].values[key] ?? "") {
            saved[i].values[key] = value.stringValue ?? JSONWriter.string(value)
        }
        return [.saveSources(saved)]
    }
}

extension RunState {
    /// The run ended (failed, cancelled or completed): its final status and rate (its log
    /// line is ``AppState/logLine(_:)``'s).
    /// - Returns: the status it ended with (nil for an event that does not end a run).
    mutating func end(_ event: RunEvent, now: Double) -> RunStatus? {
        switch event {
        case .failed(let error):
            status = .failed
            settleRate(now: now)
            self.error = error.message
            errorCategory = error.category
            endedAt = now
        case .cancelled:
            status = .cancelled
            settleRate(now: now)
            endedAt = now
        case .completed(let summary):
            status = .done
            setAttemptCounters(summary.counters)
            committed = summary.state
            recordsRead = earlierRead + summary.recordsRead
            endedAt = now
            if summary.seconds > 0 { rate = Double(summary.counters.records) / summary.seconds }
        default:
            return nil
        }
        return status
    }

    /// A run that ended before its first rate sample shows its average rate.
    package mutating func settleRate(now: Double) {
        if rate == nil, now > startedAt { rate = Double(counters.records) / (now - startedAt) }
        // counters and startedAt cover every attempt of the run, so this is its average.
    }
}
