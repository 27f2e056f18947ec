import PanoplyKit
import PanoplyWorkspace

extension AppState {
    /// `action`: what the key does here (``binding(for:)``); nil types the key into a text field.
    package mutating func handleFormKey(_ key: Key, _ action: KeyAction?, _ original: FormState) -> [Effect] {
        var form = original
        defer { if case .form = screen { screen = .form(form) } }
        guard let field = form.focused else {
            if key == .escape { leaveForm(form) }
            return []
        }
        if action == .nextField || action == .previousField { form.checkLeft(field) }
        switch action {
        case .nextField: form.moveFocus(by: 1)
        case .previousField: form.moveFocus(by: -1)
        case .openPicker: return openPicker(&form)
        case .toggleAdvanced: form.toggleAdvanced()
        case .back: leaveForm(form)
        case .submit: return submit(&form)
        case .testSource: return testSource(&form)
        case .preview: return previewForm(&form)
        // On a text field that holds text, `?` is typed.
        case .help where field.cycles || field.value.isEmpty: overlay = .help
        case .choiceNext: cycle(&form, 1)
        case .choicePrevious: cycle(&form, -1)
        case .cursorLeft: form.moveCursor(by: -1)
        case .cursorRight: form.moveCursor(by: 1)
        case .cursorHome: form.moveCursor(to: 0)
        case .cursorEnd: form.cursor = nil
        case .deleteBackward: edit(&form) { $0.deleteBackward() }
        case .deleteForward: edit(&form) { $0.deleteForward() }
        case .deleteToStart: edit(&form) { $0.deleteToStart() }
        case .deleteToEnd: edit(&form) { $0.deleteToEnd() }
        default: if case .char(let c) = key, !field.cycles { edit(&form) { $0.insertAtCursor(String(c)) } }
        }
        return []
    }

    /// Applies a text edit to the focused field and clears its inline error.
    private func edit(_ form: inout FormState, _ change: (inout FormState) -> Void) {
        change(&form)
        if let name = form.focused?.name { form.errors[name] = nil }
    }

    private func cycle(_ form: inout FormState, _ step: Int) {
        form.fields[form.focus].cycle(step)
        form.errors[form.fields[form.focus].name] = nil
        if case .source(let type, _) = form.purpose, let info = typeInfo(type) { form.showApplicableFields(info) }
        // The destination form shows the fields of the chosen kind.
        if form.purpose == .destination, form.fields[form.focus].name == "kind" {
            form.stash.merge(form.values) { _, new in new }
            form.fields = DestinationForm.fields(form.stash)
            form.errors = [:]
            form.formError = nil
        }
    }

    package mutating func submit(_ form: inout FormState) -> [Effect] {
        switch form.purpose {
        case .destination: return submitDestination(&form)
        case .source(let type, let savedName): return submitSource(&form, type: type, savedName: savedName, checked: false)
        }
    }

    private mutating func submitDestination(_ form: inout FormState) -> [Effect] {
        form.errors = [:]
        for f in form.fields where f.required && f.value.isEmpty { form.errors[f.name] = "\(f.title) is required" }
        guard form.errors.isEmpty else {
            form.formError = "Fill in the marked fields"
            return []
        }
        let settings = DestinationForm.settings(form.values, base: destination)
        do {
            _ = try settings.sdkConfiguration()
        } catch {
            form.formError = (error as? PanoplyError)?.message ?? "\(error)"
            return []
        }
        destination = settings
        screen = .list
        notice = "destination saved: \(settings.displayName)"
        return [.saveDestination(settings)]
    }

