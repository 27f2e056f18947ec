import Foundation
import PanoplyKit

/// The name being typed in the rename modal (`n` on the list).
package struct RenameEdit: Sendable, Equatable {
    /// The saved source being renamed.
    package var original: String
    package var text: String
    /// Why the typed name cannot be taken (shown in the modal).
    package var error: String?

    package init(original: String) {
        self.original = original
        text = original
    }
}

extension AppState {
    /// `n` (``KeyCondition/selectionRenamable`` holds): opens the rename modal.
    package mutating func renameSelected(_ entry: ListEntry) {
        if case .saved(let i) = entry { overlay = .rename(RenameEdit(original: saved[i].name)) }
    }

    /// `D`: copies a saved source (params and table) as "NAME copy", made unique.
    package mutating func duplicateSelected(_ entry: ListEntry) -> [Effect] {
        guard case .saved(let i) = entry else { return [] }
        var copy = saved[i]
        copy.name = uniqueSavedName(copy.name + " copy")
        copy.lastStatus = nil
        saved.insert(copy, at: i + 1)
        selection = i + 1
        notice = "duplicated \(saved[i].name) as \(copy.name)"
        return [.saveSources(saved)]
    }

    /// A key in the rename modal: typing edits the name, Enter renames, Esc keeps it.
    package mutating func handleRenameKey(_ key: Key, _ action: KeyAction?, _ original: RenameEdit) -> [Effect] {
        var edit = original
        switch action {
        case .confirm:
            let name = edit.text.trimmingCharacters(in: .whitespaces)
            if let problem = nameProblem(name, for: edit.original) {
                edit.error = problem
                overlay = .rename(edit)
                return []
            }
            overlay = nil
            return rename(edit.original, to: name)
        case .dismiss:
            overlay = nil
            return []
        case .deleteBackward: if !edit.text.isEmpty { edit.text.removeLast() }
        case .deleteToStart: edit.text = ""
        default: if case .char(let c) = key { edit.text.append(c) }
        }
        edit.error = nil
        overlay = .rename(edit)
        return []
    }

    /// Why `name` cannot name the saved source now called `current`, nil when it can.
    package func nameProblem(_ name: String, for current: String?) -> String? {
        if name.isEmpty { return "a name is required" }
        if name != current, saved.contains(where: { $0.name == name }) {
            return "another saved source is named \(name): choose another name"
        }
        return nil
    }

    /// Renames a saved source (its latest run and state file follow it).
    private mutating func rename(_ old: String, to name: String) -> [Effect] {
        guard name != old, let i = saved.firstIndex(where: { $0.name == old }) else { return [] }
        saved[i].name = name
        moveRuns(from: old, to: name)
        notice = "renamed \(old) to \(name)"
        return [.saveSources(saved), .renameState(from: old, to: name)]
    }

    /// The runs of a renamed source follow it (a retry saves its status under the new name).
    package mutating func moveRuns(from old: String, to new: String) {
        latestRun[new] = latestRun.removeValue(forKey: old)
        for i in runs.indices where runs[i].request.sourceName == old { runs[i].request.sourceName = new }
    }

    /// Whether the latest run of saved source `name` is running.
    package func isRunning(_ name: String) -> Bool {
        latestRun[name].flatMap { run($0) }?.status == .running
    }
}
