import PanoplyKit

extension AppState {
    /// Ctrl-T: checks the form's params in the background (the result shows under the form).
    package mutating func testSource(_ form: inout FormState) -> [Effect] {
        guard case .source(let type, _) = form.purpose, let info = typeInfo(type) else { return [] }
        if form.check?.status == .running { return [] }
        guard let params = formParams(&form, info, before: "testing") else { return [] }
        return startCheck(&form, type: type, params: params, thenStart: false)
    }

    /// The form's source params (its name and table fields left out), validated; nil when
    /// they are not valid, with the fields to fix marked and the form saying so (`doing`:
    /// what waits for them). `absolutePaths`: `path` params resolved against the UI's folder.
    func formParams(_ form: inout FormState, _ info: SourceTypeInfo, before doing: String, absolutePaths: Bool = false) -> [String: JSONValue]? {
        var values = form.values
        values[FormState.tableField] = nil
        values[FormState.nameField] = nil
        if absolutePaths {
            for p in info.configuration.params where p.kind == .path {
                values[p.name] = values[p.name].map { PathResolution.absolute($0, against: workingDirectory) }
            }
        }
        form.errors = [:]
        form.formError = nil
        switch info.configuration.validateAllowingReferences(values) {
        case .failure(let errors):
            for p in errors.problems where form.errors[p.param] == nil { form.errors[p.param] = p.message }
            if let first = form.fields.firstIndex(where: { form.errors[$0.name] != nil }) { form.focus = first }
            form.formError = "fix the marked fields before \(doing)"
            return nil
        case .success(let params):
            return params
        }
    }

    package mutating func startCheck(_ form: inout FormState, type: String, params: [String: JSONValue], thenStart: Bool) -> [Effect] {
        if form.check?.status == .running { return [] }
        let id = nextCheckID
        nextCheckID += 1
        form.check = FormCheck(id: id, thenStart: thenStart)
        var savedName: String?
        if case .source(_, let name) = form.purpose { savedName = name }
        return [.checkSource(CheckRequest(id: id, type: type, params: params, sourceName: savedName, fields: form.fieldSettings))]
    }

    /// A check ended: shows it in its form (still open), and for Ctrl-S starts the run
    /// unless the error is one the form must fix (config, auth).
    package mutating func finishCheck(_ id: Int, _ error: PanoplyError?) -> [Effect] {
        guard case .form(var form) = screen, let check = form.check, check.id == id,
            case .source(let type, let savedName) = form.purpose, let info = typeInfo(type)
        else { return [] }
        if let error, FormCheck.needsEdit(error.category) || !check.thenStart {
            let field = FormCheck.field(for: error, among: info.configuration.params)
            form.check?.status = .failed(error.message, field: field)
            if let field, let i = form.fields.firstIndex(where: { $0.name == field }) {
                form.errors[field] = error.message
                form.focus = i
            }
            screen = .form(form)
            return []
        }
        form.check?.status = .ok
        guard check.thenStart else {
            screen = .form(form)
            return []
        }
        form.check = nil
        let effects = submitSource(&form, type: type, savedName: savedName, checked: true)
        if case .form = screen { screen = .form(form) }
        return effects
    }

    /// `e` in the run view of a run that failed with a config or auth error: its form,
    /// with the field the error concerns marked.
    package mutating func editFailedRun(_ id: RunID) {
        guard let r = run(id) else { return }
        if let refusal = r.editRefusal {
            notice = refusal
            return
        }
        guard let src = saved.first(where: { $0.name == r.request.sourceName }), let info = typeInfo(src.type) else {
            notice = "\(r.request.sourceName) is not a saved source"
            return
        }
        var form = FormState.source(info, values: src.values, table: src.table, savedName: src.name, fields: src.fields)
        let message = r.error ?? "failed"
        let field = FormCheck.field(for: PanoplyError(r.errorCategory ?? .config, message), among: info.configuration.params)
        form.check = FormCheck(id: 0, thenStart: false, status: .failed(message, field: field))
        if let field, let i = form.fields.firstIndex(where: { $0.name == field }) {
            form.errors[field] = message
            form.focus = i
        }
        screen = .form(form)
    }
}
