import PanoplyKit

/// The side pane: the fields of the item under the cursor (as its resource lists them),
/// marked `#` when hashed and `✗` (dimmed) when excluded, once the resource has settings.
func renderPickerSide(_ p: PickerState, _ l: PickerLayout, _ s: inout Screen) {
    for y in l.summaryY..<l.messageY { s.put("│", x: l.sideX - 2, y: y, style: .dim) }
    guard let item = p.current else { return }
    let w = l.sideWidth
    guard let r = p.resources[item.value] else {
        let note = p.load == .loaded ? (item.missing ? "not listed by the source" : "no fields known") : ""
        s.put(item.name, x: l.sideX, y: l.summaryY, style: .bold, maxWidth: w)
        s.put(note, x: l.sideX, y: l.listY, style: .dim, maxWidth: w)
        return
    }
    var count = r.fields.count == 1 ? "1 field" : "\(r.fields.count) fields"
    if let rows = r.estimatedRows { count += " · ≈\(Format.count(rows)) rows" }
    s.put(r.title.truncated(to: max(4, w - count.count - 3)) + " · " + count, x: l.sideX, y: l.summaryY, style: .bold, maxWidth: w)
    var lines: [(String, CellStyle)] = []
    if !r.requires.isEmpty { lines.append(("requires " + r.requires.joined(separator: ", "), .warn)) }
    let settings = p.fieldSettings(of: r.id)
    let nameWidth = min(max(8, w / 2), (r.fields.map { $0.name.displayWidth }.max() ?? 8) + 1)
    for f in r.fields {
        let line = fieldLine(f, settings, nameWidth: nameWidth, marks: !settings.isEmpty)
        lines.append((line.0.truncated(to: w), line.1))
    }
    if lines.isEmpty { lines.append(("no fields", .dim)) }
    let rows = l.listRows
    for (n, line) in lines.prefix(rows).enumerated() {
        let more = n == rows - 1 && lines.count > rows
        s.put(more ? "… \(lines.count - rows + 1) more" : line.0, x: l.sideX, y: l.listY + n, style: more ? .dim : line.1, maxWidth: w)
    }
    // Where the keys of this pane are not in the help bar (a narrow terminal), the pane says them.
    if p.holdsResources, p.load == .loaded, !r.fields.isEmpty, lines.count < rows {
        s.put("Tab: fields · p: preview", x: l.sideX, y: l.listY + rows - 1, style: .dim, maxWidth: w)
    }
}

/// The fields pane with the focus (Tab): a cursor over the resource's fields; x, # and n
/// change the one under it.
func renderFieldsPane(_ p: PickerState, _ pane: FieldsPane, _ l: PickerLayout, _ s: inout Screen) {
    if l.hasSidePane {
        for y in l.summaryY..<l.messageY { s.put("│", x: l.sideX - 2, y: y, style: .accent) }
    }
    let w = l.sideWidth
    guard let r = p.resources[pane.resource] else { return }
    let settings = p.fieldSettings(of: r.id)
    let what = settings.isEmpty ? (r.fields.count == 1 ? "1 field" : "\(r.fields.count) fields") : settings.summary
    s.put(r.title + " · " + what, x: l.sideX, y: l.summaryY, style: .title, maxWidth: w)
    let nameWidth = min(max(8, (w - 2) / 2), (r.fields.map { $0.name.displayWidth }.max() ?? 8) + 1)
    let top = l.top(cursor: pane.cursor, count: r.fields.count)
    for (n, f) in r.fields.dropFirst(top).prefix(l.listRows).enumerated() {
        let y = l.listY + n
        let atCursor = top + n == pane.cursor
        var (text, style) = fieldLine(f, settings, nameWidth: nameWidth, marks: true)
        if atCursor {
            style = CellStyle(fg: .black, bg: .white, dim: style.dim)
            s.fill(x: l.sideX, y: y, width: w, height: 1, style: style)
        }
        s.put((atCursor ? "› " : "  ") + text, x: l.sideX, y: y, style: style, maxWidth: w)
        if settings.hash.contains(f.name) {
            // The mark stands out: the field's values leave hashed.
            s.put("#", x: l.sideX + 2, y: y, style: atCursor ? CellStyle(fg: .black, bg: .white, bold: true) : .warn)
        }
    }
    if top > 0 { s.put("↑", x: l.sideX + w - 1, y: l.listY, style: .dim) }
    if top + l.listRows < r.fields.count { s.put("↓", x: l.sideX + w - 1, y: l.listY + l.listRows - 1, style: .dim) }
}

/// One field as the panes show it: its mark (`#` hashed, `✗` excluded), name, type, key or
/// unavailable flag, and new name; dimmed when it is not sent or cannot be read.
private func fieldLine(_ f: SourceResource.Field, _ settings: ResourceFields, nameWidth: Int, marks: Bool) -> (String, CellStyle) {
    let excluded = settings.exclude.contains(f.name)
    let mark = !marks ? "" : excluded ? "✗ " : settings.hash.contains(f.name) ? "# " : "  "
    let flag = f.mandatory ? " key" : f.available ? "" : " (n/a)"
    var line = mark + f.name.truncated(to: nameWidth - 1).padded(to: nameWidth) + f.type + flag
    if let new = settings.rename[f.name] { line += " → " + new }
    return (line, excluded || !f.available ? .dim : .plain)
}

/// The modal of `n` in the fields pane: the name the field is sent under.
func renderFieldRename(_ edit: FieldRename, resource: String, _ s: inout Screen) {
    let w = min(s.width - 4, 72)
    let h = 7
    let x = (s.width - w) / 2, y = (s.height - h) / 2
    s.fill(x: x, y: y, width: w, height: h)
    s.box(x: x, y: y, width: w, height: h, title: "Rename \(edit.field) of \(resource)".truncated(to: w - 6), style: .accent, titleStyle: .title)
    let label = s.put("Send as: ", x: x + 2, y: y + 2, style: .dim)
    let field = w - 4 - (label - x - 2) - 1
    let shown = edit.text.displayWidth > field ? "…" + String(edit.text.suffix(field - 1)) : edit.text
    let end = s.put(shown, x: label, y: y + 2, style: .bold, maxWidth: field)
    s.put("▏", x: end, y: y + 2, style: .accent)
    if let error = edit.error {
        s.put(error, x: x + 2, y: y + 3, style: .error, maxWidth: w - 4)
    } else {
        s.put("empty: the field keeps its name", x: x + 2, y: y + 3, style: .dim, maxWidth: w - 4)
    }
    let x2 = s.put("Enter", x: x + 2, y: y + 5, style: .ok)
    s.put(" rename    Esc: keep the name", x: x2, y: y + 5, maxWidth: w - 9)
}
