import PanoplyKit

/// The spinner's frames, one per eighth of a second.
private let spinner = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

/// The picker over a form's `list` field: a box with the values and their checkboxes, the
/// filter, a note line, and (with room) the fields of the item under the cursor.
package func renderPicker(_ state: AppState, _ p: PickerState, _ s: inout Screen) {
    let l = PickerLayout(width: s.width, height: s.height, fieldsFocused: p.fieldsPane != nil)
    s.fill(x: 0, y: l.boxY, width: s.width, height: l.boxHeight)
    s.box(x: l.boxX, y: l.boxY, width: l.boxWidth, height: l.boxHeight, title: "Pick \(p.title)", style: .accent, titleStyle: .title)
    renderPickerSummary(p, l, &s)
    if case .failed(let message) = p.load {
        renderPickerError(p, message, l, &s)
    } else if let pane = p.fieldsPane {
        if l.hasSidePane { renderPickerList(p, l, &s) }
        renderFieldsPane(p, pane, l, &s)
    } else {
        renderPickerList(p, l, &s)
        if l.hasSidePane { renderPickerSide(p, l, &s) }
    }
    renderPickerMessage(state, p, l, &s)
    if let edit = p.fieldsPane?.rename { renderFieldRename(edit, resource: p.fieldsPane?.resource ?? "", &s) }
}

private func renderPickerSummary(_ p: PickerState, _ l: PickerLayout, _ s: inout Screen) {
    let listed = p.items.filter { !$0.missing }.count
    var text = p.load == .loaded ? "\(listed) listed · \(p.picked.count) picked" : "\(p.picked.count) picked"
    if !p.filter.isEmpty, !p.editingFilter { text += " · \(p.shown.count) match" }
    let x = s.put(text, x: l.listX, y: l.summaryY, style: .dim, maxWidth: l.listWidth)
    guard p.editingFilter || !p.filter.isEmpty else { return }
    let end = s.put("  /" + p.filter, x: x, y: l.summaryY, style: .bold, maxWidth: l.listX + l.listWidth - x)
    if p.editingFilter { s.put("▏", x: end, y: l.summaryY, style: .accent) }
}

private func renderPickerList(_ p: PickerState, _ l: PickerLayout, _ s: inout Screen) {
    let shown = p.shown
    if shown.isEmpty, !p.filter.isEmpty {
        s.put("nothing matches '\(p.filter)' (Esc clears the filter)", x: l.listX, y: l.listY, style: .dim, maxWidth: l.listWidth)
        return
    }
    let top = l.top(cursor: p.cursor, count: shown.count)
    for (n, index) in shown.dropFirst(top).prefix(l.listRows).enumerated() {
        let item = p.items[index]
        let y = l.listY + n
        let atCursor = top + n == p.cursor
        let box = p.picked.contains(item.value) ? "[x]" : item.disabled ? "[-]" : "[ ]"
        var style: CellStyle = item.disabled ? .dim : item.missing ? .warn : .plain
        if atCursor { style = item.disabled ? CellStyle(fg: .black, bg: .white, dim: true) : .selected }
        if atCursor { s.fill(x: l.listX, y: y, width: l.listWidth, height: 1, style: style) }
        var text = (atCursor ? "› " : "  ") + box + " " + item.name
        if item.disabled { text += "  (unavailable)" } else if item.missing { text += "  (not listed)" }
        // The source's estimate of the rows, right-aligned before the scroll arrows' column.
        let rows = p.resources[item.value]?.estimatedRows.map { "≈" + Format.count($0) } ?? ""
        let room = rows.isEmpty || l.listWidth < 30 ? l.listWidth : l.listWidth - rows.count - 3
        let end = s.put(text, x: l.listX, y: y, style: style, maxWidth: room)
        // What runs do to its fields ("2 excluded, 1 hashed").
        let summary = p.fieldsPane == nil ? p.fieldSettings(of: item.value).summary : ""
        if !summary.isEmpty { s.put("  " + summary, x: end, y: y, style: atCursor ? style : .dim, maxWidth: l.listX + room - end) }
        if room < l.listWidth { s.put(rows, x: l.listX + l.listWidth - 2 - rows.count, y: y, style: atCursor ? style : .dim) }
    }
    if top > 0 { s.put("↑", x: l.listX + l.listWidth - 1, y: l.listY, style: .dim) }
    if top + l.listRows < shown.count { s.put("↓", x: l.listX + l.listWidth - 1, y: l.listY + l.listRows - 1, style: .dim) }
}

private func renderPickerError(_ p: PickerState, _ message: String, _ l: PickerLayout, _ s: inout Screen) {
    let width = l.boxWidth - 4
    s.put("✗ Could not list \(p.title):", x: l.listX, y: l.listY, style: .error, maxWidth: width)
    for (n, line) in wrapped(message, width: width - 2).prefix(max(1, l.listRows - 3)).enumerated() {
        s.put(line, x: l.listX + 2, y: l.listY + 1 + n, style: .error, maxWidth: width - 2)
    }
}

private func renderPickerMessage(_ state: AppState, _ p: PickerState, _ l: PickerLayout, _ s: inout Screen) {
    let width = l.boxWidth - 4
    switch p.load {
    case .loading:
        let frame = spinner[Int(max(0, state.now - p.loadStartedAt) * 8) % spinner.count]
        s.put("\(frame) loading \(p.title) from the source… (Esc cancels)", x: l.listX, y: l.messageY, style: .accent, maxWidth: width)
    case .failed:
        s.put("r tries again · Esc leaves the field as it was", x: l.listX, y: l.messageY, style: .warn, maxWidth: width)
    case .loaded:
        if let m = p.message { s.put(m, x: l.listX, y: l.messageY, style: .warn, maxWidth: width) }
    }
}

/// `text` broken at spaces into lines of at most `width` columns (longer words cut).
package func wrapped(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
        if line.isEmpty {
            line = word
        } else if line.displayWidth + 1 + word.displayWidth <= width {
            line += " " + word
        } else {
            lines.append(line)
            line = word
        }
        while line.displayWidth > width, width > 0 {
            lines.append(String(line.prefix(width)))
            line = String(line.dropFirst(width))
        }
    }
    if !line.isEmpty { lines.append(line) }
    return lines
}
