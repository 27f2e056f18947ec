import PanoplyKit

extension AppState {
    /// `p` in the picker (``KeyCondition/pickerPreviewable`` holds): previews the resource
    /// under the cursor (or the fields pane's), with the field settings as the pane has them.
    package mutating func previewResource(_ p: PickerState) -> [Effect] {
        guard let id = p.fieldsPane?.resource ?? p.current?.value, case .form(let form) = screen,
            case .source(let type, _) = form.purpose
        else { return [] }
        let params: [String: JSONValue]
        if let request = p.request {
            params = request.params
        } else {
            guard let info = typeInfo(type), let param = info.configuration.param(p.field),
                case .success(let typed) = pickerParams(info.configuration, form, for: param)
            else { return [] }
            params = typed
        }
        let name = p.items.first { $0.value == id }?.name ?? id
        return startPreview(type: type, params: params, resources: [id], fields: p.settings.orNil, title: name, from: p)
    }

    /// Ctrl-P in a source's form: previews the source (its picked resources, else its first),
    /// once its params are valid (else the fields to fix are marked).
    package mutating func previewForm(_ form: inout FormState) -> [Effect] {
        guard case .source(let type, _) = form.purpose, let info = typeInfo(type) else { return [] }
        guard let params = formParams(&form, info, before: "previewing", absolutePaths: true) else { return [] }
        return startPreview(type: type, params: params, resources: [], fields: form.fieldSettings, title: form.title, from: nil)
    }

    private mutating func startPreview(
        type: String, params: [String: JSONValue], resources: [String], fields: FieldSettings?, title: String, from picker: PickerState?
    ) -> [Effect] {
        let request = PreviewRequest(id: nextRequestID, type: type, params: params, resources: resources, fields: fields)
        nextRequestID += 1
        overlay = .preview(PreviewState(title: title, load: .loading(request.id), startedAt: now, fields: fields, picker: picker))
        return [.preview(request)]
    }

    /// A key while the preview shows. `action`: what the key does here (``binding(for:)``).
    package mutating func handlePreviewKey(_ action: KeyAction?, _ original: PreviewState) -> [Effect] {
        var v = original
        let rows = PickerLayout(width: width, height: height).previewRows
        switch action {
        case .up: v.scrollRows(by: -1, rows: rows)
        case .down: v.scrollRows(by: 1, rows: rows)
        case .pageUp: v.scrollRows(by: -rows, rows: rows)
        case .pageDown: v.scrollRows(by: rows, rows: rows)
        case .top: v.scrollRows(by: -v.records.count, rows: rows)
        case .bottom: v.scrollRows(by: v.records.count, rows: rows)
        case .scrollLeft: v.scrollColumns(by: -1)
        case .scrollRight: v.scrollColumns(by: 1)
        case .dismiss:
            overlay = v.picker.map { .picker($0) }
            if case .loading(let id) = v.load { return [.cancelPreview(id)] }
            return []
        default: break
        }
        overlay = .preview(v)
        return []
    }

    /// The records of preview `id` arrived (ignored when the preview was closed since).
    package mutating func takePreview(_ id: Int, _ records: [PreviewRecord]) {
        guard case .preview(var v) = overlay, v.load == .loading(id) else { return }
        v.take(records)
        overlay = .preview(v)
    }

    /// Preview `id` failed: the overlay says why.
    package mutating func previewFailed(_ id: Int, _ message: String) {
        guard case .preview(var v) = overlay, v.load == .loading(id) else { return }
        v.load = .failed(message)
        overlay = .preview(v)
    }
}