    /// Validates, checks (`checked` false: asks for a check first), saves and starts the run.
    package mutating func submitSource(_ form: inout FormState, type: String, savedName: String?, checked: Bool) -> [Effect] {
        guard let info = typeInfo(type) else { return [] }
        resolvePaths(&form, info)
        var values = form.values
        let table = values.removeValue(forKey: FormState.tableField) ?? ""
        let typedName = (values.removeValue(forKey: FormState.nameField) ?? "").trimmingCharacters(in: .whitespaces)
        let name = typedName.isEmpty ? savedName ?? uniqueSavedName(info.configuration.title) : typedName
        form.errors = [:]
        form.formError = nil
        if !checked { form.check = nil }
        var problems: [(param: String, message: String)] = []
        var params: [String: JSONValue] = [:]
        switch info.configuration.validateAllowingReferences(values) {
        case .failure(let errors): problems = errors.problems.map { ($0.param, $0.message) }
        case .success(let p): params = p
        }
        if let problem = nameProblem(name, for: savedName) { problems.append((FormState.nameField, problem)) }
        guard problems.isEmpty else {
            for p in problems where form.errors[p.param] == nil { form.errors[p.param] = p.message }
            if let first = form.fields.firstIndex(where: { form.errors[$0.name] != nil }) { form.focus = first }
            form.formError = problems.count == 1 ? "1 field needs fixing" : "\(problems.count) fields need fixing"
            return []
        }
        if isRunning(name) || savedName.map(isRunning) == true {
            form.formError =
                runningElsewhereMessage(savedName ?? name)
                ?? "\(savedName ?? name) is already running: wait for it or cancel it (c in its run view)"
            return []
        }
        let before = saved.first { $0.name == (savedName ?? name) }
        if let error = lockedSecrets(of: before, name: name, type: type, typed: values) {
            form.formError = error.message
            return []
        }
        // A run that cannot work is not started: the check comes back to ``finishCheck``.
        if !checked { return startCheck(&form, type: type, params: params, thenStart: true) }
        // The form's field settings (as the fields pane left them); its id (the workspace keys
        // state and history by it) and the schema changes seen stay across a save or rename.
        var entry = SavedSource(name: name, type: type, values: values.filter { !$0.value.isEmpty }, table: table)
        (entry.fields, entry.id, entry.schemaSeen) = (form.fieldSettings, before?.id, before?.schemaSeen)
        let lastStatus = before.flatMap { self.lastStatus(of: $0.name) }
        // Changed params (defaults applied) make a run that continued or resumed start over.
        let changed =
            before.map { b in
                b.table != entry.table || (try? info.configuration.validateAllowingReferences(b.values).get()) != params
            } ?? false
        var effects: [Effect] = []
        if let old = savedName, old != name, let i = saved.firstIndex(where: { $0.name == old }) {
            saved[i] = entry
            moveRuns(from: old, to: name)
            effects.append(.renameState(from: old, to: name))
        } else if let i = saved.firstIndex(where: { $0.name == name }) {
            saved[i] = entry
        } else {
            saved.append(entry)
        }
        let request = plannedRun(entry, params: params, lastStatus: lastStatus, paramsChanged: changed)
        return [.saveSources(saved)] + effects + startRun(request, title: name)
    }

    /// Why the form cannot run: secrets of the saved source that are sealed in a shared
    /// workspace (no workspace key given) and were not typed again; nil when none.
    private func lockedSecrets(of before: SavedSource?, name: String, type: String, typed values: [String: String]) -> PanoplyError? {
        var locked = SavedSource(name: name, type: type, values: [:])
        locked.sealed = before?.sealed?.filter { (values[$0.key] ?? "").isEmpty }
        return locked.lockedSecretsError
    }

    /// `path` params typed relative are made absolute against the UI's working directory.
    private func resolvePaths(_ form: inout FormState, _ info: SourceTypeInfo) {
        for p in info.configuration.params where p.kind == .path {
            form.setValue(p.name, PathResolution.absolute(form.value(p.name), against: workingDirectory))
        }
    }

    /// "Demo", then "Demo 2", "Demo 3", ...
    package func uniqueSavedName(_ title: String) -> String {
        let names = Set(saved.map(\.name))
        if !names.contains(title) { return title }
        var n = 2
        while names.contains("\(title) \(n)") { n += 1 }
        return "\(title) \(n)"
    }

    /// Adds the run, shows it, and asks the app to start it.
    package mutating func startRun(_ request: RunRequest, title: String) -> [Effect] {
        var r = RunState(id: request.id, request: request, title: title, startedAt: now)
        r.clockOrigin = clockOrigin
        r.fields = saved.first { $0.name == request.sourceName }?.fields
        r.note(request.attempt > 1 ? "retrying (attempt \(request.attempt)) from the committed state" : request.note ?? "starting", now: now)
        runs.append(r)
        nextRunID = max(nextRunID, request.id) + 1
        latestRun[request.sourceName] = request.id
        // Back on the list, the cursor is on the source that runs (a new one was appended).
        if let i = saved.firstIndex(where: { $0.name == request.sourceName }) { selection = i }
        screen = .run(request.id)
        return [.startRun(request)]
    }
}
