import PanoplyKit
import PanoplyWorkspace

extension AppState {
    /// Enter or Space on a `list` field: opens its picker. Static choices show at once;
    /// values the source computes are loaded in the background once the field's
    /// dependencies are filled (else the field says which to fill in).
    package mutating func openPicker(_ form: inout FormState) -> [Effect] {
        guard let field = form.focused, case .source(let type, _) = form.purpose, let info = typeInfo(type),
            let param = info.configuration.param(field.name)
        else { return [] }
        let picked = SourceParam.listItems(field.value)
        if !param.choices.isEmpty {
            var p = PickerState(field: param.name, title: param.title, load: .loaded, picked: picked)
            p.take(param.choices.map { ListValue(name: $0, value: $0) }, resources: [], keepOrder: true)
            overlay = .picker(p)
            return []
        }
        let params: [String: JSONValue]
        switch pickerParams(info.configuration, form, for: param) {
        case .failure(let problem):
            form.errors[param.name] = problem.message
            return []
        case .success(let p): params = p
        }
        let request = ValuesRequest(id: nextRequestID, type: type, param: param.name, params: params)
        nextRequestID += 1
        var p = PickerState(field: param.name, title: param.title, load: .loading(request.id), picked: picked)
        p.request = request
        p.holdsResources = info.configuration.resourcesParam == param.name
        p.settings = form.fieldSettings ?? FieldSettings()
        p.loadStartedAt = now
        overlay = .picker(p)
        return [.loadValues(request)]
    }

    /// The params a list's values are computed from: its dependencies, checked (they must
    /// be filled and valid), and every other filled-in param that parses.
    /// - Returns: the typed params, or what to fill in first.
    package func pickerParams(_ config: SourceConfiguration, _ form: FormState, for param: SourceParam) -> Result<[String: JSONValue], ParamProblem> {
        var values = form.values
        values[FormState.tableField] = nil
        values[FormState.nameField] = nil
        for p in config.params where p.kind == .path {
            values[p.name] = values[p.name].map { PathResolution.absolute($0, against: workingDirectory) }
        }
        var typed: [String: JSONValue]
        switch config.validate(values, dependenciesOf: param.name) {
        case .failure(let e):
            return .failure(ParamProblem(param: param.name, message: "to list \(param.title), first: " + e.problems.map(\.message).joined(separator: "; ")))
        case .success(let deps): typed = deps
        }
        for p in config.params where typed[p.name] == nil && p.name != param.name {
            guard let text = values[p.name].flatMap({ $0.isEmpty ? nil : $0 }) ?? p.defaultValue,
                case .success(let v) = p.parse(text)
            else { continue }
            typed[p.name] = v
        }
        return .success(typed)
    }

    /// A key while the picker shows.
    /// `action`: what the key does here (``binding(for:)``), already known to apply now.
    package mutating func handlePickerKey(_ key: Key, _ action: KeyAction?, _ original: PickerState) -> [Effect] {
        var p = original
        defer { if case .picker = overlay { overlay = .picker(p) } }
        if p.editingFilter {
            editPickerFilter(key, action, &p)
            return []
        }
        if p.fieldsPane != nil { return handleFieldsKey(key, action, &p) }
        let rows = PickerLayout(width: width, height: height).listRows
        switch action {
        case .up: p.move(by: -1)
        case .down: p.move(by: 1)
        case .pageUp: p.move(by: -rows)
        case .pageDown: p.move(by: rows)
        case .top: p.move(by: -p.items.count)
        case .bottom: p.move(by: p.items.count)
        // Only once the values are loaded (``KeyCondition/pickerLoaded``).
        case .toggle: p.toggleCurrent()
        case .toggleAll: p.toggleAll()
        case .confirm: confirmPicker(p)
        case .filter:
            p.editingFilter = true
            p.setFilter("")
        case .retry: return reloadPicker(&p)
        case .fields: p.enterFields()
        case .preview: return previewResource(p)
        case .dismiss:
            if case .loading(let id) = p.load {
                overlay = nil
                return [.cancelLoad(id)]
            }
            if !p.filter.isEmpty { p.clearFilter() } else { overlay = nil }
        default: break
        }
        return []
    }

    private func editPickerFilter(_ key: Key, _ action: KeyAction?, _ p: inout PickerState) {
        switch action {
        case .applyFilter:
            p.editingFilter = false
            p.cursor = 0
        case .clearFilter: p.clearFilter()
        case .filterBackspace: p.setFilter(String(p.filter.dropLast()))
        case .filterClearText: p.setFilter("")
        case .up: p.move(by: -1)
        case .down: p.move(by: 1)
        default: if case .char(let c) = key { p.setFilter(p.filter + String(c)) }
        }
    }

    /// `r` (``KeyCondition/pickerReloadable`` holds): computes the values again (after a
    /// failure, or to see new tables).
    private mutating func reloadPicker(_ p: inout PickerState) -> [Effect] {
        guard var request = p.request else { return [] }
        var effects: [Effect] = []
        if case .loading(let old) = p.load { effects.append(.cancelLoad(old)) }
        request.id = nextRequestID
        nextRequestID += 1
        p.request = request
        p.load = .loading(request.id)
        p.loadStartedAt = now
        p.message = nil
        return effects + [.loadValues(request)]
    }

    /// Enter: writes the picked values, comma-separated, into the field.
    private mutating func confirmPicker(_ p: PickerState) {
        guard case .form(var form) = screen else {
            overlay = nil
            return
        }
        form.setValue(p.field, p.pickedValues.joined(separator: ", "))
        form.errors[p.field] = nil
        if p.holdsResources { form.fieldSettings = p.keptSettings.orNil }
        screen = .form(form)
        overlay = nil
    }

    /// The values of request `id` arrived (ignored when the picker was closed or reloaded since).
    package mutating func takeValues(_ id: Int, _ values: [ListValue], _ resources: [SourceResource]) {
        guard case .picker(var p) = overlay, p.load == .loading(id) else { return }
        p.take(values, resources: resources)
        if values.isEmpty { p.message = "the source lists no values for \(p.title)" }
        overlay = .picker(p)
    }

    /// Request `id` failed: the picker shows why.
    package mutating func valuesFailed(_ id: Int, _ message: String) {
        guard case .picker(var p) = overlay, p.load == .loading(id) else { return }
        p.load = .failed(message)
        overlay = .picker(p)
    }
}
