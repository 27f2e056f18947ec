import PanoplyKit

extension AppState {
    mutating func handleRunKey(_ key: Key, _ id: RunID) -> [Effect] {
        guard let r = run(id) else {
            screen = .list
            return []
        }
        if r.editingFilter { return editFilter(key, id) }
        let layout = RunLayout(width: width, height: height)
        switch key {
        case .escape: screen = .list
        case .char("c"):
            if r.status == .running, !r.cancelling { overlay = .confirmCancel(id) } else { notice = r.cancelling ? "already cancelling" : "the run is not running" }
        case .char("r"): return retry(id)
        case .char("/"): updateRun(id) { $0.editingFilter = true }
        case .tab, .backTab: updateRun(id) { $0.pane = $0.pane == .log ? .state : .log }
        case .char("f"): updateRun(id) { r in r.follow.toggle(); if !r.follow { r.logTop = r.bottomLogTop(layout) } }
        case .up, .char("k"): scroll(id, by: -1, layout)
        case .down, .char("j"): scroll(id, by: 1, layout)
        case .pageUp: scroll(id, by: -max(1, layout.paneRows - 1), layout)
        case .pageDown: scroll(id, by: max(1, layout.paneRows - 1), layout)
        case .home, .char("g"): scroll(id, by: -1_000_000_000, layout)
        case .end, .char("G"): scroll(id, by: 1_000_000_000, layout)
        case .char("?"): overlay = .help
        case .char("q"): return askToQuit()
        default: break
        }
        return []
    }

    private mutating func editFilter(_ key: Key, _ id: RunID) -> [Effect] {
        updateRun(id) { r in
            switch key {
            case .enter: r.editingFilter = false
            case .escape:
                r.editingFilter = false
                r.filter = ""
            case .backspace: if !r.filter.isEmpty { r.filter.removeLast() }
            case .ctrl("u"): r.filter = ""
            case .char(let c): r.filter.append(c)
            default: break
            }
            r.logTop = 0
        }
        return []
    }

    private mutating func scroll(_ id: RunID, by delta: Int, _ layout: RunLayout) {
        updateRun(id) { r in
            switch r.pane {
            case .state:
                let lines = JSONPretty.lines(.object(SavedParams.masked(r.committed))).count
                r.stateTop = min(max(0, lines - layout.paneRows), max(0, r.stateTop + delta))
            case .log:
                let bottom = r.bottomLogTop(layout)
                let from = r.follow ? bottom : min(r.logTop, bottom)
                r.logTop = min(bottom, max(0, from + delta))
                // Scrolling to the end follows new lines again.
                r.follow = r.logTop >= bottom && delta > 0
            }
        }
    }

    /// Starts a failed or cancelled run again from its committed state.
    mutating func retry(_ id: RunID) -> [Effect] {
        guard let r = run(id) else { return [] }
        switch r.status {
        case .running, .idle:
            notice = "the run is still going: cancel it (c) before retrying"
            return []
        case .done:
            notice = "the run completed: open its form (Enter on the list) and Ctrl-S to run it again"
            return []
        case .failed, .cancelled:
            var request = r.request
            request.id = nextRunID
            request.state = r.committed
            request.attempt = r.request.attempt + 1
            return startRun(request, title: r.title)
        }
    }
}

extension RunState {
    /// `[mm:ss] ` since the run started.
    func stamp(now: Double) -> String { "[\(Format.clock(max(0, now - startedAt)))] " }

    /// The log's first line when showing its end.
    func bottomLogTop(_ layout: RunLayout) -> Int { max(0, visibleLog.count - layout.paneRows) }

    /// Takes a rate sample at most once a second.
    mutating func sample(now: Double) {
        guard status == .running else { return }
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
