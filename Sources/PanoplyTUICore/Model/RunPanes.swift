import PanoplyKit

/// The run view's two panes for one run at one terminal size: where the committed-state
/// box and the log box go and which lines each holds. The reducer takes its scroll limits
/// from it and the renderer draws it, so both always agree.
package struct RunPanes: Sendable, Equatable {
    package let width: Int
    package let height: Int
    /// The merged committed state as indented JSON, secrets masked.
    package let stateLines: [String]
    /// The log lines the filter lets through, as shown: a line longer than the pane is
    /// wrapped onto the rows below it, indented past its time.
    package let logLines: [String]
    /// The level of each of `logLines`.
    package let logLevels: [LogLevel]
    /// Rows in the resources table (0: the run reports no resources).
    package let resourceCount: Int
    /// A failed run's error with what to do next, wrapped onto up to 3 header rows.
    package let errorRows: [String]

    package init(width: Int, height: Int, run r: RunState) {
        self.width = width
        self.height = height
        stateLines = JSONPretty.lines(.object(SavedParams.masked(r.committed)))
        var lines: [String] = [], levels: [LogLevel] = []
        let inner = max(10, width - max(24, width / 3) - 3)
        for line in r.visibleLogLines {
            let rows = Self.wrapLogLine(r.shown(line), width: inner)
            lines += rows
            levels += Array(repeating: line.level, count: rows.count)
        }
        logLines = lines
        logLevels = levels
        resourceCount = r.resources.count
        errorRows = Self.errorRows(r, width: width)
    }

    /// " ✗ error  · r retries" (or "· e edits the source" for an error no retry fixes),
    /// wrapped at `width`: at most 3 rows, the last cut with … when it is longer.
    static func errorRows(_ r: RunState, width: Int) -> [String] {
        guard r.status == .failed, let error = r.error else { return [] }
        // Non-breaking spaces keep what to do on one row.
        let action = (FormCheck.needsEdit(r.errorCategory) ? "· e edits the source" : "· r retries")
            .replacingOccurrences(of: " ", with: "\u{00A0}")
        let inner = max(20, width - 4)
        var rows = wrapped(error + " " + action, width: inner)
        if rows.count > 3 {
            // Cut the error, never what to do about it.
            rows = Array(wrapped(error, width: inner).prefix(3))
            rows[2] = String(rows[2].prefix(max(0, inner - action.count - 3))) + " … " + action
        }
        return rows.enumerated().map { n, row in
            (n == 0 ? " ✗ " : "   ") + row.replacingOccurrences(of: "\u{00A0}", with: " ")
        }
    }

    /// Header rows the error takes beyond the one the message line has.
    package var extraHeaderRows: Int { max(0, errorRows.count - 1) }

    /// `[00:05] text` in rows of at most `width` columns; the rows after the first are
    /// indented to the text's start.
    package static func wrapLogLine(_ line: String, width: Int) -> [String] {
        guard line.displayWidth > width else { return [line] }
        var indent = 0
        if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
            indent = line.distance(from: line.startIndex, to: close) + 2
        }
        if indent > width / 2 { indent = 0 }
        let head = String(line.prefix(indent)), body = String(line.dropFirst(indent))
        let pad = String(repeating: " ", count: indent)
        var rows = wrapped(body, width: width - indent)
        guard !rows.isEmpty else { return [line.truncated(to: width)] }
        rows[0] = head + rows[0]
        for i in rows.indices.dropFirst() { rows[i] = pad + rows[i] }
        return rows
    }

    /// The resources table's title row (its rows follow); it takes the blank row above the
    /// panes and as many rows as it has, up to a third of what is left.
    package var tableY: Int { 5 + extraHeaderRows }
    package var tableRows: Int { min(resourceCount, max(2, (height - 8 - extraHeaderRows) / 3)) }
    /// The last first-row of the resources table that still fills it.
    package var bottomResourcesTop: Int { max(0, resourceCount - tableRows) }

    /// First row of the state and log boxes.
    package var paneTop: Int { 6 + extraHeaderRows + tableRows }
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
