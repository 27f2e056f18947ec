package func renderHelp(_ state: AppState, _ s: inout Screen) {
    let helpSections = KeyMap.helpSections
    // Sections 0-1 (everywhere, list), 2-3 (form, run view), 4 (picker): three columns on a
    // wide terminal, else two (what does not fit is cut; the help bar still shows the keys).
    let twoColumns = s.width >= 76, threeColumns = s.width >= 110
    let columns = threeColumns ? [Array(helpSections[0...1]), Array(helpSections[2...3]), Array(helpSections[4...])]
        : twoColumns ? [Array(helpSections[0...1]), Array(helpSections[2...])] : [helpSections]
    let colWidth = threeColumns ? (min(s.width - 4, 112) - 4) / 3 : twoColumns ? (min(s.width - 4, 110) - 4) / 2 : min(s.width - 4, 56)
    let linesPerColumn = columns.map { col in col.reduce(0) { $0 + $1.rows.count + 2 } }
    let boxW = min(s.width - 2, colWidth * columns.count + 4)
    let boxH = min(s.height - 3, (linesPerColumn.max() ?? 0) + 2)
    let bx = (s.width - boxW) / 2, by = max(1, (s.height - 1 - boxH) / 2)
    s.fill(x: 0, y: 1, width: s.width, height: s.height - 2)
    s.box(x: bx, y: by, width: boxW, height: boxH, title: "Keys", style: .accent, titleStyle: .title)
    if (linesPerColumn.max() ?? 0) + 2 > boxH {
        s.put(" more keys on a taller terminal ", x: bx + boxW - 35, y: by + boxH - 1, style: .dim)
    }
    let keyWidth = 13
    for (c, col) in columns.enumerated() {
        var y = by + 1
        let x = bx + 2 + c * colWidth
        for (title, keys) in col {
            guard y < by + boxH - 1 else { break }
            s.put(title, x: x, y: y, style: .title, maxWidth: colWidth - 1)
            y += 1
            for (key, what) in keys where y < by + boxH - 1 {
                s.put(key, x: x + 1, y: y, style: .bold, maxWidth: keyWidth - 1)
                s.put(what, x: x + 1 + keyWidth, y: y, maxWidth: colWidth - keyWidth - 2)
                y += 1
            }
            y += 1
        }
    }
}

package func renderConfirm(_ question: String, _ detail: String, _ s: inout Screen,
                           answers: String = " yes    any other key: no") {
    let w = min(s.width - 4, max(question.displayWidth, detail.displayWidth, 30) + 4)
    let h = 6
    let x = (s.width - w) / 2, y = (s.height - h) / 2
    s.fill(x: x, y: y, width: w, height: h)
    s.box(x: x, y: y, width: w, height: h, title: "Confirm", style: .warn, titleStyle: .warn)
    s.put(question, x: x + 2, y: y + 1, style: .bold, maxWidth: w - 4)
    s.put(detail, x: x + 2, y: y + 2, style: .plain, maxWidth: w - 4)
    let x2 = s.put("y", x: x + 2, y: y + 4, style: .ok)
    s.put(answers, x: x2, y: y + 4, maxWidth: w - 5)
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
