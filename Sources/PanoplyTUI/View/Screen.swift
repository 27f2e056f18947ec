/// A colour of the 8-colour palette (bright variants come from `bold`), so 16-colour
/// terminals show everything and `NO_COLOR` falls back to attributes alone.
enum TermColor: Int, Sendable, Equatable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell looks.
struct CellStyle: Sendable, Equatable, Hashable {
    var fg: TermColor?
    var bg: TermColor?
    var bold = false
    var reverse = false
    var dim = false
    var underline = false

    static let plain = CellStyle()
    static let bold = CellStyle(bold: true)
    static let dim = CellStyle(dim: true)
    static let selected = CellStyle(fg: .black, bg: .white)
    static let title = CellStyle(fg: .cyan, bold: true)
    static let ok = CellStyle(fg: .green, bold: true)
    static let error = CellStyle(fg: .red, bold: true)
    static let warn = CellStyle(fg: .yellow, bold: true)
    static let accent = CellStyle(fg: .cyan)
    static let bar = CellStyle(fg: .blue, bg: .white, reverse: true)
    static let helpBar = CellStyle(fg: .black, bg: .cyan)
    static let helpKey = CellStyle(fg: .black, bg: .cyan, bold: true)
    static let header = CellStyle(fg: .white, bg: .blue, bold: true)
    static let field = CellStyle(underline: true)
    static let focusedField = CellStyle(fg: .black, bg: .yellow)
    /// The Character under the cursor in a focused field: the field's colours reversed,
    /// and underlined so it still shows without colours (where the field is reverse video).
    static let cursor = CellStyle(fg: .yellow, bg: .black, bold: true, underline: true)
}

/// One character position. A wide character occupies its cell and marks the next ones
/// (one, or more for an emoji sequence) as continuations (`isContinuation`), which is never drawn on its own.
struct Cell: Sendable, Equatable {
    var char: Character
    var style: CellStyle
    var isContinuation = false

    static let blank = Cell(char: " ", style: .plain)
}

/// A frame: the pure output of ``render(_:size:)``; the terminal backend diffs it onto
/// the real screen, tests compare its ``text`` with golden files.
struct Screen: Sendable, Equatable {
    let width: Int
    let height: Int
    private(set) var cells: [Cell]

    init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` at (x, y), clipped to `maxWidth` columns and to the screen.
    /// - Returns: the column after the last character written.
    @discardableResult
    mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, maxWidth: Int? = nil) -> Int {
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
    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, char: Character = " ", style: CellStyle = .plain) {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) { self[col, row] = Cell(char: char, style: style) }
        }
    }

    /// Draws a single-line box with an optional title in its top border.
    mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String = "", style: CellStyle = .plain, titleStyle: CellStyle = .bold) {
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
    func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].char) }
        return s
    }

    /// The frame as plain text, trailing spaces trimmed, for golden files.
    var text: String {
        (0..<height).map { y in
            var l = line(y)
            while l.last == " " { l.removeLast() }
            return l
        }.joined(separator: "\n") + "\n"
    }
}

extension Character {
    /// Columns this character takes in a terminal, counted as ncurses and wcwidth count
    /// them: the sum over its code points, so the frames stay in step with the terminal.
    /// A letter with combining marks takes 1, a flag 2, an emoji with a skin tone 4 (the
    /// modifier counts as a second emoji), a ZWJ sequence the sum of its emoji.
    var displayWidth: Int {
        let scalars = unicodeScalars
        if scalars.count == 1, let s = scalars.first { return s.displayWidth }
        return scalars.reduce(0) { $0 + $1.displayWidth }
    }
}

extension Unicode.Scalar {
    /// 2 for East Asian wide and emoji presentation code points, 0 for combining marks,
    /// format characters (ZWJ), Hangul medial vowels and controls, else 1.
    var displayWidth: Int {
        let v = value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(v) { return 0 }
        // Regional indicators: a flag is a pair of them, 2 columns.
        if (0x1F1E6...0x1F1FF).contains(v) { return 1 }
        if properties.isEmojiPresentation { return 2 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}

extension String {
    /// Columns the string takes in a terminal.
    var displayWidth: Int { reduce(0) { $0 + $1.displayWidth } }

    /// Cut to `width` columns, with `…` when something was cut.
    func truncated(to width: Int) -> String {
        guard displayWidth > width else { return self }
        guard width > 1 else { return width == 1 ? "…" : "" }
        var out = ""
        var used = 0
        for ch in self {
            let w = ch.displayWidth
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }

    /// Padded with spaces (or truncated) to exactly `width` columns.
    func padded(to width: Int) -> String {
        let t = truncated(to: width)
        return t + String(repeating: " ", count: max(0, width - t.displayWidth))
    }
}
