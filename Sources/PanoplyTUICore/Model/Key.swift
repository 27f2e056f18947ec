/// A key press, decoded by the terminal backend.
package enum Key: Sendable, Equatable, Hashable {
    case char(Character)
    /// Ctrl plus a letter (`.ctrl("s")` for Ctrl-S).
    case ctrl(Character)
    case up, down, left, right
    case enter, tab, backTab, backspace, delete, escape
    case pageUp, pageDown, home, end
}

extension Key: CustomStringConvertible {
    package var description: String {
        switch self {
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-\(c.uppercased())"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .enter: "Enter"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .backspace: "Backspace"
        case .delete: "Delete"
        case .escape: "Esc"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        }
    }
}
