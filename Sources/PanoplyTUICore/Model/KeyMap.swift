/// The one table of key bindings: the reducers dispatch from it, and the help bar and the
/// `?` overlay are generated from it (as lazygit's `GetKeybindings` or k9s's `KeyActions`).
package enum KeyMap {
    private static let screens: [KeyScope] = [.list, .form, .formText, .formChoice, .run]
    private static let listScopes: Set<KeyScope> = [.list, .rename, .history, .historyDetail]
    private static let pickerScopes: Set<KeyScope> = [.picker, .pickerFilter, .pickerFields, .pickerFieldRename, .preview]
    private static let formScopes: [KeyScope] = [.form, .formText, .formChoice, .formList, .advancedForm, .sourceForm, .destinationForm, .discard]

    package static let bindings: [KeyBinding] = [
        // Shared by several screens (the overlay's "Everywhere").
        KeyBinding([.escape], [.form, .run], .back, "back", hint: "back"),
        KeyBinding([.char("?")], [.list, .formText, .formChoice, .run], .help, "show this help", hint: "help"),
        KeyBinding([.char("q")], [.list, .run], .quit, "quit (asks if busy)", hint: "quit"),
        KeyBinding([.ctrl("c")], [.global], .quit, "quit, same as q"),
        // The source list.
        KeyBinding([.up, .char("k")], [.list], .up, "move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.down, .char("j")], [.list], .down, "move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.home, .char("g")], [.list], .top, "first / last", label: "g G Home End"),
        KeyBinding([.end, .char("G")], [.list], .bottom, "first / last", label: "g G Home End"),
        KeyBinding([.pageUp], [.list], .pageUp, "ten up / down", label: "PgUp PgDn"),
        KeyBinding([.pageDown], [.list], .pageDown, "ten up / down", label: "PgUp PgDn"),
        KeyBinding([.enter], [.list], .open, "open form (or run)", hint: "open"),
        KeyBinding([.char("v"), .right, .char("l")], [.list], .viewRun, "view latest run", hint: "view run", label: "v → l", when: .selectionHasRun),
        KeyBinding([.char("r")], [.list], .retry, "retry failed run", hint: "retry", when: .selectionRetryable),
        KeyBinding([.char("x"), .delete], [.list], .delete, "delete source (asks)", when: .selectionDeletable),
        KeyBinding([.char("d")], [.list], .destination, "destination form", hint: "destination"),
        KeyBinding([.char("n")], [.list], .rename, "rename source", when: .selectionRenamable),
        KeyBinding([.char("D")], [.list], .duplicate, "duplicate source", when: .selectionSaved),
        KeyBinding([.char("h")], [.list], .history, "run history", hint: "history", when: .selectionHasHistory),
        KeyBinding([.char("F")], [.list], .fullRefresh, "run from scratch", when: .selectionRefreshable),
        // A saved source's run history.
        KeyBinding([.up, .char("k")], [.history], .up, "history: move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.down, .char("j")], [.history], .down, "history: move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.home, .char("g")], [.history], .top, "history: first / last", label: "g G"),
        KeyBinding([.end, .char("G")], [.history], .bottom, "history: first / last", label: "g G"),
        KeyBinding([.enter], [.history], .open, "history: the run's summary and log", hint: "show run", when: .historyHasRuns),
        KeyBinding([.escape], [.history, .historyDetail], .back, "history: back", hint: "back"),
        KeyBinding([.char("?")], [.history, .historyDetail], .help, "history: help", hint: "help"),
        KeyBinding([.char("q")], [.history, .historyDetail], .quit, "history: quit", hint: "quit"),
        KeyBinding([.enter], [.rename], .confirm, "rename / keep (modal)", hint: "rename", label: "Enter Esc"),
        KeyBinding([.escape], [.rename], .dismiss, "rename / keep (modal)", hint: "keep", label: "Enter Esc"),
        KeyBinding([.backspace], [.rename], .deleteBackward, "edit the name", label: "Bksp Ctrl-U"),
        KeyBinding([.ctrl("u")], [.rename], .deleteToStart, "edit the name", label: "Bksp Ctrl-U"),
        // Forms.
        KeyBinding([.enter, .char(" ")], [.formList], .openPicker, "pick from the list", hint: "pick", label: "Enter Space"),
        KeyBinding([.ctrl("o")], [.advancedForm], .toggleAdvanced, "advanced fields", hint: "advanced", label: "Ctrl-O"),
        KeyBinding([.tab, .down, .enter], [.form], .nextField, "next/previous field", hint: "next", label: "Tab ⇧Tab ↑↓"),
        KeyBinding([.backTab, .up], [.form], .previousField, "next/previous field", hint: "previous", label: "Tab ⇧Tab ↑↓"),
        KeyBinding([.char(" "), .right], [.formChoice], .choiceNext, "change a choice", hint: "choose", label: "Space ← →"),
        KeyBinding([.left], [.formChoice], .choicePrevious, "change a choice", label: "Space ← →"),
        KeyBinding([.left], [.formText], .cursorLeft, "move in the text", hint: "cursor", label: "← → Home End"),
        KeyBinding([.right], [.formText], .cursorRight, "move in the text", hint: "cursor", label: "← → Home End"),
        KeyBinding([.home, .ctrl("a")], [.formText], .cursorHome, "move in the text", label: "← → Home End"),
        KeyBinding([.end, .ctrl("e")], [.formText], .cursorEnd, "move in the text", label: "← → Home End"),
        KeyBinding([.backspace], [.formText], .deleteBackward, "delete back / forward", label: "Bksp Del"),
        KeyBinding([.delete, .ctrl("d")], [.formText], .deleteForward, "delete back / forward", label: "Bksp Del"),
        KeyBinding([.ctrl("u")], [.formText], .deleteToStart, "clear to start / end", label: "Ctrl-U/K"),
        KeyBinding([.ctrl("k")], [.formText], .deleteToEnd, "clear to start / end", label: "Ctrl-U/K"),
        KeyBinding([.ctrl("s")], [.sourceForm], .submit, "save and start", hint: "start", label: "Ctrl-S"),
        KeyBinding([.ctrl("t")], [.sourceForm], .testSource, "test the connection", hint: "test", label: "Ctrl-T"),
        // No room in the bar beside Ctrl-S, Ctrl-T and Esc at 80 columns: `?` lists it.
        KeyBinding([.ctrl("p")], [.sourceForm], .preview, "preview the records", label: "Ctrl-P"),
        KeyBinding([.ctrl("s")], [.destinationForm], .submit, "save the destination", hint: "save", label: "Ctrl-S"),
        KeyBinding([.char("y"), .char("Y")], [.discard], .confirm, "changed form: discard", hint: "discard", label: "Esc → y"),
        KeyBinding([.char("n"), .char("N"), .escape], [.discard], .dismiss, "changed form: keep editing", hint: "keep editing", label: "Esc → n Esc"),
        KeyBinding([.char("s"), .char("S")], [.discard], .submit, "changed form: save", hint: "save", label: "Esc → s"),
        // The run view.
        KeyBinding([.char("c")], [.run], .cancelRun, "cancel (asks)", hint: "cancel", when: .runCancellable),
        KeyBinding([.char("r")], [.run], .retry, "retry from state", hint: "retry", when: .runRetryable),
        KeyBinding([.char("e")], [.run], .edit, "edit (config error)", hint: "edit", when: .runEditable),
        KeyBinding([.char("/")], [.run], .filter, "filter the log", hint: "filter"),
        KeyBinding([.char("f")], [.run], .follow, "follow the log", hint: "follow"),
        KeyBinding([.char("t")], [.run], .toggleTime, "time of day / elapsed"),
        KeyBinding([.char("!")], [.run], .problemsOnly, "warn / error only"),
        KeyBinding([.tab, .backTab], [.run], .togglePane, "log / state / table", hint: "pane", label: "Tab"),
        KeyBinding([.up, .char("k")], [.run], .up, "scroll", hint: "scroll", label: "↑↓ PgUp PgDn"),
        KeyBinding([.down, .char("j")], [.run], .down, "scroll", hint: "scroll", label: "↑↓ PgUp PgDn"),
        KeyBinding([.pageUp], [.run], .pageUp, "scroll", label: "↑↓ PgUp PgDn"),
        KeyBinding([.pageDown], [.run], .pageDown, "scroll", label: "↑↓ PgUp PgDn"),
        KeyBinding([.home, .char("g")], [.run], .top, "top / end", label: "g G"),
        KeyBinding([.end, .char("G")], [.run], .bottom, "top / end", label: "g G"),
        KeyBinding([.enter], [.runFilter], .applyFilter, "keep / clear filter", hint: "apply filter", label: "Enter Esc"),
        KeyBinding([.escape], [.runFilter], .clearFilter, "keep / clear filter", hint: "clear filter", label: "Enter Esc"),
        KeyBinding([.backspace], [.runFilter], .filterBackspace, "edit the filter", label: "Bksp Ctrl-U"),
        KeyBinding([.ctrl("u")], [.runFilter], .filterClearText, "edit the filter", label: "Bksp Ctrl-U"),
        // The picker of a list field.
        KeyBinding([.up, .char("k")], [.picker], .up, "move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.down, .char("j")], [.picker], .down, "move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.pageUp], [.picker], .pageUp, "a page up / down", label: "PgUp PgDn"),
        KeyBinding([.pageDown], [.picker], .pageDown, "a page up / down", label: "PgUp PgDn"),
        KeyBinding([.home, .char("g")], [.picker], .top, "first / last", label: "g G Home End"),
        KeyBinding([.end, .char("G")], [.picker], .bottom, "first / last", label: "g G Home End"),
        KeyBinding([.char(" ")], [.picker], .toggle, "pick (+ required)", hint: "pick", when: .pickerLoaded),
        KeyBinding([.char("a")], [.picker], .toggleAll, "all shown / none", hint: "all", when: .pickerLoaded),
        KeyBinding([.char("/")], [.picker], .filter, "filter the list", hint: "filter"),
        KeyBinding([.enter], [.picker], .confirm, "keep the picks", hint: "done", when: .pickerLoaded),
        KeyBinding([.escape], [.picker], .dismiss, "clear filter / leave", hint: "cancel"),
        KeyBinding([.char("r")], [.picker], .retry, "reload the values", hint: "reload", when: .pickerReloadable),
        KeyBinding([.tab], [.picker], .fields, "the fields pane", hint: "fields", when: .pickerFieldsKnown),
        KeyBinding([.char("p")], [.picker], .preview, "preview the resource", hint: "preview", when: .pickerPreviewable),
        KeyBinding([.enter], [.pickerFilter], .applyFilter, "keep / clear filter", hint: "keep filter", label: "Enter Esc"),
        KeyBinding([.escape], [.pickerFilter], .clearFilter, "keep / clear filter", hint: "clear filter", label: "Enter Esc"),
        KeyBinding([.up], [.pickerFilter], .up, "move while typing", label: "↑ ↓"),
        KeyBinding([.down], [.pickerFilter], .down, "move while typing", label: "↑ ↓"),
        KeyBinding([.backspace], [.pickerFilter], .filterBackspace, "edit the filter", label: "Bksp Ctrl-U"),
        KeyBinding([.ctrl("u")], [.pickerFilter], .filterClearText, "edit the filter", label: "Bksp Ctrl-U"),
        // The picker's fields pane (Tab): the fields of the resource under the cursor.
        KeyBinding([.char("x")], [.pickerFields], .excludeField, "fields: exclude / not", hint: "exclude", when: .fieldEditable),
        KeyBinding([.char("#")], [.pickerFields], .hashField, "fields: hash / not", hint: "hash", when: .fieldEditable),
        KeyBinding([.char("n")], [.pickerFields], .renameField, "fields: rename", hint: "rename", when: .fieldEditable),
        KeyBinding([.char("p")], [.pickerFields], .preview, "preview the resource", hint: "preview", when: .pickerPreviewable),
        KeyBinding([.tab, .escape], [.pickerFields], .back, "fields: back", hint: "back", label: "Tab Esc"),
        KeyBinding([.up, .char("k")], [.pickerFields], .up, "move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.down, .char("j")], [.pickerFields], .down, "move", hint: "move", label: "↑ ↓ j k"),
        KeyBinding([.pageUp], [.pickerFields], .pageUp, "a page up / down", label: "PgUp PgDn"),
        KeyBinding([.pageDown], [.pickerFields], .pageDown, "a page up / down", label: "PgUp PgDn"),
        KeyBinding([.home, .char("g")], [.pickerFields], .top, "first / last", label: "g G Home End"),
        KeyBinding([.end, .char("G")], [.pickerFields], .bottom, "first / last", label: "g G Home End"),
        KeyBinding([.enter], [.pickerFieldRename], .confirm, "fields: rename / keep", hint: "rename", label: "Enter Esc"),
        KeyBinding([.escape], [.pickerFieldRename], .dismiss, "fields: rename / keep", hint: "keep", label: "Enter Esc"),
        KeyBinding([.backspace], [.pickerFieldRename], .deleteBackward, "fields: edit the name", label: "Bksp Ctrl-U"),
        KeyBinding([.ctrl("u")], [.pickerFieldRename], .deleteToStart, "fields: edit the name", label: "Bksp Ctrl-U"),
        // The preview overlay.
        KeyBinding([.left, .char("h")], [.preview], .scrollLeft, "preview: columns", hint: "columns", label: "← → h l", when: .previewLoaded),
        KeyBinding([.right, .char("l")], [.preview], .scrollRight, "preview: columns", hint: "columns", label: "← → h l", when: .previewLoaded),
        KeyBinding([.up, .char("k")], [.preview], .up, "preview: rows", hint: "rows", label: "↑ ↓ j k", when: .previewLoaded),
        KeyBinding([.down, .char("j")], [.preview], .down, "preview: rows", hint: "rows", label: "↑ ↓ j k", when: .previewLoaded),
        KeyBinding([.pageUp], [.preview], .pageUp, "preview: pages", label: "PgUp PgDn", when: .previewLoaded),
        KeyBinding([.pageDown], [.preview], .pageDown, "preview: pages", label: "PgUp PgDn", when: .previewLoaded),
        KeyBinding([.home, .char("g")], [.preview], .top, "preview: first / last", label: "g G Home End", when: .previewLoaded),
        KeyBinding([.end, .char("G")], [.preview], .bottom, "preview: first / last", label: "g G Home End", when: .previewLoaded),
        KeyBinding([.escape], [.preview], .dismiss, "preview: close", hint: "close"),
        // Overlays.
        KeyBinding([], [.helpOverlay], .dismiss, "close help", hint: "close help", label: "any key"),
        KeyBinding([.up], [.helpOverlay], .up, "scroll the help", label: "↑ ↓ PgUp PgDn"),
        KeyBinding([.down], [.helpOverlay], .down, "scroll the help", label: "↑ ↓ PgUp PgDn"),
        KeyBinding([.pageUp], [.helpOverlay], .pageUp, "scroll the help", label: "↑ ↓ PgUp PgDn"),
        KeyBinding([.pageDown], [.helpOverlay], .pageDown, "scroll the help", label: "↑ ↓ PgUp PgDn"),
        KeyBinding([.char("y"), .char("Y")], [.confirm], .confirm, "yes", hint: "yes"),
        KeyBinding([], [.confirm], .dismiss, "no", hint: "no", label: "any other key"),
        KeyBinding([.char("y"), .char("Y")], [.question], .confirm, "yes", hint: "yes"),
        KeyBinding([.char("n"), .char("N"), .escape], [.question], .dismiss, "no", hint: "no", label: "n Esc")
    ]

    /// What `key` does in the first of `scopes` that binds it, nil when none does.
    package static func action(for key: Key, in scopes: [KeyScope]) -> KeyAction? {
        for scope in scopes {
            if let b = bindings.first(where: { $0.scopes.contains(scope) && $0.keys.contains(key) }) { return b.action }
        }
        return nil
    }

    /// The bindings of `scopes`, in the table's order.
    package static func bindings(in scopes: [KeyScope]) -> [KeyBinding] {
        bindings.filter { $0.scopes.contains { scopes.contains($0) } }
    }

    /// The help bar's items for the bindings that apply now (``AppState/applicableBindings()``):
    /// the screen's own keys first, then shared ones; consecutive bindings with the same hint
    /// make one item (`↑↓ move`). Disabled bindings are left out: the bar offers only what
    /// works now (the `?` overlay dims them instead).
    package static func hints(_ applicable: [ApplicableBinding]) -> [(key: String, what: String)] {
        let shown = applicable.filter { $0.isEnabled && $0.binding.hint != nil }.map(\.binding)
        let ordered = shown.filter { $0.scopes.count == 1 } + shown.filter { $0.scopes.count > 1 }
        var items: [(key: String, what: String)] = []
        var lastHint: String?
        for b in ordered {
            guard let hint = b.hint else { continue }
            if hint == lastHint, let last = items.popLast() {
                items.append((last.key + b.barLabel, hint))
            } else {
                items.append((b.barLabel, hint))
            }
            lastHint = hint
        }
        return items
    }

    /// The help bar's items for every binding of `scopes`, as if each applied.
    package static func hints(_ scopes: [KeyScope]) -> [(key: String, what: String)] {
        hints(bindings(in: scopes).map { ApplicableBinding($0, .enabled) })
    }

    /// The `?` overlay: one section per screen, plus "Everywhere" for keys several share.
    package static var helpSections: [(title: String, rows: [(keys: String, help: String)])] {
        let sections: [(String, (KeyBinding) -> Bool)] = [
            ("Everywhere", { b in b.scopes == [.global] || b.scopes.filter { screens.contains($0) }.count > 1 }),
            ("Source list", { b in Set(b.scopes).isSubset(of: listScopes) && !b.scopes.contains(.historyDetail) }),
            ("Form", { b in b.scopes.count == 1 && formScopes.contains(b.scopes[0]) }),
            ("Run view", { b in b.scopes == [.run] || b.scopes == [.runFilter] }),
            ("List picker", { b in b.scopes.count == 1 && pickerScopes.contains(b.scopes[0]) })
        ]
        return sections.map { title, belongs in (title, rows(bindings.filter(belongs))) }
    }

    /// Rows for the overlay: consecutive bindings with the same keys label share one.
    private static func rows(_ bindings: [KeyBinding]) -> [(keys: String, help: String)] {
        var rows: [(keys: String, help: String)] = []
        // A row already shown with the same keys and help (the fields pane moves as the list does) shows once.
        for b in bindings where rows.last?.keys != b.keysLabel && !rows.contains(where: { $0 == (b.keysLabel, b.help) }) {
            rows.append((b.keysLabel, b.help))
        }
        return rows
    }
}
