import PanoplyKit

/// What must hold for a binding to apply now. ``AppState/refusal(_:)`` says why it does
/// not: the answer a press of the disabled key gets.
package enum KeyCondition: Sendable, Equatable {
    /// The run view's run is running and not already cancelling (`c`).
    case runCancellable
    /// The run view's run failed or was cancelled in a way a retry fixes (`r`).
    case runRetryable
    /// The run view's run failed with an error only an edit of the source fixes (`e`).
    case runEditable
    /// The selected list row has a run in this session to show (`v`).
    case selectionHasRun
    /// The selected saved source has a failed or cancelled run to retry (`r` on the list).
    case selectionRetryable
    /// A saved source is selected (`D`).
    case selectionSaved
    /// A saved source that is not running is selected (`x`, `n`, `F`).
    case selectionDeletable, selectionRenamable, selectionRefreshable
    /// The selected saved source has recorded runs (`h`).
    case selectionHasHistory
    /// The history screen lists at least one run (`Enter`).
    case historyHasRuns
    /// The picker's values are loaded (Space, `a`, Enter).
    case pickerLoaded
    /// The picker's values are computed by the source, so they can be again (`r`).
    case pickerReloadable
    /// The source lists the fields of the resource under the picker's cursor (Tab).
    case pickerFieldsKnown
    /// The item under the picker's cursor is a resource that can be read (`p`).
    case pickerPreviewable
    /// The field under the fields pane's cursor is not a reserved key (`x`, `#`, `n`).
    case fieldEditable
    /// The preview's records are loaded (scrolling).
    case previewLoaded
}

extension AppState {
    /// Why `condition` does not hold now, nil when it does.
    package func refusal(_ condition: KeyCondition) -> String? {
        switch condition {
        case .runCancellable: return shownRun?.cancelRefusal
        case .runRetryable: return shownRun?.retryRefusal
        case .runEditable: return shownRun?.editRefusal
        case .historyHasRuns:
            guard case .history(let h) = screen, runHistory(of: h.source).isEmpty else { return nil }
            return "\(h.source) has no recorded run yet"
        case .pickerLoaded:
            guard case .picker(let p) = overlay, p.load != .loaded else { return nil }
            return p.hasFailed ? "the values did not load: r tries again, Esc leaves" : "wait for the values to load (Esc cancels)"
        case .pickerReloadable:
            guard case .picker(let p) = overlay, p.request == nil else { return nil }
            return "these values are fixed: nothing to reload"
        case .pickerFieldsKnown:
            guard case .picker(let p) = overlay else { return nil }
            return refusal(.pickerLoaded) ?? p.fieldsRefusal
        case .pickerPreviewable:
            guard case .picker(let p) = overlay else { return nil }
            return refusal(.pickerLoaded) ?? p.previewRefusal
        case .fieldEditable:
            guard case .picker(let p) = overlay else { return nil }
            return p.fieldEditRefusal
        case .previewLoaded:
            guard case .preview(let v) = overlay else { return nil }
            switch v.load {
            case .loaded: return nil
            case .loading: return "wait for the records to load (Esc cancels)"
            case .failed: return "nothing to scroll: Esc closes"
            }
        default: return listRefusal(condition, selectedEntry)
        }
    }

    /// The list row under the cursor.
    package var selectedEntry: ListEntry {
        let entries = listEntries
        return entries[min(max(0, selection), entries.count - 1)]
    }

    /// The run the run view shows.
    private var shownRun: RunState? {
        guard case .run(let id) = screen else { return nil }
        return run(id)
    }

    private func listRefusal(_ condition: KeyCondition, _ entry: ListEntry) -> String? {
        guard case .saved(let i) = entry else {
            switch condition {
            case .selectionHasRun: return viewRefusal(entry)
            case .selectionRetryable: return "r retries a saved source's failed run: select one"
            case .selectionDeletable: return "only saved sources can be deleted"
            case .selectionRenamable: return "only saved sources can be renamed"
            case .selectionSaved: return "only saved sources can be duplicated"
            case .selectionRefreshable: return "F runs a saved source from scratch: select one"
            case .selectionHasHistory: return "only saved sources have a history"
            default: return nil
            }
        }
        let name = saved[i].name
        switch condition {
        case .selectionHasRun: return viewRefusal(entry)
        case .selectionRetryable: return retryRefusal(saved[i])
        case .selectionDeletable: return isRunning(name) ? "\(name) is running: cancel it first" : nil
        case .selectionRenamable: return isRunning(name) ? "\(name) is running: rename it when it ends" : nil
        case .selectionRefreshable: return isRunning(name) ? "\(name) is already running" : nil
        case .selectionHasHistory:
            guard runHistory(of: name).isEmpty else { return nil }
            return isRunning(name) ? "\(name) has no finished run yet: v views the one running" : "\(name) has no run history yet"
        default: return nil
        }
    }

    /// Why `v` has no run to show for `entry`.
    private func viewRefusal(_ entry: ListEntry) -> String? {
        switch entry {
        case .saved(let i):
            let name = saved[i].name
            if latestRun[name] != nil { return nil }
            if !runHistory(of: name).isEmpty { return "\(name) has not run in this session: h shows its past runs" }
            if lastStatus(of: name) != nil { return "\(name) has not run in this session" }
            return "\(name) has not run yet: Enter opens its form, Ctrl-S starts it"
        case .type(let i):
            return runs.contains { $0.request.type == types[i].type } ? nil : "no run of \(types[i].configuration.title) yet"
        case .destination:
            return "v views a source's latest run: select a source"
        }
    }

    /// Why `r` on the list cannot retry `src`: its run in this session says, else a failed or
    /// cancelled run of an earlier session resumes from the state saved on disk.
    private func retryRefusal(_ src: SavedSource) -> String? {
        if let id = latestRun[src.name], let r = run(id) { return r.retryRefusal }
        if retryRequestFromFile(src) != nil { return nil }
        if lastStatus(of: src.name) == .done { return "the last run of \(src.name) completed: Enter opens its form, Ctrl-S runs it again" }
        return "\(src.name) has no run to retry in this session: Enter opens its form, Ctrl-S starts it"
    }

    /// The run that `r` on the list starts for `src` when it ran in an earlier session and
    /// failed or was cancelled: from the state saved on disk (nil when it cannot).
    package func retryRequestFromFile(_ src: SavedSource) -> RunRequest? {
        guard src.lastStatus == .failed || src.lastStatus == .cancelled, let info = typeInfo(src.type),
            case .success(let params) = info.configuration.validateAllowingReferences(src.values)
        else { return nil }
        return RunRequest(
            id: nextRunID, sourceName: src.name, type: src.type, params: params,
            table: src.table.isEmpty ? src.type : src.table, state: nil, attempt: 2, resumeFromFile: true)
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
