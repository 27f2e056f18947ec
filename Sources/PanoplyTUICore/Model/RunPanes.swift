import PanoplyKit

/// The run view's two panes for one run at one terminal size: where the committed-state
/// box and the log box go and which lines each holds. The reducer takes its scroll limits
/// from it and the renderer draws it, so both always agree.
package struct RunPanes: Sendable, Equatable {
    package let width: Int
    package let height: Int
    /// The merged committed state as indented JSON, secrets masked.
    package let stateLines: [String]
    /// The log lines the filter lets through.
    package let logLines: [String]
    /// The level of each of `logLines`.
    package let logLevels: [LogLevel]
    /// Rows in the resources table (0: the run reports no resources).
    package let resourceCount: Int

    package init(width: Int, height: Int, run r: RunState) {
        self.width = width
        self.height = height
        stateLines = JSONPretty.lines(.object(SavedParams.masked(r.committed)))
        let shown = r.visibleLogLines
        logLines = shown.map(r.shown)
        logLevels = shown.map(\.level)
        resourceCount = r.resources.count
    }

    /// The resources table's title row (its rows follow); it takes the blank row above the
    /// panes and as many rows as it has, up to a third of what is left.
    package var tableY: Int { 5 }
    package var tableRows: Int { min(resourceCount, max(2, (height - 8) / 3)) }
    /// The last first-row of the resources table that still fills it.
    package var bottomResourcesTop: Int { max(0, resourceCount - tableRows) }

    /// First row of the state and log boxes.
    package var paneTop: Int { 6 + tableRows }
    /// Rows of the boxes, borders included (the notice line and help bar stay below).
    package var paneHeight: Int { max(3, height - 2 - paneTop) }
    /// Text rows inside a box.
    package var paneRows: Int { paneHeight - 2 }
    package var stateWidth: Int { max(24, width / 3) }
    package var logX: Int { stateWidth }
    package var logWidth: Int { width - stateWidth }

    /// The last first-line of the state pane that still fills it.
    package var bottomStateTop: Int { max(0, stateLines.count - paneRows) }
    /// The log's first line when showing its end.
    package var bottomLogTop: Int { max(0, logLines.count - paneRows) }

    /// The first state line shown for `r`'s scroll position.
    package func stateTop(_ r: RunState) -> Int { min(r.stateTop, bottomStateTop) }

    /// The first resources row shown: `r`'s position while the table has the focus, else
    /// a window that keeps the resource being read (or the first failed one) in view.
    package func resourcesTop(_ r: RunState) -> Int {
        if r.pane == .resources { return min(r.resourcesTop, bottomResourcesTop) }
        let statuses = r.resources.map(\.status)
        var active = 0
        for wanted: ResourceStatus in [.waiting, .failed, .reading] {
            if let i = statuses.firstIndex(of: wanted) { active = i }
        }
        return min(bottomResourcesTop, max(0, active - 1))
    }

    /// The first log line shown: the end while following, else `r`'s position.
    package func logTop(_ r: RunState) -> Int { r.follow ? bottomLogTop : min(r.logTop, bottomLogTop) }
}
