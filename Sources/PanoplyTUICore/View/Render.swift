import PanoplyKit

/// The smallest terminal the screens are laid out for.
package let minimumSize = (width: 60, height: 16)

/// The whole frame for `state` at `size`: a pure function, tested against golden files.
package func render(_ state: AppState, width: Int, height: Int) -> Screen {
    var screen = Screen(width: width, height: height)
    guard width >= minimumSize.width, height >= minimumSize.height else {
        renderTooSmall(&screen)
        return screen
    }
    renderHeader(state, &screen)
    switch state.screen {
    case .list: renderList(state, &screen)
    case .form(let form): renderForm(state, form, &screen)
    case .run(let id): if let r = state.run(id) { renderRun(state, r, &screen) }
    case .history(let h): renderHistory(state, h, &screen)
    }
    if let notice = state.notice {
        screen.fill(x: 0, y: height - 2, width: width, height: 1)
        screen.put(" " + notice, x: 0, y: height - 2, style: .warn, maxWidth: width)
    }
    switch state.overlay {
    case .help: renderHelp(state, &screen)
    case .confirmCancel(let id):
        renderConfirm("Cancel \(state.run(id)?.title ?? "the run")?", "Reading stops; what was read is delivered and its state kept for a retry.", &screen)
    case .confirmQuit:
        renderConfirm(
            "Quit while \(state.activeRunCount) \(state.activeRunCount == 1 ? "run is" : "runs are") active?",
            "Active runs are cancelled; what was read is delivered first.", &screen)
    case .confirmDelete(let name):
        renderConfirm(
            "Delete the saved source '\(name)'?", "Its params and credentials are removed from this machine.", &screen, answers: " yes    n / Esc: no")
    case .confirmDeleteState(let name):
        renderConfirm(
            "Remove the state of \(name) too?", "Its committed state (where a retry resumes) is deleted.", &screen, answers: " yes    n / Esc: keep it")
    case .rename(let edit): renderRename(edit, &screen)
    case .picker(let p): renderPicker(state, p, &screen)
    case .confirmDiscard: renderDiscard(state, &screen)
    case .preview(let v): renderPreview(state, v, &screen)
    case nil: break
    }
    renderHelpBar(state, &screen)
    return screen
}

private func renderTooSmall(_ s: inout Screen) {
    let lines = [
        "Terminal too small (\(s.width)x\(s.height))",
        "Panoply needs at least \(minimumSize.width)x\(minimumSize.height).",
        "Enlarge the window, or q to quit."
    ]
    let top = max(0, s.height / 2 - 1)
    for (i, l) in lines.enumerated() {
        let t = l.truncated(to: s.width)
        s.put(t, x: max(0, (s.width - t.displayWidth) / 2), y: top + i, style: i == 0 ? .warn : .plain)
    }
}

private func renderHeader(_ state: AppState, _ s: inout Screen) {
    s.fill(x: 0, y: 0, width: s.width, height: 1, style: .header)
    let n = state.activeRunCount
    let right = n == 0 ? "no active runs " : "\(n) active \(n == 1 ? "run" : "runs") "
    var x = s.put(" Panoply ", x: 0, y: 0, style: .header)
    if let workspace = state.workspace {
        // The workspace before the destination: all of it when it fits, else its middle
        // left out (its host and its schema both show), leaving the destination 24 columns.
        let room = max(s.width - x - right.count - 24, (s.width - x - right.count) / 2) - 3
        x = s.put("[" + workspace.truncatedInMiddle(to: room) + "] ", x: x, y: 0, style: .header)
    }
    s.put("▸ " + state.destination.displayName, x: x, y: 0, style: .header, maxWidth: s.width - x - right.count - 1)
    s.put(right, x: s.width - right.count, y: 0, style: .header)
}

/// Keys and what they do, for the help bar of the current screen: the bindings that apply
/// now and are enabled (``AppState/applicableBindings()``); a key disabled now (c on a run
/// that ended, r where no retry helps, h with no history) is not offered.
package func helpBarItems(_ state: AppState) -> [(key: String, what: String)] {
    KeyMap.hints(state.applicableBindings())
}

private func renderHelpBar(_ state: AppState, _ s: inout Screen) {
    let y = s.height - 1
    s.fill(x: 0, y: y, width: s.width, height: 1, style: .helpBar)
    var x = 1
    for (key, what) in helpBarItems(state) {
        let need = key.displayWidth + what.count + 3
        if x + need > s.width { break }
        x = s.put(key, x: x, y: y, style: .helpKey)
        x = s.put(" " + what + "  ", x: x, y: y, style: .helpBar)
    }
}

/// The icon shown for a status.
package func statusIcon(_ status: RunStatus) -> (String, CellStyle) {
    switch status {
    case .idle: ("·", .dim)
    case .running: ("▶", .accent)
    case .done: ("✓", .ok)
    case .failed: ("✗", .error)
    case .cancelled: ("⊘", .warn)
    }
}
