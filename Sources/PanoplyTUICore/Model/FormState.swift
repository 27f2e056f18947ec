import PanoplyKit

/// One input of a form.
package struct FormField: Sendable, Equatable {
    package var name: String
    package var title: String
    package var kind: SourceParam.Kind
    package var required: Bool
    package var placeholder: String
    /// The placeholder is an example (shown as `e.g. ...`), not the default an empty value takes.
    package var placeholderIsExample: Bool
    package var help: String
    package var choices: [String]
    package var value: String
    /// `advanced` fields are folded away until the user shows them (Ctrl-O).
    package var category: SourceParam.Category = .basic

    package init(_ p: SourceParam, value: String? = nil) {
        name = p.name
        title = p.title
        kind = p.kind
        required = p.required
        placeholder = p.placeholder.isEmpty ? (p.defaultValue ?? "") : p.placeholder
        placeholderIsExample = !p.placeholder.isEmpty && p.placeholder != p.defaultValue
        help = p.help
        choices = p.kind == .boolean ? ["false", "true"] : p.choices
        category = p.category
        // Choice and boolean fields always show a value; text fields start empty and
        // show the placeholder (an empty value means the default).
        switch p.kind {
        case .choice, .boolean: self.value = value ?? p.defaultValue ?? choices.first ?? ""
        default: self.value = value ?? ""
        }
    }

    /// Choice and boolean fields cycle through their values instead of taking text.
    package var cycles: Bool { kind == .choice || kind == .boolean }

    /// `step` values along the choices (wrapping).
    package mutating func cycle(_ step: Int) {
        guard !choices.isEmpty else { return }
        let i = choices.firstIndex(of: value) ?? -1
        value = choices[((i + step) % choices.count + choices.count) % choices.count]
    }
}

/// What a form edits, and so what Ctrl-S does with it.
package enum FormPurpose: Sendable, Equatable {
    /// A source's params; `savedName` when it edits a saved source.
    case source(type: String, savedName: String?)
    case destination
}

