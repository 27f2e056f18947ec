import PanoplyKit

/// The whole behaviour of the UI: a pure function of the state and one event.
/// - Returns: the new state and what the app must do (start or cancel runs, save files, quit).
package func reduce(_ state: AppState, _ event: AppEvent) -> (AppState, [Effect]) {
    var s = state
    let effects = reduce(&s, event)
    return (s, effects)
}

/// ``reduce(_:_:)`` in place. With no other copy of the state alive (the app's loop), an
/// event changes one row of a run's resources table without copying the table first.
/// - Returns: what the app must do.
package func reduce(_ s: inout AppState, _ event: AppEvent) -> [Effect] {
    var effects: [Effect] = []
    switch event {
    case .key(let key):
        s.notice = nil
        effects = s.handleKey(key)
    case .resize(let w, let h):
        s.width = w
        s.height = h
    case .tick(let now):
        s.now = now
        for i in s.runs.indices { s.runs[i].sample(now: now) }
    case .run(let id, let e):
        effects = s.apply(e, to: id)
    case .runStartFailed(let id, let message):
        effects = s.apply(.failed(PanoplyError(.config, message)), to: id)
        // Not the source's config (the destination, an unset variable): r retries once fixed.
        s.updateRun(id) {
            $0.sdkOpen = false; $0.errorCategory = nil
        }
    case .externalRuns(let running, let ended):
        s.applyExternal(running, ended: ended)
    case .runClosed(let id, let error):
        let now = s.now
        s.updateRun(id) { r in
            r.sdkOpen = false
            if let error { r.note("closing the SDK: \(error)", .error, now: now) }
        }
    case .checkFinished(let id, let error):
        effects = s.finishCheck(id, error)
    case .valuesLoaded(let id, let values, let resources):
        s.takeValues(id, values, resources)
    case .valuesFailed(let id, let message):
        s.valuesFailed(id, message)
    case .previewLoaded(let id, let records):
        s.takePreview(id, records)
    case .previewFailed(let id, let message):
        s.previewFailed(id, message)
    case .notice(let text):
        s.notice = text
    case .schemaChanges(let name, let started, let changes):
        s.noteSchemaChanges(of: name, started: started, changes)
    case .terminate:
        if !s.quitting { effects = s.quitNow() }
    }
    return effects
}

extension AppState {
    package mutating func handleKey(_ key: Key) -> [Effect] {
        let quit = KeyMap.action(for: key, in: [.global]) == .quit
        // What the key does here and now, from the one list of bindings that apply
        // (``applicableBindings()``), which the help bar is drawn from too.
        let bound = binding(for: key)
        if let overlay {
            // Ctrl-C still quits from the modals that take only some keys (nothing is lost:
            // a rename not confirmed is not made, a delete not answered is not done).
            guard quit, overlay.takesOnlyItsKeys else { return handleOverlayKey(key, bound, overlay) }
            self.overlay = nil
            return askToQuit()
        }
        if quit { return askToQuit() }
        // A key that does not apply now changes nothing but says why.
        if case .disabled(let reason)? = bound?.availability {
            notice = reason
            return []
        }
        let action = bound?.binding.action
        switch screen {
        case .list: return handleListKey(action)
        case .form(let form): return handleFormKey(key, action, form)
        case .run(let id): return handleRunKey(key, action, id)
        case .history(let h): return handleHistoryKey(action, h)
        }
    }

    private mutating func handleOverlayKey(_ key: Key, _ bound: ApplicableBinding?, _ overlay: Overlay) -> [Effect] {
        let action = bound?.binding.action
        switch overlay {
        case .confirmDelete(let name), .confirmDeleteState(let name):
            return answerDeleteQuestion(action, overlay, name: name)
        case .rename(let edit):
            return handleRenameKey(key, action, edit)
        case .picker(let picker):
            if case .disabled(let reason)? = bound?.availability {
                var p = picker
                p.message = reason
                self.overlay = .picker(p)
                return []
            }
            return handlePickerKey(key, action, picker)
        case .confirmDiscard:
            return answerDiscardQuestion(action)
        case .preview(let preview):
            if case .disabled(let reason)? = bound?.availability {
                notice = reason
                return []
            }
            return handlePreviewKey(action, preview)
        case .help where scrollHelp(action):
            return []
        default: break
        }
        self.overlay = nil
        let yes = action == .confirm
        switch overlay {
        case .help:
            helpTop = 0
            return []
        case .confirmCancel(let id):
            guard yes, run(id)?.status == .running else { return [] }
            let now = self.now
            updateRun(id) { r in
                r.cancelling = true
                r.note("cancelling: stop reading, deliver what was read", now: now)
            }
            return [.cancelRun(id)]
        case .confirmQuit:
            return yes ? quitNow() : []
        case .confirmDelete, .confirmDeleteState, .rename, .picker, .confirmDiscard, .preview:
            return []
        }
    }

    /// `q`: quits at once when nothing runs, else asks.
    package mutating func askToQuit() -> [Effect] {
        // Runs owned by other processes go on without this UI: they are not asked about.
        if runs.contains(where: { $0.isActive && !$0.isExternal }) {
            overlay = .confirmQuit
            return []
        }
        return quitNow()
    }

    /// Cancels every active run and quits.
    package mutating func quitNow() -> [Effect] {
        quitting = true
        var effects: [Effect] = []
        for i in runs.indices where runs[i].status == .running && !runs[i].isExternal {
            runs[i].cancelling = true
            effects.append(.cancelRun(runs[i].id))
        }
        return effects + [.quit]
    }

    /// Marks a saved source's last status and asks to save the list.
    package mutating func recordStatus(_ status: RunStatus, of name: String) -> [Effect] {
        guard let i = saved.firstIndex(where: { $0.name == name }) else { return [] }
        saved[i].lastStatus = status
        return [.saveSources(saved)]
    }
}
