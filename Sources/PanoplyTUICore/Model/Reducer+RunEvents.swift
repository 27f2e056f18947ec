import PanoplyKit
import PanoplyWorkspace

extension AppState {
    /// Folds one event of run `id` into its state.
    package mutating func apply(_ event: RunEvent, to id: RunID) -> [Effect] {
        guard let r = run(id) else { return [] }
        var ended: RunStatus?
        let now = self.now
        updateRun(id) { r in
            switch event {
            case .started(let attempt, let resumedFrom):
                r.status = .running
                if let resumedFrom {
                    r.committed = resumedFrom
                    r.note("attempt \(attempt), resuming from \(JSONWriter.string(.object(SavedParams.masked(resumedFrom))))", now: now)
                }
            case .log(let line):
                r.note(line, LogLevel.of(line), now: now)
            case .progress(let loaded, let total, let message):
                if let loaded { r.loaded = loaded }
                if let total { r.total = total }
                r.message = message
            case .resource(let p):
                r.apply(p, now: now)
            case .state(let state):
                r.committed = state
            case .sourceChange(let changes):
                r.note("source changed: \(changes.keys.joined(separator: ", "))", now: now)
            case .fired(let type, let data):
                r.note("event \(type): \(JSONWriter.string(data))".truncated(to: 500), now: now)
            case .counters(let c):
                r.setAttemptCounters(c)
            case .retrying(let attempt, let max, let error, let delay):
                r.note("read attempt \(attempt)/\(max) in \(Format.duration(delay)) after: \(error.message)", .warn, now: now)
            case .failed, .cancelled, .completed:
                ended = r.end(event, now: now)
            }
        }
        var effects: [Effect] = []
        if case .sourceChange(let changes) = event { effects += rememberChanges(changes, of: r.request.sourceName) }
        if let ended { effects += recordStatus(ended, of: r.request.sourceName) + recordHistory(of: id) }
        return effects
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
    /// The run ended (failed, cancelled or completed): its final status, rate and note.
    /// - Returns: the status it ended with (nil for an event that does not end a run).
    mutating func end(_ event: RunEvent, now: Double) -> RunStatus? {
        switch event {
        case .failed(let error):
            status = .failed
            settleRate(now: now)
            self.error = error.message
            errorCategory = error.category
            endedAt = now
            note("failed: \(error.message)", .error, now: now)
        case .cancelled:
            status = .cancelled
            settleRate(now: now)
            endedAt = now
            note("cancelled; committed state kept for a retry (r)", .warn, now: now)
        case .completed(let summary):
            status = .done
            setAttemptCounters(summary.counters)
            committed = summary.state
            recordsRead = earlierRead + summary.recordsRead
            endedAt = now
            if summary.seconds > 0 { rate = Double(summary.counters.records) / summary.seconds }
            note(
                "completed: \(summary.recordsRead) records read, \(summary.counters.recordsDelivered) delivered in \(Format.seconds(summary.seconds))",
                now: now)
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
