/// Where the `?` overlay's lines go at one terminal size: one to three columns of key
/// sections, descriptions wrapped, scrolled together. The reducer takes its scroll limit
/// from it and the renderer draws it, so both agree.
package struct HelpLayout: Sendable, Equatable {
    /// One line of a column.
    package enum Line: Sendable, Equatable {
        case title(String)
        /// A key row's first line (`keys` set) or a continuation of its help (`keys` empty);
        /// `of` is the row's whole help, which names the row.
        case row(keys: String, help: String, of: String)
        case blank
    }

    package let width: Int
    package let height: Int
    /// Columns of the key labels.
    package static let keyWidth = 13

    package init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    private var columnCount: Int { width >= 110 ? 3 : width >= 76 ? 2 : 1 }

    /// The width of one column.
    package var columnWidth: Int {
        switch columnCount {
        case 3: (min(width - 4, 112) - 4) / 3
        case 2: (min(width - 4, 110) - 4) / 2
        default: min(width - 4, 56)
        }
    }

    /// Each column's lines: sections 0-1 (everywhere, list), 2-3 (form, run view), 4
    /// (picker) on three columns, 0-1 and the rest on two, all in one column else.
    package var columns: [[Line]] {
        let sections = KeyMap.helpSections
        let groups: [ArraySlice<(title: String, rows: [(keys: String, help: String)])>] =
            switch columnCount {
            case 3: [sections[0...1], sections[2...3], sections[4...]]
            case 2: [sections[0...1], sections[2...]]
            default: [sections[...]]
            }
        let helpWidth = max(8, columnWidth - Self.keyWidth - 2)
        return groups.map { group in
            var lines: [Line] = []
            for section in group {
                if !lines.isEmpty { lines.append(.blank) }
                lines.append(.title(section.title))
                for row in section.rows {
                    for (n, part) in wrapped(row.help, width: helpWidth).enumerated() {
                        lines.append(.row(keys: n == 0 ? row.keys : "", help: part, of: row.help))
                    }
                }
            }
            return lines
        }
    }

    /// The longest column's line count.
    package var lineCount: Int { columns.map(\.count).max() ?? 0 }

    package var boxWidth: Int { min(width - 2, columnWidth * columnCount + 4) }
    /// Below the header, above the help bar.
    package var boxHeight: Int { max(3, min(height - 3, lineCount + 2)) }
    package var boxX: Int { (width - boxWidth) / 2 }
    package var boxY: Int { max(1, (height - 1 - boxHeight) / 2) }
    /// Lines shown at once.
    package var bodyRows: Int { boxHeight - 2 }
    /// The last first line: the end of the longest column at the bottom of the box.
    package var maxTop: Int { max(0, lineCount - bodyRows) }
}
