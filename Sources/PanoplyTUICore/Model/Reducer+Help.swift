import PanoplyKit

extension AppState {
    /// Arrows and page keys scroll the `?` overlay (every other key closes it).
    /// - Returns: whether `key` scrolled.
    package mutating func scrollHelp(_ key: Key) -> Bool {
        let layout = HelpLayout(width: width, height: height)
        let page = max(1, layout.bodyRows - 1)
        let step: Int
        switch KeyMap.action(for: key, in: [.helpOverlay]) {
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
