import PanoplyKit

extension AppState {
    package mutating func handleListKey(_ key: Key) -> [Effect] {
        let entries = listEntries
        selection = min(max(0, selection), entries.count - 1)
        switch KeyMap.action(for: key, in: [.list]) {
        case .up: selection = max(0, selection - 1)
        case .down: selection = min(entries.count - 1, selection + 1)
        case .top: selection = 0
        case .bottom: selection = entries.count - 1
        case .pageUp: selection = max(0, selection - 10)
        case .pageDown: selection = min(entries.count - 1, selection + 10)
        case .open: openSelected(entries[selection])
        case .destination: screen = .form(DestinationForm.form(destination))
        case .viewRun: viewLatestRun(entries[selection])
        case .retry: return retrySelected(entries[selection])
        case .delete: return deleteSelected(entries[selection])
        case .rename: renameSelected(entries[selection])
        case .duplicate: return duplicateSelected(entries[selection])
        case .history: openHistory(entries[selection])
        case .fullRefresh: return fullRefreshSelected(entries[selection])
        case .help: overlay = .help
        case .quit: return askToQuit()
        default: break
        }
        return []
    }

    private mutating func openSelected(_ entry: ListEntry) {
        switch entry {
        case .saved(let i):
            let s = saved[i]
            // A source running in this UI opens its run (a `c` typed there cancels, not edits).
            if isRunning(s.name), let id = latestRun[s.name] {
                screen = .run(id)
                return
            }
            guard let info = typeInfo(s.type) else {
                notice = "source type '\(s.type)' is not available in this build"
                return
            }
            screen = .form(.source(info, values: s.values, table: s.table, savedName: s.name))
        case .type(let i):
            screen = .form(
                .source(
                    types[i], values: [:], table: "", savedName: nil,
                    defaultName: uniqueSavedName(types[i].configuration.title)))
        case .destination:
            screen = .form(DestinationForm.form(destination))
        }
    }

    private mutating func viewLatestRun(_ entry: ListEntry) {
        switch entry {
        case .saved(let i):
            if let id = latestRun[saved[i].name] {
                screen = .run(id)
            } else {
                notice = "\(saved[i].name) has not run yet: Enter opens its form, Ctrl-S starts it"
            }
        case .type(let i):
            if let r = runs.last(where: { $0.request.type == types[i].type }) {
                screen = .run(r.id)
            } else {
                notice = "no run of \(types[i].configuration.title) yet"
            }
        case .destination:
            break
        }
    }

    private mutating func retrySelected(_ entry: ListEntry) -> [Effect] {
        guard case .saved(let i) = entry else { return [] }
        let src = saved[i]
        if let id = latestRun[src.name] { return retry(id) }
        if src.lastStatus == .failed || src.lastStatus == .cancelled, let info = typeInfo(src.type),
            case .success(let params) = info.configuration.validateAllowingReferences(src.values)
        {
            let request = RunRequest(
                id: nextRunID, sourceName: src.name, type: src.type, params: params,
                table: src.table.isEmpty ? src.type : src.table, state: nil, attempt: 2, resumeFromFile: true)
            return startRun(request, title: src.name)
        }
        notice = "\(saved[i].name) has no run to retry in this session: Enter opens its form, Ctrl-S starts it"
        return []
    }

    /// `x`: asks before deleting (the answer is ``answerDeleteQuestion(_:_:name:)``).
    private mutating func deleteSelected(_ entry: ListEntry) -> [Effect] {
        guard case .saved(let i) = entry else {
            notice = "only saved sources can be deleted"
            return []
        }
        let name = saved[i].name
        if let id = latestRun[name], run(id)?.status == .running {
            notice = "\(name) is running: cancel it first"
            return []
        }
        overlay = .confirmDelete(name)
        return []
    }
}
