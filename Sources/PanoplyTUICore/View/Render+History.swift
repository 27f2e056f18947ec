import PanoplyKit
import PanoplyWorkspace

/// The `h` screen: a saved source's runs as a table, or one run's summary and log tail.
package func renderHistory(_ state: AppState, _ h: HistoryScreen, _ s: inout Screen) {
    let runs = state.runHistory(of: h.source)
    if h.detail, runs.indices.contains(h.selection) {
        renderHistoryDetail(state, h.source, runs[h.selection], &s)
        return
    }
    let w = s.width
    s.put(" History · \(h.source)", x: 0, y: 2, style: .title, maxWidth: w)
    let kept = "\(runs.count) \(runs.count == 1 ? "run" : "runs") (the last \(RunRecord.keptRuns) are kept) "
    if kept.count + h.source.count + 14 < w { s.put(kept, x: w - kept.count, y: 2, style: .dim) }
    guard !runs.isEmpty else {
        s.put("   No run recorded yet: Esc, then Enter and Ctrl-S to run it (or `panoply run --saved`).", x: 0, y: 4, style: .dim, maxWidth: w)
        return
    }
    let header = "Started              Duration  Status       Delivered  From"
    s.put("   " + header, x: 0, y: 4, style: .bold, maxWidth: w)
    let top = 5, visible = s.height - top - 2
    let first = max(0, min(h.selection - visible / 2, runs.count - visible))
    for (n, r) in runs.dropFirst(first).prefix(visible).enumerated() {
        let i = first + n, y = top + n
        let selected = i == h.selection
        let base: CellStyle = selected ? .selected : .plain
        if selected { s.fill(x: 0, y: y, width: w, height: 1, style: base) }
        s.put(selected ? " ›" : "  ", x: 0, y: y, style: base)
        var x = s.put(" " + Format.dateTime(r.started, utcOffset: state.utcOffset).padded(to: 21), x: 2, y: y, style: base)
        x = s.put(Format.clock(r.seconds).padded(to: 10), x: x, y: y, style: base)
        var (icon, iconStyle) = statusIcon(r.status)
        if selected { iconStyle.bg = .white }
        x = s.put(icon + " ", x: x, y: y, style: iconStyle)
        x = s.put(r.status.rawValue.padded(to: 11), x: x, y: y, style: base)
        let delivered = Format.count(r.delivered)
        x = s.put(String(repeating: " ", count: max(0, 9 - delivered.count)) + delivered + "  ", x: x, y: y, style: base)
        x = s.put(r.origin.padded(to: 5), x: x, y: y, style: base)
        if let e = r.error {
            s.put(e, x: x + 1, y: y, style: selected ? base : .error, maxWidth: w - x - 2)
        } else if r.attempt > 1 {
            // A retried run shows once, with every attempt counted (Enter lists them).
            s.put("\(r.attempt) attempts", x: x + 1, y: y, style: selected ? base : .dim, maxWidth: w - x - 2)
        }
    }
}

