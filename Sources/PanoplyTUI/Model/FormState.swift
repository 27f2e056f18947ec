import PanoplyKit

/// One input of a form.
struct FormField: Sendable, Equatable {
    var name: String
    var title: String
    var kind: SourceParam.Kind
    var required: Bool
    var placeholder: String
    var help: String
    var choices: [String]
    var value: String

    init(_ p: SourceParam, value: String? = nil) {
        name = p.name
        title = p.title
        kind = p.kind
        required = p.required
        placeholder = p.placeholder.isEmpty ? (p.defaultValue ?? "") : p.placeholder
        help = p.help
        choices = p.kind == .boolean ? ["false", "true"] : p.choices
        // Choice and boolean fields always show a value; text fields start empty and
        // show the placeholder (an empty value means the default).
        switch p.kind {
        case .choice, .boolean: self.value = value ?? p.defaultValue ?? choices.first ?? ""
        default: self.value = value ?? ""
        }
    }

    /// Choice and boolean fields cycle through their values instead of taking text.
    var cycles: Bool { kind == .choice || kind == .boolean }

    /// `step` values along the choices (wrapping).
    mutating func cycle(_ step: Int) {
        guard !choices.isEmpty else { return }
        let i = choices.firstIndex(of: value) ?? -1
        value = choices[((i + step) % choices.count + choices.count) % choices.count]
    }
}

/// What a form edits, and so what Ctrl-S does with it.
enum FormPurpose: Sendable, Equatable {
    /// A source's params; `savedName` when it edits a saved source.
    case source(type: String, savedName: String?)
    case destination
}

/// A form generated from a source's configuration (or the destination's fields).
struct FormState: Sendable, Equatable {
    var purpose: FormPurpose
    var title: String
    var fields: [FormField]
    var focus = 0
    /// Inline errors by field name.
    var errors: [String: String] = [:]
    /// An error that belongs to no single field.
    var formError: String?
    /// Values of fields not shown now (the destination form hides fields of other kinds).
    var stash: [String: String] = [:]

    /// The name of the extra field holding the destination table.
    static let tableField = "__table"

    var focused: FormField? { fields.indices.contains(focus) ? fields[focus] : nil }

    /// The values of the fields, by name (the table field included).
    var values: [String: String] {
        Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    func value(_ name: String) -> String { fields.first { $0.name == name }?.value ?? "" }

    mutating func setValue(_ name: String, _ value: String) {
        if let i = fields.firstIndex(where: { $0.name == name }) { fields[i].value = value }
    }

    /// The form for a source type, prefilled with `values`.
    static func source(_ info: SourceTypeInfo, values: [String: String], table: String, savedName: String?) -> FormState {
        var fields = info.configuration.params.map { FormField($0, value: values[$0.name]) }
        fields.append(FormField(SourceParam(tableField, title: "Destination table", placeholder: info.type,
                                            help: "The table the records go to (default: \(info.type))"), value: table))
        let title = savedName.map { "\(info.configuration.title) · \($0)" } ?? "New \(info.configuration.title) source"
        return FormState(purpose: .source(type: info.type, savedName: savedName), title: title, fields: fields)
    }
}
