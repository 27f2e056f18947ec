import PanoplyKit

extension AppState {
    /// The two questions of a delete (`answer`: what the key pressed means): `y` deletes the source (then asks about its state),
    /// `n` or Esc keeps it; other keys leave the question up.
    package mutating func answerDeleteQuestion(_ answer: KeyAction?, _ question: Overlay, name: String) -> [Effect] {
        guard let answer else { return [] }
        overlay = nil
        let yes = answer == .confirm
        switch question {
        case .confirmDelete:
            guard yes else {
                notice = "kept \(name)"
                return []
            }
            return deleteSaved(name)
        case .confirmDeleteState:
            notice = yes ? "deleted \(name) and its state" : "deleted \(name); its state is kept"
            return yes ? [.deleteState(sourceName: name)] : []
        default:
            return []
        }
    }

    /// Removes a saved source (its params and credentials), then asks about its state.
    private mutating func deleteSaved(_ name: String) -> [Effect] {
        guard let i = saved.firstIndex(where: { $0.name == name }) else { return [] }
        if let id = latestRun[name], run(id)?.status == .running {
            notice = "\(name) is running: cancel it first"
            return []
        }
        saved.remove(at: i)
        latestRun[name] = nil
        history[name] = nil
        // The cursor goes to the next saved source, else the one before, else the first type.
        selection = saved.isEmpty ? 0 : min(i, saved.count - 1)
        overlay = .confirmDeleteState(name)
        return [.saveSources(saved), .deleteHistory(sourceName: name)]
    }
}
