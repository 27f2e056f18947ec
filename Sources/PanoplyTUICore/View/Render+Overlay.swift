/// The `?` overlay: every key, by screen; the keys of the screen below that do not apply
/// now (``AppState/applicableBindings()``) are dimmed.
package func renderHelp(_ state: AppState, _ s: inout Screen) {
    let l = HelpLayout(width: s.width, height: s.height)
    var below = state
    below.overlay = nil
    let disabled = Set(below.applicableBindings().filter { !$0.isEnabled }.map(\.binding.help))
    let top = min(state.helpTop, l.maxTop)
    s.fill(x: 0, y: 1, width: s.width, height: s.height - 2)
    s.box(x: l.boxX, y: l.boxY, width: l.boxWidth, height: l.boxHeight, title: "Keys", style: .accent, titleStyle: .title)
    if l.maxTop > 0 {
        let shown = " \(top + 1)-\(top + l.bodyRows) of \(l.lineCount) · ↑↓ PgUp PgDn "
        s.put(shown, x: l.boxX + l.boxWidth - 2 - shown.displayWidth, y: l.boxY + l.boxHeight - 1, style: .dim)
    }
    let keyWidth = HelpLayout.keyWidth
    for (c, lines) in l.columns.enumerated() {
        let x = l.boxX + 2 + c * l.columnWidth
        for (n, line) in lines.dropFirst(top).prefix(l.bodyRows).enumerated() {
            let y = l.boxY + 1 + n
            switch line {
            case .title(let title): s.put(title, x: x, y: y, style: .title, maxWidth: l.columnWidth - 1)
            case .row(let keys, let help, let row):
                let dim = disabled.contains(row)
                s.put(keys, x: x + 1, y: y, style: dim ? .dim : .bold, maxWidth: keyWidth - 1)
                s.put(help, x: x + 1 + keyWidth, y: y, style: dim ? .dim : .plain, maxWidth: l.columnWidth - keyWidth - 2)
            case .blank: break
            }
        }
    }
}

package func renderConfirm(
    _ question: String, _ detail: String, _ s: inout Screen,
    answers: String = " yes    any other key: no"
) {
    let w = min(s.width - 4, max(question.displayWidth, detail.displayWidth, 30) + 4)
    // A detail wider than the box wraps (a narrow terminal).
    let details = wrapped(detail, width: w - 4)
    let h = 5 + details.count
    let x = (s.width - w) / 2, y = (s.height - h) / 2
    s.fill(x: x, y: y, width: w, height: h)
    s.box(x: x, y: y, width: w, height: h, title: "Confirm", style: .warn, titleStyle: .warn)
    s.put(question, x: x + 2, y: y + 1, style: .bold, maxWidth: w - 4)
    for (n, line) in details.enumerated() { s.put(line, x: x + 2, y: y + 2 + n, style: .plain, maxWidth: w - 4) }
    let x2 = s.put("y", x: x + 2, y: y + h - 2, style: .ok)
    s.put(answers, x: x2, y: y + h - 2, maxWidth: w - 5)
}

/// Esc on a changed form: discard the changes, keep editing, or save them.
package func renderDiscard(_ state: AppState, _ s: inout Screen) {
    guard case .form(let form) = state.screen else { return }
    let source = form.purpose != .destination
    renderConfirm(
        "Discard your changes to \(form.title)?",
        source ? "s saves them and starts the run, as Ctrl-S does." : "s saves them, as Ctrl-S does.",
        &s, answers: " discard   s: save   n / Esc: keep editing")
}

/// The rename modal: the name being typed, and why it cannot be taken.
package func renderRename(_ edit: RenameEdit, _ s: inout Screen) {
    let w = min(s.width - 4, 72)
    let h = 6
    let x = (s.width - w) / 2, y = (s.height - h) / 2
    s.fill(x: x, y: y, width: w, height: h)
    s.box(x: x, y: y, width: w, height: h, title: "Rename \(edit.original)".truncated(to: w - 6), style: .accent, titleStyle: .title)
    let label = s.put("Name: ", x: x + 2, y: y + 2, style: .dim)
    let field = w - 4 - (label - x - 2) - 1
    let shown = edit.text.displayWidth > field ? "…" + String(edit.text.suffix(field - 1)) : edit.text
    let end = s.put(shown, x: label, y: y + 2, style: .bold, maxWidth: field)
    s.put("▏", x: end, y: y + 2, style: .accent)
    if let error = edit.error { s.put(error, x: x + 2, y: y + 3, style: .error, maxWidth: w - 4) }
    let x2 = s.put("Enter", x: x + 2, y: y + 4, style: .ok)
    s.put(" rename    Esc: keep the name", x: x2, y: y + 4, maxWidth: w - 9)
}
