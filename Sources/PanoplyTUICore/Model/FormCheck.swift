import PanoplyKit
import PanoplyWorkspace

/// A `check` of a source form's params running in the background (Ctrl-T tests the
/// connection; Ctrl-S checks before it starts a run), and what it found.
package struct FormCheck: Sendable, Equatable {
    package enum Status: Sendable, Equatable {
        case running
        case ok
        /// The error, and the field it concerns when known.
        case failed(String, field: String?)
    }

    package var id: Int
    /// Ctrl-S: start the run once the check finds nothing the form must fix.
    package var thenStart: Bool
    package var status: Status = .running

    package init(id: Int, thenStart: Bool, status: Status = .running) {
        self.id = id
        self.thenStart = thenStart
        self.status = status
    }

    /// Errors that no retry fixes, only an edit of the params: a config or auth error, or
    /// something the params name that is not there (a table, a file, a database).
    package static func needsEdit(_ category: PanoplyError.Category?) -> Bool {
        category == .config || category == .auth || category == .notFound
    }

    /// The field an error most likely concerns: for an auth error the password (or the
    /// first secret), else the param the message names first (by name or title), so
    /// "there is no table or view 'x' in database y" marks the table, not the database.
    package static func field(for error: PanoplyError, among params: [SourceParam]) -> String? {
        if error.category == .auth {
            return (params.first { $0.name == "password" } ?? params.first(where: \.isSecret) ?? params.first { $0.name == "user" })?.name
        }
        let words = error.message.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init)
        var first: [String: Int] = [:]
        for (i, w) in words.enumerated() where first[w] == nil { first[w] = i }
        let named = params.enumerated().compactMap { n, p -> (at: Int, order: Int, name: String)? in
            guard let at = [first[p.name.lowercased()], first[p.title.lowercased()]].compactMap({ $0 }).min() else { return nil }
            return (at, n, p.name)
        }
        return named.min { ($0.at, $0.order) < ($1.at, $1.order) }?.name
    }
}

/// What the app needs to check a source's params (``Effect/checkSource(_:)``).
package struct CheckRequest: Sendable, Equatable {
    package var id: Int
    package var type: String
    /// Typed params; `${NAME}` references still unexpanded.
    package var params: [String: JSONValue]
    /// The saved source being edited: the check uses (and keeps) the tokens in its state.
    package var sourceName: String?
    /// The form's field settings: checked against the resources' fields where the source
    /// lists them (an unknown field stops Ctrl-S in the form).
    package var fields: FieldSettings?

    package init(id: Int, type: String, params: [String: JSONValue], sourceName: String? = nil, fields: FieldSettings? = nil) {
        self.sourceName = sourceName
        self.fields = fields
        self.id = id
        self.type = type
        self.params = params
    }
}

extension FormState {
    /// Tab or Shift-Tab left `field`: a number field whose text is not a number says so
    /// under it at once (not only at Ctrl-S); a number, an empty field (its default) or a
    /// `${NAME}` reference (checked when the run starts) clears that message.
    package mutating func checkLeft(_ field: FormField) {
        guard field.kind == .number else { return }
        let text = String(field.value.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        let message = "\(field.title) must be a number"
        if text.isEmpty || EnvReference.contains(text) || (try? JSONNumber(text: text)) != nil {
            if errors[field.name]?.hasPrefix(message) == true { errors[field.name] = nil }
        } else {
            errors[field.name] = message + " (got '\(text)')"
        }
    }
}