/// A form generated from a source's configuration (or the destination's fields).
package struct FormState: Sendable, Equatable {
    package var purpose: FormPurpose
    package var title: String
    package var fields: [FormField]
    /// The focused field; moving the focus puts the cursor at the end of the new field.
    package var focus = 0 {
        didSet { if focus != oldValue { cursor = nil } }
    }
    /// The cursor in the focused text field, in Characters (grapheme clusters) from the
    /// start of its value; nil means at the end, where typing appends.
    package var cursor: Int?
    /// Inline errors by field name.
    package var errors: [String: String] = [:]
    /// An error that belongs to no single field.
    package var formError: String?
    /// Values of fields not shown now (the destination form hides fields of other kinds).
    package var stash: [String: String] = [:]
    /// The latest Ctrl-T / Ctrl-S check of the params, shown under the form.
    package var check: FormCheck?
    /// Ctrl-O: the `advanced` fields are shown.
    package var showAdvanced = false
    /// The values the form opened with (``markUnchanged()``); nil: never asks before leaving.
    package var initialValues: [String: String]?
    /// What runs do to the fields of each resource (set in the picker's fields pane; a saved
    /// source's own); nil when nothing is set.
    package var fieldSettings: FieldSettings?
    /// The field settings the form opened with.
    package var initialFieldSettings: FieldSettings?

    /// Whether a field or a field setting differs from what the form opened with (Esc then asks first).
    package var isChanged: Bool { initialValues.map { $0 != values || fieldSettings != initialFieldSettings } ?? false }

    /// Takes the current values as the ones the form opened with.
    package mutating func markUnchanged() {
        initialValues = values
        initialFieldSettings = fieldSettings
    }

    /// The name of the extra field holding the destination table.
    package static let tableField = "__table"
    /// The name of the extra field holding the saved source's name.
    package static let nameField = "__name"

    package var focused: FormField? { fields.indices.contains(focus) ? fields[focus] : nil }

    /// The values of the fields, by name (the table field included).
    package var values: [String: String] {
        Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// Where the cursor is in the focused field's value (0...value.count).
    package var cursorOffset: Int {
        let count = focused?.value.count ?? 0
        return max(0, min(cursor ?? count, count))
    }

    package func value(_ name: String) -> String { fields.first { $0.name == name }?.value ?? "" }

    package mutating func setValue(_ name: String, _ value: String) {
        if let i = fields.firstIndex(where: { $0.name == name }) { fields[i].value = value }
    }

    /// The form for a source type, prefilled with `values` (and a saved source's field
    /// settings); an empty Name means `defaultName`.
    package static func source(
        _ info: SourceTypeInfo, values: [String: String], table: String, savedName: String?,
        defaultName: String? = nil, fields settings: FieldSettings? = nil
    ) -> FormState {
        var inputs = info.configuration.params.map { FormField($0, value: values[$0.name]) }
        inputs.append(
            FormField(
                SourceParam(
                    tableField, title: "Destination table", default: SourceInput.defaultDestination(info.type),
                    help: "The table the records go to (default: \(info.type))"), value: table))
        let name = savedName ?? defaultName ?? info.configuration.title
        inputs.append(
            FormField(
                SourceParam(
                    nameField, title: "Name", default: name,
                    help: "How the list names this saved source (default: \(name))"), value: savedName ?? ""))
        let title = savedName.map { "\(info.configuration.title) · \($0)" } ?? "New \(info.configuration.title) source"
        var form = FormState(purpose: .source(type: info.type, savedName: savedName), title: title, fields: inputs)
        form.fieldSettings = settings
        form.showApplicableFields(info)
        form.markUnchanged()
        return form
    }
}

// MARK: - Line editing in the focused text field

extension FormState {
    /// Puts the cursor `offset` Characters into the focused value (clamped; the end is nil).
    package mutating func moveCursor(to offset: Int) {
        let count = focused?.value.count ?? 0
        cursor = offset >= count ? nil : max(0, offset)
    }

    package mutating func moveCursor(by step: Int) { moveCursor(to: cursorOffset + step) }

    /// Inserts `text` at the cursor and puts the cursor after it. A combining mark typed
    /// after a letter joins that letter's Character, and the cursor stays after it.
    package mutating func insertAtCursor(_ text: String) {
        guard fields.indices.contains(focus), !text.isEmpty else { return }
        var v = fields[focus].value
        let at = v.index(v.startIndex, offsetBy: cursorOffset)
        let endOfInsert = v.utf8.distance(from: v.startIndex, to: at) + text.utf8.count
        v.insert(contentsOf: text, at: at)
        // The cursor goes after every Character that starts before the end of the insert.
        let limit = v.utf8.index(v.startIndex, offsetBy: endOfInsert)
        var n = 0
        var i = v.startIndex
        while i < v.endIndex, i < limit {
            n += 1
            i = v.index(after: i)
        }
        fields[focus].value = v
        moveCursor(to: n)
    }

    /// Backspace: deletes the Character before the cursor.
    package mutating func deleteBackward() {
        let k = cursorOffset
        guard k > 0 else { return }
        removeCharacters(k - 1..<k)
        moveCursor(to: k - 1)
    }

    /// Delete: deletes the Character under the cursor.
    package mutating func deleteForward() {
        let k = cursorOffset
        guard let count = focused?.value.count, k < count else { return }
        removeCharacters(k..<k + 1)
        moveCursor(to: k)
    }

    /// Ctrl-U: deletes everything before the cursor.
    package mutating func deleteToStart() {
        removeCharacters(0..<cursorOffset)
        moveCursor(to: 0)
    }

    /// Ctrl-K: deletes everything from the cursor on.
    package mutating func deleteToEnd() {
        let k = cursorOffset
        removeCharacters(k..<(focused?.value.count ?? k))
        cursor = nil
    }

    /// Removes the Characters at offsets `range` of the focused value.
    private mutating func removeCharacters(_ range: Range<Int>) {
        guard fields.indices.contains(focus), !range.isEmpty else { return }
        var v = fields[focus].value
        let lower = v.index(v.startIndex, offsetBy: range.lowerBound)
        let upper = v.index(lower, offsetBy: range.count)
        v.removeSubrange(lower..<upper)
        fields[focus].value = v
    }
}
