/// Where the picker overlay's parts go at one terminal size. The reducer takes its page
/// size from it and the renderer draws it, so both agree.
package struct PickerLayout: Sendable, Equatable {
    package let width: Int
    package let height: Int
    /// The fields pane has the focus: it takes the wider share (or, without room for both,
    /// the list's place).
    package let fieldsFocused: Bool

    package init(width: Int, height: Int, fieldsFocused: Bool = false) {
        self.width = width
        self.height = height
        self.fieldsFocused = fieldsFocused
    }

    /// The box, borders included: below the header, above the notice line and help bar.
    package var boxX: Int { width > 104 ? (width - 100) / 2 : 1 }
    package var boxY: Int { 1 }
    package var boxWidth: Int { min(100, width - 2) }
    package var boxHeight: Int { max(6, height - 3) }

    /// The line that counts the values and shows the filter.
    package var summaryY: Int { boxY + 1 }
    /// The first row of the list and how many rows it has.
    package var listY: Int { boxY + 2 }
    package var listRows: Int { max(1, boxHeight - 4) }
    /// The line for loading, errors and notes.
    package var messageY: Int { boxY + boxHeight - 2 }
    /// The preview's records shown at once (below its header row).
    package var previewRows: Int { max(1, listRows - 1) }

    package var listX: Int { boxX + 2 }
    /// With room for it, the fields of the item under the cursor go on the right.
    package var hasSidePane: Bool { boxWidth >= 64 }
    package var listWidth: Int { hasSidePane ? (boxWidth - 4) * (fieldsFocused ? 2 : 3) / 5 : boxWidth - 4 }
    package var sideX: Int { hasSidePane ? listX + listWidth + 2 : listX }
    package var sideWidth: Int { boxX + boxWidth - 2 - sideX }

    /// The first shown row for the cursor at `cursor` of `count`: the cursor kept in view,
    /// near the middle when the list is longer than the box.
    package func top(cursor: Int, count: Int) -> Int {
        max(0, min(cursor - listRows / 2, count - listRows))
    }
}
