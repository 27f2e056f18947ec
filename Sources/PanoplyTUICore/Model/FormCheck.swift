import PanoplyKit

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

    /// Errors that no retry fixes, only an edit of the params.
    package static func needsEdit(_ category: PanoplyError.Category?) -> Bool { category == .config || category == .auth }

    /// The field an error most likely concerns: for an auth error the password (or the
    /// first secret), else the first param the message names (by name or title).
    package static func field(for error: PanoplyError, among params: [SourceParam]) -> String? {
        if error.category == .auth {
            return (params.first { $0.name == "password" } ?? params.first(where: \.isSecret) ?? params.first { $0.name == "user" })?.name
        }
        let words = Set(error.message.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init))
        return params.first { words.contains($0.name.lowercased()) || words.contains($0.title.lowercased()) }?.name
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

    package init(id: Int, type: String, params: [String: JSONValue], sourceName: String? = nil) {
        self.sourceName = sourceName
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
