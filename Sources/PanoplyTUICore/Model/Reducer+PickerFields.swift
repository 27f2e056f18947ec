import PanoplyKit

extension AppState {
    /// A key while the picker's fields pane has the focus (or its rename modal shows).
    /// `action`: what the key does here (``binding(for:)``), already known to apply now.
    package mutating func handleFieldsKey(_ key: Key, _ action: KeyAction?, _ p: inout PickerState) -> [Effect] {
        if p.fieldsPane?.rename != nil {
            editFieldRename(key, action, &p)
            return []
        }
        let rows = PickerLayout(width: width, height: height).listRows
        let count = p.paneResource?.fields.count ?? 0
        switch action {
        case .up: p.moveField(by: -1)
        case .down: p.moveField(by: 1)
        case .pageUp: p.moveField(by: -rows)
        case .pageDown: p.moveField(by: rows)
        case .top: p.moveField(by: -count)
        case .bottom: p.moveField(by: count)
        case .excludeField: p.toggleExclude()
        case .hashField: p.toggleHash()
        case .renameField: p.startRename()
        case .preview: return previewResource(p)
        case .back:
            p.fieldsPane = nil
            p.message = nil
        default: break
        }
        return []
    }

    /// A key in the rename modal: typing edits the name, Enter takes it, Esc keeps the old one.
    private func editFieldRename(_ key: Key, _ action: KeyAction?, _ p: inout PickerState) {
        guard var pane = p.fieldsPane, var edit = pane.rename else { return }
        switch action {
        case .confirm:
            p.commitRename()
            return
        case .dismiss:
            pane.rename = nil
            p.fieldsPane = pane
            return
        case .deleteBackward: if !edit.text.isEmpty { edit.text.removeLast() }
        case .deleteToStart: edit.text = ""
        default: if case .char(let c) = key { edit.text.append(c) }
        }
        edit.error = nil
        pane.rename = edit
        p.fieldsPane = pane
    }
}
