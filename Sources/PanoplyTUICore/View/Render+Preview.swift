import PanoplyKit

/// The spinner's frames, one per eighth of a second.
private let spinner = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

/// The preview overlay: the first records as a table (a column per key, at most 30 wide),
/// from the first column and row scrolled to; hashed columns are marked `#`.
package func renderPreview(_ state: AppState, _ v: PreviewState, _ s: inout Screen) {
    let l = PickerLayout(width: s.width, height: s.height)
    let width = l.boxWidth - 4
    s.fill(x: 0, y: l.boxY, width: s.width, height: l.boxHeight)
    s.box(x: l.boxX, y: l.boxY, width: l.boxWidth, height: l.boxHeight, title: "Preview · \(v.title)", style: .accent, titleStyle: .title)
    switch v.load {
    case .loading:
        let frame = spinner[Int(max(0, state.now - v.startedAt) * 8) % spinner.count]
        s.put("\(frame) reading the first records… (Esc cancels)", x: l.listX, y: l.messageY, style: .accent, maxWidth: width)
    case .failed(let message):
        s.put("✗ Could not read \(v.title):", x: l.listX, y: l.listY, style: .error, maxWidth: width)
        for (n, line) in wrapped(message, width: width - 2).prefix(max(1, l.listRows - 3)).enumerated() {
            s.put(line, x: l.listX + 2, y: l.listY + 1 + n, style: .error, maxWidth: width - 2)
        }
        s.put("Esc closes", x: l.listX, y: l.messageY, style: .warn, maxWidth: width)
    case .loaded:
        renderPreviewTable(v, l, &s)
    }
}

private func renderPreviewTable(_ v: PreviewState, _ l: PickerLayout, _ s: inout Screen) {
    let width = l.boxWidth - 4
    let count = v.records.count
    let rows = l.previewRows
    guard count > 0, !v.columns.isEmpty else {
        s.put(count == 0 ? "no records: the source returned none" : "records without fields", x: l.listX, y: l.summaryY, style: .dim, maxWidth: width)
        s.put("nothing is sent, committed or recorded · Esc closes", x: l.listX, y: l.messageY, style: .dim, maxWidth: width)
        return
    }
    // The columns that fit from the first one scrolled to (at least that one, cut).
    var shown: [(name: String, width: Int)] = []
    var used = 0
    for c in v.columns.dropFirst(v.left) {
        let header = previewHeader(c, v)
        let w = min(30, max(header.displayWidth, (0..<count).map { v.cell($0, c).displayWidth }.max() ?? 0))
        let gap = shown.isEmpty ? 0 : 2
        guard used + gap + w <= width || shown.isEmpty else { break }
        shown.append((c, min(w, width)))
        used += gap + min(w, width)
    }
    let lastRow = min(count, v.top + rows)
    let summary =
        "\(count == 1 ? "1 record" : "\(count) records") · columns \(v.left + 1)-\(v.left + shown.count) of \(v.columns.count)"
        + " · rows \(v.top + 1)-\(lastRow) of \(count)"
    s.put(summary, x: l.listX, y: l.summaryY, style: .dim, maxWidth: width)
    var x = l.listX
    for c in shown {
        let header = previewHeader(c.name, v)
        s.put(header.truncated(to: c.width), x: x, y: l.listY, style: v.hashed.contains(c.name) ? .warn : .bold, maxWidth: c.width)
        for (n, row) in (v.top..<lastRow).enumerated() {
            s.put(v.cell(row, c.name).truncated(to: c.width), x: x, y: l.listY + 1 + n, style: .plain, maxWidth: c.width)
        }
        x += c.width + 2
    }
    if v.left > 0 { s.put("←", x: l.listX - 1, y: l.listY, style: .dim) }
    if v.left + shown.count < v.columns.count { s.put("→", x: l.listX + width, y: l.listY, style: .dim) }
    let note = v.hashed.isEmpty ? "nothing is sent, committed or recorded" : "# hashed (SHA-256) · nothing is sent, committed or recorded"
    s.put(note, x: l.listX, y: l.messageY, style: .dim, maxWidth: width)
}

/// A column's header: its name, marked `#` when its values are hashed.
private func previewHeader(_ column: String, _ v: PreviewState) -> String {
    v.hashed.contains(column) ? "# " + column : column
}
