import PanoplyKit

package func renderRun(_ state: AppState, _ r: RunState, _ s: inout Screen) {
    let w = s.width
    // Title and status.
    let (icon, iconStyle) = statusIcon(r.status)
    let statusText = (r.cancelling && r.status == .running ? "cancelling" : r.status.rawValue) + "  " + Format.clock(r.elapsed(now: state.now)) + " "
    let room = w - statusText.count - 4
    var x = s.put(" " + r.title, x: 0, y: 1, style: .title, maxWidth: room)
    let owner = r.owner.map { "  from \($0.origin), pid \($0.pid) on \($0.host)" } ?? "  attempt \(r.request.attempt)"
    let target = "  \(r.request.type) → \(r.destinationLabel)" + owner
    x = s.put(target.truncated(to: max(0, room - x)), x: x, y: 1, style: .dim)
    s.put(icon + " " + statusText, x: w - statusText.count - 2, y: 1, style: iconStyle)

    // Progress bar, percent, rate, ETA.
    let approx = r.status != .done && r.overall?.estimated == true ? "≈" : ""
    var suffix = "  " + (r.fraction.map { approx + Format.percent($0) } ?? "  --  ")
    suffix += "  " + (r.shownRate.map { "\(Format.count(Int($0.rounded()))) rec/s" } ?? "-- rec/s")
    if let eta = r.eta { suffix += "  ETA " + Format.clock(eta) } else if r.status == .running { suffix += "  ETA --:--" }
    let barWidth = max(10, w - 4 - suffix.displayWidth)
    let (filled, empty) = Format.bar(r.fraction ?? 0, width: barWidth)
    s.put("▕", x: 1, y: 2, style: .dim)
    let barStyle: CellStyle = r.status == .failed ? .error : r.status == .done ? .ok : .accent
    let bx = s.put(filled, x: 2, y: 2, style: barStyle)
    s.put(empty, x: bx, y: 2, style: .plain)
    s.put("▏", x: 2 + barWidth, y: 2, style: .dim)
    s.put(suffix, x: 3 + barWidth, y: 2, style: .bold, maxWidth: w - 3 - barWidth)

    // Message, or the error (wrapped onto up to 3 rows).
    let layout = RunPanes(width: w, height: s.height, run: r)
    if layout.errorRows.isEmpty {
        s.put(" " + r.message, x: 0, y: 3, style: .plain, maxWidth: w)
    }
    for (i, row) in layout.errorRows.enumerated() { s.put(row, x: 0, y: 3 + i, style: .error, maxWidth: w) }

    // Counters.
    let y = 4 + layout.extraHeaderRows
    let c = r.counters
    let counters: [(String, String)] = [
        ("records", Format.count(c.records)), ("send", Format.count(c.sends)),
        ("flush", Format.count(c.messages)), ("error", Format.count(c.errors)),
        ("retries", Format.count(c.retries)), ("bytes", Format.bytes(c.bytes))
    ]
    x = 1
    for (name, value) in counters {
        x = s.put(name + " ", x: x, y: y, style: .dim)
        x = s.put(value + "   ", x: x, y: y, style: c.errors > 0 && name == "error" ? .error : .bold)
    }
    renderResources(r, layout, &s)
    renderPanes(r, &s)
}

private func renderPanes(_ r: RunState, _ s: inout Screen) {
    let layout = RunPanes(width: s.width, height: s.height, run: r)
    let rows = layout.paneRows

    // Merged state.
    let stateLines = layout.stateLines
    let stateTop = layout.stateTop(r)
    let focusStyle = CellStyle(fg: .cyan, bold: true)
    s.box(
        x: 0, y: layout.paneTop, width: layout.stateWidth, height: layout.paneHeight, title: "Committed state",
        style: r.pane == .state ? focusStyle : .dim, titleStyle: r.pane == .state ? focusStyle : .bold)
    for (i, line) in stateLines.dropFirst(stateTop).prefix(rows).enumerated() {
        s.put(line, x: 2, y: layout.paneTop + 1 + i, maxWidth: layout.stateWidth - 3)
    }

    // Log.
    let lines = layout.logLines
    let top = layout.logTop(r)
    var title = "Log"
    if !r.filter.isEmpty || r.editingFilter { title += " /\(r.filter)" }
    if r.problemsOnly { title += " · warnings and errors" }
    title += r.follow ? " · following" : " · \(top + 1)-\(min(lines.count, top + rows)) of \(lines.count)"
    s.box(
        x: layout.logX, y: layout.paneTop, width: layout.logWidth, height: layout.paneHeight, title: title,
        style: r.pane == .log ? focusStyle : .dim, titleStyle: r.pane == .log ? focusStyle : .bold)
    for (i, line) in lines.dropFirst(top).prefix(rows).enumerated() {
        let level = layout.logLevels[top + i]
        let style: CellStyle = level == .error ? .error : level == .warn ? .warn : .plain
        s.put(line, x: layout.logX + 2, y: layout.paneTop + 1 + i, style: style, maxWidth: layout.logWidth - 3)
    }
    if lines.isEmpty, !r.filter.isEmpty || r.problemsOnly {
        s.put(
            r.filter.isEmpty ? "no warnings or errors" : "no line matches '\(r.filter)'", x: layout.logX + 2, y: layout.paneTop + 1, style: .dim,
            maxWidth: layout.logWidth - 3)
    }
    if r.editingFilter {
        let y = s.height - 2
        s.fill(x: 0, y: y, width: s.width, height: 1)
        let end = s.put(" filter log: " + r.filter, x: 0, y: y, style: .bold, maxWidth: s.width - 1)
        s.put("▏", x: end, y: y, style: .accent)
    }
}
