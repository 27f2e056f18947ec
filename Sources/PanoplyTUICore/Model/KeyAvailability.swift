import PanoplyKit

extension AppState {
    /// Why `action` does not apply to what is showing now, or nil when it does: the one
    /// decision both the reducers (which answer the key with this reason) and the help bar
    /// (which leaves the key out) use. Today it covers the run view's c, r and e.
    package func unavailable(_ action: KeyAction) -> String? {
        guard overlay == nil, case .run(let id) = screen, let r = run(id) else { return nil }
        switch action {
        case .cancelRun: return r.cancelRefusal
        case .retry: return r.retryRefusal
        case .edit: return r.editRefusal
        default: return nil
        }
    }
}

extension RunState {
    /// Failed in a way no retry fixes, only an edit of the params.
    var needsEdit: Bool { status == .failed && FormCheck.needsEdit(errorCategory) }

    /// Why c cannot cancel this run (nil: it can).
    package var cancelRefusal: String? {
        if cancelling { return "already cancelling" }
        return status == .running ? nil : "the run is not running"
    }

    /// Why r cannot start this run again from its committed state (nil: it can).
    package var retryRefusal: String? {
        switch status {
        case .running, .idle: "the run is still going: cancel it (c) before retrying"
        case .done: "the run completed: open its form (Enter on the list) and Ctrl-S to run it again"
        case .failed where needsEdit: "a \(errorCategory?.rawValue ?? "config") error: no retry fixes it; e edits the source"
        case .failed, .cancelled: nil
        }
    }

    /// Why e cannot open this run's form with the field marked (nil: it can).
    package var editRefusal: String? {
        needsEdit ? nil : "e edits the source after a config, auth or not-found error; r retries other failures"
    }
}
