import PanoplyKit

/// The run view's resources table: a title row with the counts, then one row per resource
/// (status, loaded/total, a small bar, a rate), scrolled when it has more than fit.
package func renderResources(_ r: RunState, _ layout: RunPanes, _ s: inout Screen) {
    guard !r.resources.isEmpty else { return }
    let w = s.width
    let top = layout.resourcesTop(r)
    let rows = layout.tableRows
    let focused = r.pane == .resources
    var title = " Resources " + r.resourceSummary
    if r.resources.count > rows {
        // Too many to see at once: how many there are of each status, then the window.
        title = " Resources \(r.resourceBreakdown) · \(Format.count(top + 1))-\(Format.count(top + rows)) of \(Format.count(r.resources.count))"
        if !focused { title += " (Tab, ↑↓)" }
    }
    s.put(title, x: 0, y: layout.tableY, style: focused ? CellStyle(fg: .cyan, bold: true) : .bold, maxWidth: w)
    let columns = ResourceColumns(width: w)
    for (n, row) in r.resources.dropFirst(top).prefix(rows).enumerated() {
        renderResourceRow(row, columns, fields: r.fields?.fields(for: row.id), y: layout.tableY + 1 + n, &s)
    }
}

/// Where the columns of a resources row go at one width.
private struct ResourceColumns {
    let idX = 3
    let idWidth: Int
    let statusX: Int
    let countX: Int
    let barX: Int
    let rateX: Int
    /// The message (or error) after the rate, when there is room.
    let messageX: Int
    /// The small bar's width: 0 (no bar) where the row would not fit with it.
    let barWidth: Int
    static let countWidth = 17, rateWidth = 11

    init(width w: Int) {
        let fixed = idX + 9 + Self.countWidth + 1 + Self.rateWidth + 1
        barWidth = w - fixed - 11 >= 10 ? 10 : 0
        idWidth = max(10, min(40, w - fixed - (barWidth > 0 ? barWidth + 1 : 0)))
        statusX = idX + idWidth + 1
        countX = statusX + 8
        barX = countX + Self.countWidth + 1
        rateX = barX + (barWidth > 0 ? barWidth + 1 : 0)
        messageX = rateX + Self.rateWidth + 1
    }
}

/// `fields`: what the run does to the resource's fields: "2 excluded, 1 hashed" before its
/// message, or where there is no room for messages "✗2 #1" after its id.
private func renderResourceRow(_ row: ResourceRow, _ c: ResourceColumns, fields: ResourceFields?, y: Int, _ s: inout Screen) {
    let (icon, style) = resourceIcon(row.status)
    s.put(icon, x: 1, y: y, style: style)
    let hasMessages = c.messageX + 16 <= s.width
    let marks = hasMessages ? "" : fields.map(fieldMarks) ?? ""
    let end = s.put(
        row.id.truncated(to: marks.isEmpty ? c.idWidth : max(4, c.idWidth - marks.count - 1)), x: c.idX, y: y,
        style: row.status == .waiting ? .dim : .plain)
    if !marks.isEmpty { s.put(" " + marks, x: end, y: y, style: .dim, maxWidth: c.idX + c.idWidth - end) }
    s.put(row.status.rawValue, x: c.statusX, y: y, style: style)
    let count = Format.count(row.loaded) + (row.total.map { (row.estimated ? "/≈" : "/") + Format.count($0) } ?? "")
    s.put(
        count.count > ResourceColumns.countWidth
            ? count.truncated(to: ResourceColumns.countWidth) : String(repeating: " ", count: ResourceColumns.countWidth - count.count) + count,
        x: c.countX, y: y, style: .bold)
    if c.barWidth > 0 {
        let inner = c.barWidth - 2
        let (filled, empty) = Format.bar(row.fraction ?? 0, width: inner)
        s.put("▕", x: c.barX, y: y, style: .dim)
        let bx = s.put(filled, x: c.barX + 1, y: y, style: row.status == .failed ? .error : row.status == .done ? .ok : .accent)
        s.put(empty, x: bx, y: y)
        s.put("▏", x: c.barX + 1 + inner, y: y, style: .dim)
    }
    let rate = row.rate.map { Format.count(Int($0.rounded())) + "/s" } ?? (row.status == .reading ? "--/s" : "")
    s.put(String(repeating: " ", count: max(0, ResourceColumns.rateWidth - rate.count)) + rate, x: c.rateX, y: y, style: .dim)
    var note = row.status == .failed ? (row.error ?? row.message) : repeatsCounts(row.message) ? "" : row.message
    if let summary = fields?.summary, !summary.isEmpty, row.status != .failed { note = note.isEmpty ? summary : summary + " · " + note }
    if !note.isEmpty, hasMessages {
        s.put(note, x: c.messageX, y: y, style: row.status == .failed ? .error : .dim, maxWidth: s.width - c.messageX - 1)
    }
}

/// "✗2 #1 →1": how many fields are excluded, hashed and renamed.
private func fieldMarks(_ f: ResourceFields) -> String {
    [(f.exclude.count, "✗"), (f.hash.count, "#"), (f.rename.count, "→")].filter { $0.0 > 0 }.map { "\($0.1)\($0.0)" }.joined(separator: " ")
}

/// "180000/300100 rows", "1200/≈5000000 rows": a message that only says the counts the
/// row shows already.
func repeatsCounts(_ message: String) -> Bool {
    guard let first = message.split(separator: " ").first, first.contains("/") else { return false }
    return first.allSatisfy { $0.isNumber || $0 == "/" || $0 == "," || $0 == "≈" }
}

/// The icon and colour of a resource's status.
package func resourceIcon(_ status: ResourceStatus) -> (String, CellStyle) {
    switch status {
    case .waiting: ("·", .dim)
    case .reading: ("▶", .accent)
    case .done: ("✓", .ok)
    case .failed: ("✗", .error)
    }
}
