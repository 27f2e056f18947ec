import PanoplyKit

/// The log line a run event leaves, the same in the UI's log pane, in a headless run's
/// history record and in a live snapshot: one place for these texts.
package enum RunLogLine {
    /// The line for `event`, or nil for events that are not logged as such (progress,
    /// counters, state, resource rows). A `.log` event is its own line.
    /// - Parameter cancelHint: what a cancelled run tells the user to do next.
    package static func text(_ event: RunEvent, cancelHint: String = "the next run") -> String? {
        switch event {
        case .started(let attempt, let resumedFrom?):
            "attempt \(attempt), resuming from \(JSONWriter.string(.object(SavedParams.masked(resumedFrom))))"
        case .log(let line): line
        case .sourceChange(let changes): "source changed: \(changes.keys.joined(separator: ", "))"
        case .fired(let type, let data): "event \(type): \(JSONWriter.string(data))".truncated(to: 500)
        case .retrying(let attempt, let max, let error, let delay):
            "read attempt \(attempt)/\(max) in \(Format.duration(delay)) after: \(error.message)"
        case .failed(let error): "failed: \(error.message)"
        case .cancelled: "cancelled; committed state kept for \(cancelHint)"
        case .completed(let s):
            "completed: \(s.recordsRead) records read, \(s.counters.recordsDelivered) delivered in \(Format.seconds(s.seconds))"
        case .started, .progress, .resource, .state, .counters: nil
        }
    }
}

extension Array where Element == String {
    /// Appends a run's log line stamped with the run's elapsed time (`[mm:ss] text`),
    /// keeping the last ``RunRecord/keptLogLines``: a history record's log and a live
    /// snapshot's, alike.
    package mutating func appendLogLine(_ text: String, elapsed: Double) {
        append("[\(Format.clock(elapsed))] " + text)
        if count > RunRecord.keptLogLines { removeFirst(count - RunRecord.keptLogLines) }
    }
}
