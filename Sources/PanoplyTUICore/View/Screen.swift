/// A colour of the 8-colour palette (bright variants come from `bold`), so 16-colour
/// terminals show everything and `NO_COLOR` falls back to attributes alone.
package enum TermColor: Int, Sendable, Equatable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell looks.
package struct CellStyle: Sendable, Equatable, Hashable {
    package var fg: TermColor?
    package var bg: TermColor?
    package var bold = false
    package var reverse = false
    package var dim = false
    package var underline = false

    package static let plain = CellStyle()
    package static let bold = CellStyle(bold: true)
    package static let dim = CellStyle(dim: true)
    package static let selected = CellStyle(fg: .black, bg: .white)
    package static let title = CellStyle(fg: .cyan, bold: true)
    package static let ok = CellStyle(fg: .green, bold: true)
    package static let error = CellStyle(fg: .red, bold: true)
    package static let warn = CellStyle(fg: .yellow, bold: true)
    package static let accent = CellStyle(fg: .cyan)
    package static let bar = CellStyle(fg: .blue, bg: .white, reverse: true)
    package static let helpBar = CellStyle(fg: .black, bg: .cyan)
    package static let helpKey = CellStyle(fg: .black, bg: .cyan, bold: true)
    package static let header = CellStyle(fg: .white, bg: .blue, bold: true)
    package static let field = CellStyle(underline: true)
    package static let focusedField = CellStyle(fg: .black, bg: .yellow)
    /// The Character under the cursor in a focused field: the field's colours reversed,
    /// and underlined so it still shows without colours (where the field is reverse video).
    package static let cursor = CellStyle(fg: .yellow, bg: .black, bold: true, underline: true)
}

/// One character position. A wide character occupies its cell and marks the next ones
/// (one, or more for an emoji sequence) as continuations (`isContinuation`), which is never drawn on its own.
package struct Cell: Sendable, Equatable {
    package var char: Character
    package var style: CellStyle
    package var isContinuation = false

    package static let blank = Cell(char: " ", style: .plain)
}

/// A frame: the pure output of ``render(_:size:)``; the terminal backend diffs it onto
/// the real screen, tests compare its ``text`` with golden files.
package struct Screen: Sendable, Equatable {
    package let width: Int
    package let height: Int
    private(set) var cells: [Cell]

    package init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    package subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` at (x, y), clipped to `maxWidth` columns and to the screen.
    /// - Returns: the column after the last character written.
    @discardableResult
    package mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(width, x + (maxWidth ?? width))
        var col = x
        for ch in text {
            let w = ch.displayWidth
            if w == 0 { continue }
            if col + w > limit { break }
            if col >= 0 {
                self[col, y] = Cell(char: ch, style: style)
                for c in col + 1..<col + w { self[c, y] = Cell(char: " ", style: style, isContinuation: true) }
            }
            col += w
        }
        return col
    }

    /// Fills a rectangle with `char` in `style`.
    package mutating func fill(x: Int, y: Int, width w: Int, height h: Int, char: Character = " ", style: CellStyle = .plain) {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) { self[col, row] = Cell(char: char, style: style) }
        }
    }

    /// Draws a single-line box with an optional title in its top border.
    package mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String = "", style: CellStyle = .plain, titleStyle: CellStyle = .bold) {
        guard w >= 2, h >= 2 else { return }
        put("┌" + String(repeating: "─", count: w - 2) + "┐", x: x, y: y, style: style)
        for row in y + 1..<y + h - 1 {
            put("│", x: x, y: row, style: style)
            put("│", x: x + w - 1, y: row, style: style)
        }
        put("└" + String(repeating: "─", count: w - 2) + "┘", x: x, y: y + h - 1, style: style)
        if !title.isEmpty { put(" \(title) ", x: x + 2, y: y, style: titleStyle, maxWidth: w - 4) }
    }

    /// The characters of one row, continuation cells left out.
    package func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].char) }
        return s
    }

    /// The frame as plain text, trailing spaces trimmed, for golden files.
    package var text: String {
        (0..<height).map { y in
            var l = line(y)
            while l.last == " " { l.removeLast() }
            return l
        }.joined(separator: "\n") + "\n"
    }
}
