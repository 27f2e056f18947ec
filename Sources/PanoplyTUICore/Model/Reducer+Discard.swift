import PanoplyKit

extension AppState {
    /// Esc on a form: back to the list at once when nothing changed, else asks first.
    package mutating func leaveForm(_ form: FormState) {
        if form.isChanged { overlay = .confirmDiscard } else { screen = .list }
    }

    /// The answer to "discard the changes?": `y` discards, `n` or Esc keeps editing, `s`
    /// saves as Ctrl-S does; other keys leave the question up.
    package mutating func answerDiscardQuestion(_ answer: KeyAction?) -> [Effect] {
        guard case .form(var form) = screen else {
            overlay = nil
            return []
        }
        switch answer {
        case .confirm:
            overlay = nil
            screen = .list
            notice = "discarded the changes to \(form.title)"
        case .dismiss:
            overlay = nil
        case .submit:
            overlay = nil
            let effects = submit(&form)
            if case .form = screen { screen = .form(form) }
            return effects
        default:
            break
        }
        return []
    }
}
