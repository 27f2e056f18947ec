import PanoplyKit

/// How a run of a saved source starts, the same from Ctrl-S in the UI and from
/// `panoply run --saved` (cron): after a failure or a cancel it resumes from the committed
/// state; after a success an incremental source continues from it and the others start
/// over; a full refresh (`F`, `--full-refresh`), or params changed since, start over.
package enum StartPlan {
    /// Whether the run continues from the source's committed state.
    package static func resumes(
        lastStatus: RunStatus?, incremental: Bool, fullRefresh: Bool = false,
        paramsChanged: Bool = false
    ) -> Bool {
        if fullRefresh || paramsChanged { return false }
        switch lastStatus {
        case .failed, .cancelled, .running: return true
        case .done: return incremental
        case .idle, nil: return false
        }
    }

    /// What a run that starts over keeps of a committed state: only the params the source
    /// saved there (a rotated refresh token), nil when there are none.
    package static func startingOver(_ state: JSONObject?) -> JSONObject? {
        guard let kept = state?[SavedParams.stateKey] else { return nil }
        return [SavedParams.stateKey: kept]
    }

    /// Why the run starts where it does, for its log.
    package static func note(resumes: Bool, lastStatus: RunStatus?, fullRefresh: Bool) -> String {
        if fullRefresh { return "full refresh: starting over" }
        guard resumes else { return lastStatus == .done ? "starting over (the source reads everything each run)" : "starting" }
        return lastStatus == .done
            ? "continuing after the last run's committed state" : "resuming from the committed state of the last run (\(lastStatus?.rawValue ?? "unknown"))"
    }
}
