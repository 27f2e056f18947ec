import PanoplyTUICore

/// A stretch of one row, in one style, that differs from what is on screen.
struct DrawRun: Sendable, Equatable {
    var x: Int
    var y: Int
    var text: String
    var style: CellStyle
}

/// What must be drawn to turn `old` into `new`: nothing when they are equal, everything
/// when there is no old frame (first draw, resize).
func frameDiff(from old: Screen?, to new: Screen) -> [DrawRun] {
    let comparable = old.map { $0.width == new.width && $0.height == new.height } ?? false
    var runs: [DrawRun] = []
    for y in 0..<new.height {
        var current: DrawRun?
        for x in 0..<new.width {
            let cell = new[x, y]
            let changed = !comparable || old![x, y] != cell
            if !changed || cell.isContinuation {
                if !changed, let c = current {
                    runs.append(c)
                    current = nil
                }
                continue
            }
            if var c = current, c.style == cell.style {
                c.text.append(cell.char)
                current = c
            } else {
                if let c = current { runs.append(c) }
                current = DrawRun(x: x, y: y, text: String(cell.char), style: cell.style)
            }
        }
        if let c = current { runs.append(c) }
    }
    return runs
}