private func renderHistoryDetail(_ state: AppState, _ source: String, _ r: RunRecord, _ s: inout Screen) {
    let w = s.width
    let started = Format.dateTime(r.started, utcOffset: state.utcOffset)
    s.put(" \(source) · run of \(started)", x: 0, y: 2, style: .title, maxWidth: w)
    let (icon, iconStyle) = statusIcon(r.status)
    var x = s.put(" " + icon + " " + r.status.rawValue, x: 0, y: 3, style: iconStyle)
    s.put(
        "  attempt \(r.attempt) · from \(r.origin) · ended \(Format.dateTime(r.ended, utcOffset: state.utcOffset)) · took \(Format.clock(r.seconds))",
        x: x, y: 3, style: .dim, maxWidth: w - x)
    let counters: [(String, Int)] = [
        ("read", r.recordsRead), ("delivered", r.delivered), ("messages", r.messages),
        ("errors", r.errors), ("retries", r.retries)
    ]
    x = 1
    for (name, value) in counters {
        x = s.put(name + " ", x: x, y: 4, style: .dim)
        x = s.put(Format.count(value) + "   ", x: x, y: 4, style: name == "errors" && value > 0 ? .error : .bold)
    }
    var top = 5
    if let e = r.error {
        s.put(" ✗ " + e, x: 0, y: 5, style: .error, maxWidth: w)
        top = 6
    }
    if let fields = r.fields, !fields.isEmpty {
        s.put(" fields · " + fields.described, x: 0, y: top, style: .dim, maxWidth: w)
        top += 1
    }
    renderHistorySchemaChanges(r.schemaChanges ?? [], top: &top, &s)
    // The attempts a retry continued, each with how it ended.
    for a in state.earlierAttempts(of: r, in: source).prefix(3) where top < s.height - 6 {
        let how = a.error.map { "✗ \(a.status.rawValue): \($0)" } ?? a.status.rawValue
        s.put(" attempt \(a.attempt) (\(Format.clock(a.seconds))): \(how)", x: 0, y: top, style: a.error == nil ? .dim : .warn, maxWidth: w)
        top += 1
    }
    if let tally = r.resources { renderHistoryResources(tally, top: &top, &s) }
    let height = s.height - top - 2
    guard height >= 3 else { return }
    let rows = height - 2
    let shown = r.log.suffix(rows)
    s.box(x: 0, y: top, width: w, height: height, title: "Log · last \(shown.count) of \(r.log.count) kept lines", style: .dim)
    for (i, line) in shown.enumerated() {
        let level = LogLevel.of(String(line.drop { $0 != "]" }.dropFirst().drop { $0 == " " }))
        let style: CellStyle = level == .error ? .error : level == .warn ? .warn : .plain
        s.put(line, x: 2, y: top + 1 + i, style: style, maxWidth: w - 3)
    }
}

/// The fields its resources added, removed or retyped since the last successful run (the
/// list marks the source for them): a few rows in the warn style, leaving room for the log.
private func renderHistorySchemaChanges(_ changes: [String], top: inout Int, _ s: inout Screen) {
    let room = max(0, s.height - 8 - top)
    let shown = changes.prefix(changes.count > room ? max(0, room - 1) : room)
    for change in shown {
        s.put(" schema changed · " + compactSchemaChange(change), x: 0, y: top, style: .warn, maxWidth: s.width)
        top += 1
    }
    if changes.count > shown.count, room > 0 {
        s.put(" schema changed · \(changes.count - shown.count) more resources (the log has them)", x: 0, y: top, style: .dim, maxWidth: s.width)
        top += 1
    }
}

/// "warning: the fields of orders changed since the last successful run: added email (string)"
/// as "orders: added email (string)" (a source read as one: "added email (string)").
private func compactSchemaChange(_ warning: String) -> String {
    let marker = " changed since the last successful run: "
    guard let r = warning.range(of: marker) else { return warning }
    let head = warning[..<r.lowerBound], what = String(warning[r.upperBound...])
    let prefix = "warning: the fields of "
    return head.hasPrefix(prefix) ? head.dropFirst(prefix.count) + ": " + what : what
}

/// A run of several resources: its counts on one row, then a few of the failed ones with
/// their errors, leaving room for the log box.
private func renderHistoryResources(_ t: ResourceTally, top: inout Int, _ s: inout Screen) {
    guard top < s.height - 6 else { return }
    s.put(" " + t.summary, x: 0, y: top, style: t.failed > 0 ? .warn : .dim, maxWidth: s.width)
    top += 1
    let room = max(0, s.height - 9 - top)
    let shown = t.failures.prefix(min(3, room))
    for f in shown {
        s.put("   ✗ \(f.id): \(f.error ?? "failed")", x: 0, y: top, style: .error, maxWidth: s.width)
        top += 1
    }
    if t.failed > shown.count, room > shown.count {
        s.put("   … \(Format.count(t.failed - shown.count)) more failed", x: 0, y: top, style: .dim, maxWidth: s.width)
        top += 1
    }
}

extension FieldSettings {
    /// "public.users: ssn excluded, email hashed, fullname → name · public.orders: ...".
    package var described: String {
        resources.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { id, f in
            let parts =
                f.exclude.map { "\($0) excluded" } + f.hash.map { "\($0) hashed" } + f.rename.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }
            return (id == FieldSettings.anyResource ? "" : id + ": ") + parts.joined(separator: ", ")
        }.joined(separator: " · ")
    }
}
