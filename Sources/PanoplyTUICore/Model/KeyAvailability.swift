import PanoplyKit

/// Whether a binding works now.
package enum KeyAvailability: Sendable, Equatable {
    case enabled
    /// The key does nothing now but answer with this reason (as a notice).
    case disabled(String)
}

/// A binding of what shows now, with whether it works now.
package struct ApplicableBinding: Sendable {
    package let binding: KeyBinding
    package let availability: KeyAvailability

    package init(_ binding: KeyBinding, _ availability: KeyAvailability) {
        self.binding = binding
        self.availability = availability
    }

    package var isEnabled: Bool { availability == .enabled }
}

extension AppState {
    /// The bindings that apply to what shows now, each enabled or disabled with its reason:
    /// the one decision the reducer dispatches from (``binding(for:)``) and the help bar and
    /// the `?` overlay are drawn from.
    package func applicableBindings() -> [ApplicableBinding] {
        KeyMap.bindings(in: keyScopes).map { b in
            ApplicableBinding(b, b.condition.flatMap(refusal).map { .disabled($0) } ?? .enabled)
        }
    }

    /// What `key` does now: the binding of the first scope (most specific first) that binds
    /// it, nil when none does (a form's text field then types the key).
    package func binding(for key: Key) -> ApplicableBinding? {
        let applicable = applicableBindings()
        for scope in keyScopes {
            if let b = applicable.first(where: { $0.binding.scopes.contains(scope) && $0.binding.keys.contains(key) }) { return b }
        }
        return nil
    }

    /// The key scopes of what shows now: the overlay's, else the screen's. Ctrl-C (`.global`)
    /// is not among them: ``handleKey(_:)`` takes it first, on every screen.
    package var keyScopes: [KeyScope] {
        switch overlay {
        case .help: return [.helpOverlay]
        case .confirmCancel, .confirmQuit: return [.confirm]
        case .confirmDelete, .confirmDeleteState: return [.question]
        case .confirmDiscard: return [.discard]
        case .rename: return [.rename]
        case .picker(let p):
            if let pane = p.fieldsPane { return pane.rename == nil ? [.pickerFields] : [.pickerFieldRename] }
            return p.editingFilter ? [.pickerFilter] : [.picker]
        case .preview: return [.preview]
        case nil: break
        }
        switch screen {
        case .list: return [.list]
        case .form(let f): return f.keyScopes
        case .run(let id): return run(id)?.editingFilter == true ? [.runFilter] : [.run]
        case .history(let h): return [h.detail ? .historyDetail : .history]
        }
    }
}
