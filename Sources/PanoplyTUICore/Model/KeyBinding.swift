/// Where a key binding applies: a screen, or a state of one.
package enum KeyScope: Sendable, Equatable, CaseIterable {
    /// Every screen, before the screen's own keys (Ctrl-C).
    case global
    case list
    /// Any field of a form.
    case form
    /// A text field (typing inserts; keys edit).
    case formText
    /// A choice or boolean field (keys cycle its values).
    case formChoice
    /// A `list` field (Enter or Space opens its picker; typing still edits the text).
    case formList
    /// A form with `advanced` fields (folded away until shown).
    case advancedForm
    /// A source's form (Ctrl-S starts the run).
    case sourceForm
    /// The destination form (Ctrl-S saves it).
    case destinationForm
    case run
    /// Typing the run view's log filter.
    case runFilter
    /// The `?` overlay: any key closes it.
    case helpOverlay
    /// A yes/no question.
    case confirm
    /// A question that takes only `y` or `n`/Esc (deleting).
    case question
    /// Esc on a changed form: discard, keep editing, or save.
    case discard
    /// Typing a saved source's new name.
    case rename
    /// A saved source's run history (`h`), and one run of it.
    case history, historyDetail
    /// The list field's picker.
    case picker
    /// Typing the picker's filter.
    case pickerFilter
    /// The picker's fields pane (Tab), and its rename modal.
    case pickerFields, pickerFieldRename
    /// The preview overlay.
    case preview
}

/// What a bound key does; the reducers switch over these, never over raw keys.
package enum KeyAction: Sendable, Equatable {
    case quit, help, back, dismiss, confirm
    case up, down, top, bottom, pageUp, pageDown
    case open, destination, viewRun, retry, delete, rename, duplicate
    case nextField, previousField, submit, choiceNext, choicePrevious
    case cursorLeft, cursorRight, cursorHome, cursorEnd
    case deleteBackward, deleteForward, deleteToStart, deleteToEnd
    case cancelRun, filter, togglePane, follow, toggleTime, problemsOnly
    case applyFilter, clearFilter, filterBackspace, filterClearText
    case history, fullRefresh, testSource, edit
    case openPicker, toggleAdvanced, toggle, toggleAll
    case fields, excludeField, hashField, renameField, preview, scrollLeft, scrollRight
}

/// One row of the key map: which keys, where, what they do, and how help shows them.
package struct KeyBinding: Sendable {
    package let keys: [Key]
    package let scopes: [KeyScope]
    package let action: KeyAction
    /// What the `?` overlay says the keys do.
    package let help: String
    /// The help bar's short word for it; nil keeps it out of the bar.
    package let hint: String?
    /// How the overlay writes the keys; consecutive bindings with the same label share
    /// one row (the first one's help). Default: the keys themselves.
    package let label: String?
    /// What must hold for the binding to apply now (nil: it always does). When it does not,
    /// the binding is disabled: the key answers why, and help leaves it out or dims it.
    package let condition: KeyCondition?

    package init(
        _ keys: [Key], _ scopes: [KeyScope], _ action: KeyAction, _ help: String,
        hint: String? = nil, label: String? = nil, when condition: KeyCondition? = nil
    ) {
        self.keys = keys
        self.scopes = scopes
        self.action = action
        self.help = help
        self.hint = hint
        self.label = label
        self.condition = condition
    }

    /// The keys as the overlay shows them.
    package var keysLabel: String { label ?? keys.map(\.label).joined(separator: " ") }

    /// The key as the help bar shows it: the first one.
    package var barLabel: String { keys.first?.label ?? label ?? "" }
}

extension Key {
    /// How help writes the key (`Space`, `⇧Tab`, `Ctrl-S`, `g`).
    package var label: String {
        switch self {
        case .char(" "): "Space"
        case .backTab: "⇧Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        default: description
        }
    }
}
