import PanoplyKit

extension AppState {
    /// Arrows and page keys scroll the `?` overlay (every other key closes it).
    /// - Returns: whether `action` (what the key pressed does in the overlay) scrolled.
    package mutating func scrollHelp(_ action: KeyAction?) -> Bool {
        let layout = HelpLayout(width: width, height: height)
        let page = max(1, layout.bodyRows - 1)
        let step: Int
        switch action {
        case .up: step = -1
        case .down: step = 1
        case .pageUp: step = -page
        case .pageDown: step = page
        default: return false
        }
        helpTop = min(layout.maxTop, max(0, min(helpTop, layout.maxTop) + step))
        return true
    }
}
