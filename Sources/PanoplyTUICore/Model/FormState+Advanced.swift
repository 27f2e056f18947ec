import PanoplyKit

// `advanced` fields are folded away until asked for (Ctrl-O); the focused field and fields
// with an error always show, so nothing needing attention is hidden.
extension FormState {
    /// True when field `i` shows (and the focus stops on it).
    package func isShown(_ i: Int) -> Bool {
        guard fields.indices.contains(i) else { return false }
        let f = fields[i]
        return showAdvanced || f.category == .basic || i == focus || errors[f.name] != nil
    }

    /// How many advanced fields are folded away now.
    package var hiddenCount: Int { fields.indices.filter { !isShown($0) }.count }

    package var hasAdvanced: Bool { fields.contains { $0.category == .advanced } }

    /// Moves the focus `step` fields on (±1), skipping hidden ones; stays at either end.
    package mutating func moveFocus(by step: Int) {
        var i = focus + step
        while fields.indices.contains(i), !isShown(i) { i += step }
        if fields.indices.contains(i) { focus = i }
    }

    /// Ctrl-O: shows or folds the advanced fields; folding moves the focus off them.
    package mutating func toggleAdvanced() {
        showAdvanced.toggle()
        guard !showAdvanced, let f = focused, f.category == .advanced else { return }
        let shown = fields.indices.filter { fields[$0].category == .basic }
        if let i = shown.last(where: { $0 < focus }) ?? shown.first { focus = i }
    }

    /// The key scopes for the focused field, most specific first.
    package var keyScopes: [KeyScope] {
        let purposeScope: KeyScope = purpose == .destination ? .destinationForm : .sourceForm
        var scopes: [KeyScope]
        switch focused {
        case let f? where f.cycles: scopes = [.formChoice, .form]
        case let f? where f.kind == .list && purpose != .destination: scopes = [.formList, .formText, .form]
        default: scopes = [.formText, .form]
        }
        if hasAdvanced { scopes.append(.advancedForm) }
        return scopes + [purposeScope]
    }
}
