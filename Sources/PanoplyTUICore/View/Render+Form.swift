import PanoplyKit

package func renderForm(_ state: AppState, _ form: FormState, _ s: inout Screen) {
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
    for (i, f) in form.fields.enumerated() where form.isShown(i) {
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
        renderInput(f, focused: focused, cursor: form.cursorOffset, x: inputX, y: y, width: inputWidth, &s)
    }
    if first > 0 { s.put("↑ more", x: w - 8, y: top, style: .dim) }
    if first + visible < rows.count { s.put("↓ more", x: w - 8, y: top + visible - 1, style: .dim) }

    let helpY = s.height - 4
    var helpLines: [String] = []
    if form.hasAdvanced { renderAdvancedNote(form, y: helpY - 1, &s) }
    if let f = form.focused {
        var help = f.help
        if f.cycles { help += (help.isEmpty ? "" : "  ") + "(Space or ←/→: \(f.choices.joined(separator: " / ")))" }
        if f.kind == .list, form.purpose != .destination { help += (help.isEmpty ? "" : "  ") + "(Enter or Space: pick from the list)" }
        // What runs do to the fields (set in the picker's fields pane), under the list they belong to.
        if f.kind == .list, let fields = form.fieldSettings, !fields.isEmpty { help += "  Fields: " + fields.described }
        // A long help takes the line of the footer below it, unless an error needs that line.
        helpLines = formHelpLines(help, width: w - 2, lines: form.formError == nil ? 2 : 1)
        for (n, line) in helpLines.enumerated() { s.put(" " + line, x: 0, y: helpY + n, style: .accent, maxWidth: w) }
    }
    if let check = form.check { renderCheck(check, y: s.height - 2, &s) }
    if let e = form.formError {
        s.put(" ✗ " + e, x: 0, y: helpY + 1, style: .error, maxWidth: w)
    } else if helpLines.count < 2 {
        let action = form.purpose == .destination ? "save the destination" : "save and start the run"
        s.put(" * required · empty fields use their default · Ctrl-S to \(action)", x: 0, y: helpY + 1, style: .dim, maxWidth: w)
    }
}

private func renderInput(_ f: FormField, focused: Bool, cursor: Int, x: Int, y: Int, width: Int, _ s: inout Screen) {
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
        if !f.placeholder.isEmpty { s.put(shownPlaceholder(f), x: px, y: y, style: CellStyle(dim: true, underline: !focused), maxWidth: width - 2) }
        return
    }
    // Unfocused fields show their start; a focused one scrolls to keep the cursor in view.
    let glyphs = f.value.map { inputGlyph($0, secret: f.kind == .secret) }
    let k = focused ? max(0, min(cursor, glyphs.count)) : 0
    let view = InputWindow(widths: glyphs.map(\.displayWidth), cursor: k, width: width)
    if view.moreLeft { s.put("…", x: x, y: y, style: style) }
    if view.moreRight { s.put("…", x: x + width - 1, y: y, style: style) }
    var col = 0
    for (i, g) in glyphs.enumerated() {
        let w = g.displayWidth
        defer { col += w }
        guard col >= view.first, col + w <= view.end else { continue }
        s.put(String(g), x: view.screenX(col, from: x), y: y, style: focused && i == k ? .cursor : style)
    }
    if focused, k == glyphs.count { s.put("▏", x: view.screenX(col, from: x), y: y, style: style) }
}

/// An example placeholder reads as one (`e.g. db.example.com`); a default shows as it is.
package func shownPlaceholder(_ f: FormField) -> String {
    f.placeholderIsExample && !f.placeholder.lowercased().hasPrefix("e.g.") ? "e.g. " + f.placeholder : f.placeholder
}

/// The focused field's help in at most `lines` lines of `width` columns, the last one cut with `…`.
package func formHelpLines(_ help: String, width: Int, lines: Int) -> [String] {
    guard help.displayWidth > width else { return help.isEmpty ? [] : [help] }
    let all = wrapped(help, width: width)
    guard all.count > lines else { return all }
    var kept = Array(all.prefix(lines - 1))
    kept.append(all.dropFirst(lines - 1).joined(separator: " ").truncated(to: width))
    return kept
}

/// What a Character of a value looks like in a one-line input: `•` for secrets, `⏎` for a
/// newline, `�` for other characters that would take no column.
package func inputGlyph(_ c: Character, secret: Bool) -> Character {
    if secret { return "•" }
    if c == "\n" || c == "\r\n" { return "⏎" }
    return c.displayWidth == 0 ? "\u{FFFD}" : c
}

/// The columns of a value that a one-line input `width` cells wide shows, keeping the
/// cursor in view. One column past the text is kept for the cursor at the end; `…` at
/// either edge marks hidden text. When the cursor is in the last screenful the window
/// ends with the text (so typing at the end looks as it always did); before that the
/// window moves in steps of half its width, so moving the cursor rarely shifts the text.
package struct InputWindow: Equatable {
    /// The first and one past the last text column shown.
    package var first: Int
    package var end: Int
    package var moreLeft: Bool
    package var moreRight: Bool

    package init(widths: [Int], cursor: Int, width: Int) {
        let total = widths.reduce(0, +) + 1
        let cursorCol = widths.prefix(cursor).reduce(0, +)
        let cursorEnd = cursorCol + (cursor < widths.count ? widths[cursor] : 1)
        guard total > width, width >= 8 else {
            self.init(first: 0, end: min(total, width), moreLeft: false, moreRight: false)
            return
        }
        let tailFirst = total - (width - 1)
        if cursorCol >= tailFirst {
            self.init(first: tailFirst, end: total, moreLeft: true, moreRight: false)
            return
        }
        if cursorEnd <= width - 1 {
            self.init(first: 0, end: width - 1, moreLeft: false, moreRight: true)
            return
        }
        // The first step-aligned window that holds the cursor (one always does: width >= 8).
        let step = width / 2
        var first = cursorCol / step * step
        if cursorEnd > first + width - 2 { first += step }
        self.init(first: first, end: first + width - 2, moreLeft: true, moreRight: true)
    }

    private init(first: Int, end: Int, moreLeft: Bool, moreRight: Bool) {
        self.first = first
        self.end = end
        self.moreLeft = moreLeft
        self.moreRight = moreRight
    }

    /// The screen column of text column `col`, for an input starting at `x`.
    package func screenX(_ col: Int, from x: Int) -> Int { x + (moreLeft ? 1 : 0) + col - first }
}

/// The line under the fields saying how many advanced fields are folded away.
private func renderAdvancedNote(_ form: FormState, y: Int, _ s: inout Screen) {
    let hidden = form.hiddenCount
    let text =
        form.showAdvanced
        ? "advanced fields shown · Ctrl-O folds them"
        : hidden == 1
            ? "1 advanced field folded away · Ctrl-O shows it"
            : "\(hidden) advanced fields folded away · Ctrl-O shows them"
    if form.showAdvanced || hidden > 0 { s.put(" " + text, x: 2, y: y, style: .dim, maxWidth: s.width - 3) }
}
