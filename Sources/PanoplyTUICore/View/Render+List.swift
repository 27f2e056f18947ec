import PanoplyKit
import PanoplyWorkspace

/// A row of the list screen: a section title or an entry.
private enum ListRow {
    case section(String)
    case note(String)
    case entry(ListEntry, index: Int)
}

package func renderList(_ state: AppState, _ s: inout Screen) {
    var rows: [ListRow] = [.section("Saved sources")]
    if state.saved.isEmpty { rows.append(.note("None yet: pick a source type below, press Enter, fill in the form, Ctrl-S.")) }
    let entries = state.listEntries
    for (i, e) in entries.enumerated() {
        if case .type(0) = e { rows.append(.section("New source")) }
        if case .destination = e { rows.append(.section("Destination")) }
        rows.append(.entry(e, index: i))
    }
    let top = 2, visible = s.height - 4
    let selectedRow =
        rows.firstIndex {
            if case .entry(_, let i) = $0 { return i == state.selection }; return false
        } ?? 0
    let first = max(0, min(selectedRow - visible / 2, rows.count - visible))
    for (n, row) in rows.dropFirst(first).prefix(visible).enumerated() {
        let y = top + n
        switch row {
        case .section(let title): s.put(" " + title, x: 0, y: y, style: .title)
        case .note(let text): s.put("   " + text, x: 0, y: y, style: .dim, maxWidth: s.width)
        case .entry(let e, let i): renderEntry(state, e, selected: i == state.selection, y: y, &s)
        }
    }
}

private func renderEntry(_ state: AppState, _ e: ListEntry, selected: Bool, y: Int, _ s: inout Screen) {
    let w = s.width
    let nameWidth = min(28, max(16, w / 4))
    var icon: (String, CellStyle) = ("", .plain)
    var name = "", detail = "", mark = ""
    switch e {
    case .saved(let i):
        let src = state.saved[i]
        let status = state.status(ofSaved: src)
        icon = statusIcon(status)
        name = src.name
        // The run first, so a narrow terminal cuts the type and table rather than the counts.
        let target = "\(src.type) → \(src.table.isEmpty ? src.type : src.table)"
        detail = lastRunSummary(state, src).map { $0 + "  " + target } ?? target
        // Until the source is opened (Enter, h), first so no width cuts it.
        if state.unseenSchemaChanges(of: src) != nil { mark = schemaChangedMark }
    case .type(let i):
        let t = state.types[i]
        // A type row is where new sources start: runs show on their saved sources' rows.
        icon = statusIcon(.idle)
        name = (t.configuration.icon.isEmpty ? "" : t.configuration.icon + " ") + t.configuration.title
        detail = t.configuration.summary.isEmpty ? t.type : t.configuration.summary
    case .destination:
        icon = ("⇢", .accent)
        name = state.destination.kind.rawValue
        detail = state.destination.displayName + "  (d or Enter to change)"
    }
    let base: CellStyle = selected ? .selected : .plain
    if selected { s.fill(x: 0, y: y, width: w, height: 1, style: base) }
    s.put(selected ? " ›" : "  ", x: 0, y: y, style: base)
    var iconStyle = icon.1
    if selected { iconStyle.bg = .white }
    s.put(icon.0, x: 3, y: y, style: iconStyle)
    s.put(name.padded(to: nameWidth), x: 5, y: y, style: selected ? CellStyle(fg: .black, bg: .white, bold: true) : .bold)
    var x = 6 + nameWidth
    if !mark.isEmpty {
        x = s.put(mark, x: x, y: y, style: selected ? CellStyle(fg: .black, bg: .yellow, bold: true) : .warn) + 2
    }
    s.put(detail.truncated(to: max(0, w - 1 - x)), x: x, y: y, style: selected ? base : .dim)
}

/// The list's marker of a saved source whose last run noted schema changes not seen yet.
package let schemaChangedMark = "schema changed"

/// A saved source's latest run in one format, whether it ran in this session or before:
/// `done · 100 delivered · today 15:39 · 2.5s`; a running one `running 45% · 1,200 records · 12s`.
package func lastRunSummary(_ state: AppState, _ src: SavedSource) -> String? {
    let now = state.epochOrigin + state.now
    func ended(_ status: RunStatus, delivered: Int, started: Double, seconds: Double) -> String {
        [
            status.rawValue, "\(Format.count(delivered)) delivered", Format.when(started, now: now, utcOffset: state.utcOffset),
            Format.span(seconds)
        ].joined(separator: " · ")
    }
    if let id = state.latestRun[src.name], let r = state.run(id) {
        guard r.status == .running else {
            return ended(
                r.status, delivered: r.counters.recordsDelivered, started: state.epochOrigin + r.startedAt,
                seconds: r.elapsed(now: state.now))
        }
        let head = "running" + (r.fraction.map { " " + Format.percent($0) } ?? "")
        let owner = r.owner.map { ["from \($0.origin), pid \($0.pid) on \($0.host)"] } ?? []
        return ([head, "\(Format.count(r.counters.records)) records", Format.span(r.elapsed(now: state.now))] + owner).joined(separator: " · ")
    }
    if let last = state.lastRecord(of: src.name) {
        return ended(last.status, delivered: last.delivered, started: last.started, seconds: last.seconds)
    }
    let status = state.status(ofSaved: src)
    return status == .idle ? nil : status.rawValue
}
