import PanoplyKit

extension AppState {
    /// `action`: what the key does here (``binding(for:)``), already known to apply now.
    package mutating func handleListKey(_ action: KeyAction?) -> [Effect] {
        let entries = listEntries
        selection = min(max(0, selection), entries.count - 1)
        switch action {
        case .up: selection = max(0, selection - 1)
        case .down: selection = min(entries.count - 1, selection + 1)
        case .top: selection = 0
        case .bottom: selection = entries.count - 1
        case .pageUp: selection = max(0, selection - 10)
        case .pageDown: selection = min(entries.count - 1, selection + 10)
        case .open: return openSelected(entries[selection])
        case .destination: screen = .form(DestinationForm.form(destination))
        case .viewRun: viewLatestRun(entries[selection])
        case .retry: return retrySelected(entries[selection])
        case .delete: return deleteSelected(entries[selection])
        case .rename: renameSelected(entries[selection])
        case .duplicate: return duplicateSelected(entries[selection])
        case .history:
            openHistory(entries[selection])
            if case .saved(let i) = entries[selection], case .history = screen { return markSchemaSeen(i) }
        case .fullRefresh: return fullRefreshSelected(entries[selection])
        case .help: overlay = .help
        case .quit: return askToQuit()
        default: break
        }
        return []
    }

    private mutating func openSelected(_ entry: ListEntry) -> [Effect] {
        switch entry {
        case .saved(let i):
            let s = saved[i]
            // A source running in this UI opens its run (a `c` typed there cancels, not edits).
            if isRunning(s.name), let id = latestRun[s.name] {
                screen = .run(id)
                return []
            }
            guard let info = typeInfo(s.type) else {
                notice = "source type '\(s.type)' is not available in this build"
                return []
            }
            screen = .form(.source(info, values: s.values, table: s.table, savedName: s.name, fields: s.fields))
            // Its last run's schema changes count as seen (the list's mark goes).
            return markSchemaSeen(i)
        case .type(let i):
            screen = .form(
                .source(
                    types[i], values: [:], table: "", savedName: nil,
                    defaultName: uniqueSavedName(types[i].configuration.title)))
        case .destination:
            screen = .form(DestinationForm.form(destination))
        }
        return []
    }

    /// `v` (``KeyCondition/selectionHasRun`` holds): the latest run of the selected row.
    private mutating func viewLatestRun(_ entry: ListEntry) {
        switch entry {
        case .saved(let i): if let id = latestRun[saved[i].name] { screen = .run(id) }
        case .type(let i): if let r = runs.last(where: { $0.request.type == types[i].type }) { screen = .run(r.id) }
        case .destination: break
        }
    }

    /// `r` (``KeyCondition/selectionRetryable`` holds): the run of this session again, else
    /// the failed or cancelled run of an earlier one, from the state saved on disk.
    private mutating func retrySelected(_ entry: ListEntry) -> [Effect] {
        guard case .saved(let i) = entry else { return [] }
        let src = saved[i]
        if let id = latestRun[src.name] { return retry(id) }
        guard let request = retryRequestFromFile(src) else { return [] }
        return startRun(request, title: src.name)
    }

    /// `x` (``KeyCondition/selectionDeletable`` holds): asks before deleting (the answer is
    /// ``answerDeleteQuestion(_:_:name:)``).
    private mutating func deleteSelected(_ entry: ListEntry) -> [Effect] {
        if case .saved(let i) = entry { overlay = .confirmDelete(saved[i].name) }
        return []
    }
}
