import PanoplyKit

func renderForm(_ state: AppState, _ form: FormState, _ s: inout Screen) {
    let w = s.width
    s.put(" " + form.title, x: 0, y: 2, style: .title, maxWidth: w)
    if case .source(let type, _) = form.purpose, let info = state.typeInfo(type), !info.configuration.summary.isEmpty {
        s.put(" " + info.configuration.summary, x: 0, y: 3, style: .dim, maxWidth: w)
    }
    let labelWidth = min(24, (form.fields.map { $0.title.displayWidth }.max() ?? 10) + 2)
    let inputX = 4 + labelWidth
    let inputWidth = min(48, w - inputX - 2)

    // Each field takes one row, plus one for its error.
    var rows: [(field: Int, isError: Bool)] = []
    for (i, f) in form.fields.enumerated() {
        rows.append((i, false))
        if form.errors[f.name] != nil { rows.append((i, true)) }
    }
    let top = 5, bottomReserved = 5
    let visible = max(1, s.height - top - bottomReserved)
    let focusRow = rows.firstIndex { $0.field == form.focus && !$0.isError } ?? 0
    let first = max(0, min(focusRow - visible / 2, rows.count - visible))
    for (n, row) in rows.dropFirst(first).prefix(visible).enumerated() {
        let y = top + n
        let f = form.fields[row.field]
        if row.isError {
            s.put("✗ " + (form.errors[f.name] ?? ""), x: inputX, y: y, style: .error, maxWidth: w - inputX - 1)
            continue
        }
        let focused = row.field == form.focus
        s.put(f.required ? "*" : " ", x: 1, y: y, style: .warn)
        s.put(focused ? "›" : " ", x: 2, y: y, style: .accent)
        s.put(f.title.truncated(to: labelWidth - 1), x: 4, y: y, style: focused ? .bold : .plain)
        renderInput(f, focused: focused, x: inputX, y: y, width: inputWidth, &s)
    }
    if first > 0 { s.put("↑ more", x: w - 8, y: top, style: .dim) }
    if first + visible < rows.count { s.put("↓ more", x: w - 8, y: top + visible - 1, style: .dim) }

    let helpY = s.height - 4
    if let f = form.focused {
        var help = f.help
        if f.cycles { help += (help.isEmpty ? "" : "  ") + "(Space or ←/→: \(f.choices.joined(separator: " / ")))" }
        s.put(" " + help, x: 0, y: helpY, style: .accent, maxWidth: w)
    }
    if let e = form.formError {
        s.put(" ✗ " + e, x: 0, y: helpY + 1, style: .error, maxWidth: w)
    } else {
        let action = form.purpose == .destination ? "save the destination" : "save and start the run"
        s.put(" * required · empty fields use their default · Ctrl-S to \(action)", x: 0, y: helpY + 1, style: .dim, maxWidth: w)
    }
}

private func renderInput(_ f: FormField, focused: Bool, x: Int, y: Int, width: Int, _ s: inout Screen) {
    let style: CellStyle = focused ? .focusedField : .field
    if f.cycles {
        let text = "‹ \(f.value) ›"
        s.put(text.padded(to: min(width, max(12, text.displayWidth + 1))), x: x, y: y, style: style)
        return
    }
    s.fill(x: x, y: y, width: width, height: 1, style: style)
    if f.value.isEmpty {
        let px = focused ? x + 1 : x
        if focused { s.put("▏", x: x, y: y, style: style) }
        if !f.placeholder.isEmpty { s.put(f.placeholder, x: px, y: y, style: CellStyle(dim: true, underline: !focused), maxWidth: width - 2) }
        return
    }
    var shown = f.kind == .secret ? String(repeating: "•", count: f.value.count) : f.value
    shown = shown.replacingNewlines()
    // Show the end of a long value, where the typing happens.
    let room = width - 1
    if shown.displayWidth > room { shown = "…" + String(shown.suffix(room - 1)) }
    let end = s.put(shown, x: x, y: y, style: style)
    if focused { s.put("▏", x: end, y: y, style: style) }
}

private extension String {
    func replacingNewlines() -> String { String(map { $0 == "\n" ? "⏎" : $0 }) }
}
