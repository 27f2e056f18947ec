import PanoplyKit

extension AppState {
    /// `action`: what the key does here (``binding(for:)``), already known to apply now.
    package mutating func handleRunKey(_ key: Key, _ action: KeyAction?, _ id: RunID) -> [Effect] {
        guard let r = run(id) else {
            screen = .list
            return []
        }
        if r.editingFilter { return editFilter(key, action, id) }
        let panes = RunPanes(width: width, height: height, run: r)
        switch action {
        case .back: screen = .list
        case .cancelRun: overlay = .confirmCancel(id)
        case .retry: return retry(id)
        case .edit: editFailedRun(id)
        case .filter: updateRun(id) { $0.editingFilter = true }
        case .toggleTime: updateRun(id) { $0.absoluteTimes.toggle() }
        case .problemsOnly:
            updateRun(id) {
                $0.problemsOnly.toggle(); $0.logTop = 0
            }
        case .togglePane: updateRun(id) { $0.nextPane(panes) }
        case .follow:
            updateRun(id) { r in
                r.follow.toggle(); if !r.follow { r.logTop = panes.bottomLogTop }
            }
        case .up: scroll(id, by: -1, panes)
        case .down: scroll(id, by: 1, panes)
        case .pageUp: scroll(id, by: -max(1, panes.paneRows - 1), panes)
        case .pageDown: scroll(id, by: max(1, panes.paneRows - 1), panes)
        case .top: scroll(id, by: -1_000_000_000, panes)
        case .bottom: scroll(id, by: 1_000_000_000, panes)
        case .help: overlay = .help
        case .quit: return askToQuit()
        default: break
        }
        return []
    }

    private mutating func editFilter(_ key: Key, _ action: KeyAction?, _ id: RunID) -> [Effect] {
        updateRun(id) { r in
            switch action {
            case .applyFilter: r.editingFilter = false
            case .clearFilter:
                r.editingFilter = false
                r.filter = ""
            case .filterBackspace: if !r.filter.isEmpty { r.filter.removeLast() }
            case .filterClearText: r.filter = ""
            default: if case .char(let c) = key { r.filter.append(c) }
            }
            r.logTop = 0
        }
        return []
    }

    private mutating func scroll(_ id: RunID, by delta: Int, _ panes: RunPanes) {
        updateRun(id) { r in
            switch r.pane {
            case .resources:
                r.resourcesTop = min(panes.bottomResourcesTop, max(0, panes.resourcesTop(r) + delta))
            case .state:
                r.stateTop = min(panes.bottomStateTop, max(0, r.stateTop + delta))
            case .log:
                let bottom = panes.bottomLogTop
                let from = panes.logTop(r)
                r.logTop = min(bottom, max(0, from + delta))
                // Scrolling to the end follows new lines again.
                r.follow = r.logTop >= bottom && delta > 0
            }
        }
    }

    /// Starts a failed or cancelled run again from its committed state.
    package mutating func retry(_ id: RunID) -> [Effect] {
        guard let r = run(id) else { return [] }
        if let refusal = r.retryRefusal {
            notice = refusal
            return []
        }
        var request = r.request
        request.id = nextRunID
        request.state = r.isExternal ? nil : r.committed  // a run owned elsewhere: from the state on disk
        request.attempt = r.isExternal ? 1 : r.request.attempt + 1
        let effects = startRun(request, title: r.title)
        let now = self.now
        updateRun(request.id) { $0.continueRun(r, now: now) }
        return effects
    }
}

extension RunState {
    /// Tab: log, state, then the resources table when it has more rows than it shows.
    package mutating func nextPane(_ panes: RunPanes) {
        switch pane {
        case .log: pane = .state
        case .state:
            let scrolls = panes.bottomResourcesTop > 0
            if scrolls { resourcesTop = panes.resourcesTop(self) }
            pane = scrolls ? .resources : .log
        case .resources: pane = .log
        }
    }

    /// Takes a rate sample at most once a second.
    package mutating func sample(now: Double) {
        guard status == .running else { return }
        for i in resources.indices { resources[i].sample(now: now) }
        guard let at = sampleAt else {
            sampleAt = now
            sampleLoaded = counters.records
            return
        }
        guard now - at >= 1 else { return }
        let instant = Double(counters.records - sampleLoaded) / (now - at)
        rate = rate.map { 0.5 * $0 + 0.5 * instant } ?? instant
        sampleAt = now
        sampleLoaded = counters.records
    }
}
