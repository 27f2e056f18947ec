import PanoplyKit

/// The picker's fields pane (Tab): the fields of one resource, with what a run does to
/// each (``ResourceFields``: exclude, hash, rename).
package struct FieldsPane: Sendable, Equatable {
    /// The resource whose fields show (the item under the list's cursor at Tab).
    package var resource: String
    /// Index into the resource's fields.
    package var cursor = 0
    /// The new name being typed for the field under the cursor (`n`), nil otherwise.
    package var rename: FieldRename?

    package init(resource: String) { self.resource = resource }
}

/// The small modal of `n` in the fields pane.
package struct FieldRename: Sendable, Equatable {
    package var field: String
    package var text: String
    /// Why the typed name cannot be taken.
    package var error: String?

    package init(field: String, text: String) {
        self.field = field
        self.text = text
    }
}

extension PickerState {
    /// The resource the fields pane shows.
    package var paneResource: SourceResource? { fieldsPane.flatMap { resources[$0.resource] } }

    /// The field under the pane's cursor.
    package var paneField: SourceResource.Field? {
        guard let pane = fieldsPane, let fields = paneResource?.fields, fields.indices.contains(pane.cursor) else { return nil }
        return fields[pane.cursor]
    }

    /// The settings of resource `id` (empty when it has none).
    package func fieldSettings(of id: String) -> ResourceFields {
        settings.resources[id] ?? ResourceFields()
    }

    /// Why Tab cannot show the fields of the item under the cursor, nil when it can.
    package var fieldsRefusal: String? {
        guard let item = current else { return "nothing under the cursor" }
        guard holdsResources else { return "\(title) are not the source's resources: they have no fields to set" }
        guard let r = resources[item.value], !r.fields.isEmpty else {
            return "the source lists no fields for \(item.name): its fields are known only from its records"
        }
        return nil
    }

    /// Why `p` cannot preview the item under the cursor (or the pane's resource), nil when it can.
    package var previewRefusal: String? {
        guard holdsResources else { return "p previews a resource: \(title) are not the source's resources" }
        guard let item = fieldsPane.map({ pane in items.first { $0.value == pane.resource } }) ?? current else {
            return "nothing under the cursor"
        }
        if item.disabled { return "\(item.name) is not available: nothing to preview" }
        if item.missing { return "\(item.name) is not listed by the source: nothing to preview" }
        return nil
    }

    /// Why x, # and n cannot change the field under the pane's cursor, nil when they can.
    package var fieldEditRefusal: String? {
        guard let f = paneField else { return "no field under the cursor" }
        if EncodedRecords.reservedKeys.contains(f.name) {
            return "'\(f.name)' is a key the runner sets (__table, __state, __resource): it cannot be excluded, hashed or renamed"
        }
        return nil
    }

    /// Tab: the fields pane of the item under the cursor.
    package mutating func enterFields() {
        guard let item = current else { return }
        fieldsPane = FieldsPane(resource: item.value)
        message = nil
    }

    /// Moves the pane's cursor by `step` (clamped).
    package mutating func moveField(by step: Int) {
        guard var pane = fieldsPane else { return }
        let count = paneResource?.fields.count ?? 0
        pane.cursor = count == 0 ? 0 : max(0, min(count - 1, pane.cursor + step))
        fieldsPane = pane
    }

    /// `x`: excludes the field under the cursor (dropping its hash and new name), or sends
    /// it again.
    package mutating func toggleExclude() {
        editField { f, name in
            if let i = f.exclude.firstIndex(of: name) {
                f.exclude.remove(at: i)
                return "\(name) is sent again"
            }
            let dropped = [f.hash.contains(name) ? "hashed" : nil, f.rename[name].map { "renamed to \($0)" }].compactMap { $0 }
            f.hash.removeAll { $0 == name }
            f.rename[name] = nil
            f.exclude = (f.exclude + [name]).sorted()
            return "\(name) is excluded: never sent" + (dropped.isEmpty ? "" : " (no longer \(dropped.joined(separator: " or ")))")
        }
    }

    /// `#`: hashes the field under the cursor (sending it again if it was excluded), or no longer.
    package mutating func toggleHash() {
        editField { f, name in
            if let i = f.hash.firstIndex(of: name) {
                f.hash.remove(at: i)
                return "\(name) is sent as it is"
            }
            let wasExcluded = f.exclude.contains(name)
            f.exclude.removeAll { $0 == name }
            f.hash = (f.hash + [name]).sorted()
            return "\(name) is sent hashed (SHA-256)" + (wasExcluded ? ", no longer excluded" : "")
        }
    }

    /// `n`: opens the rename modal for the field under the cursor (an excluded one cannot be).
    package mutating func startRename() {
        guard let f = paneField, var pane = fieldsPane else { return }
        if fieldSettings(of: pane.resource).exclude.contains(f.name) {
            message = "\(f.name) is excluded, so never sent: x sends it again before renaming"
            return
        }
        pane.rename = FieldRename(field: f.name, text: fieldSettings(of: pane.resource).rename[f.name] ?? f.name)
        fieldsPane = pane
        message = nil
    }

    /// Enter in the rename modal: takes the typed name (the field's own, or nothing, puts
    /// its name back), or says why it cannot.
    package mutating func commitRename() {
        guard var pane = fieldsPane, var edit = pane.rename else { return }
        let name = edit.text.trimmingCharacters(in: .whitespaces)
        if let problem = renameProblem(edit.field, to: name) {
            edit.error = problem
            pane.rename = edit
            fieldsPane = pane
            return
        }
        pane.rename = nil
        fieldsPane = pane
        editField(edit.field) { f, field in
            if name.isEmpty || name == field {
                f.rename[field] = nil
                return "\(field) keeps its name"
            }
            f.rename[field] = name
            return "\(field) is sent as \(name)"
        }
    }

    /// Why `field` of the pane's resource cannot be sent as `name`, nil when it can.
    private func renameProblem(_ field: String, to name: String) -> String? {
        guard let pane = fieldsPane, !name.isEmpty, name != field else { return nil }
        if EncodedRecords.reservedKeys.contains(name) { return "'\(name)' is a key the runner sets: choose another name" }
        let f = fieldSettings(of: pane.resource)
        let names = paneResource?.fields.map(\.name) ?? []
        // The names the other fields are sent under.
        let taken = names.filter { $0 != field && !f.exclude.contains($0) }.map { f.rename[$0] ?? $0 }
        if taken.contains(name) { return "another field is sent as '\(name)': choose another name" }
        return nil
    }

    /// Applies `change` to the settings of the field under the pane's cursor (or `named`);
    /// its answer becomes the note.
    private mutating func editField(_ named: String? = nil, _ change: (inout ResourceFields, String) -> String) {
        guard let pane = fieldsPane, let name = named ?? paneField?.name else { return }
        var f = fieldSettings(of: pane.resource)
        message = change(&f, name)
        settings.resources[pane.resource] = f.isEmpty ? nil : f
        if !picked.contains(pane.resource), !f.isEmpty { message = (message ?? "") + " (once picked)" }
    }

    /// The settings Enter keeps: those of the picked resources (all when none is picked and
    /// the source reads every one), so a run never names a resource it does not read.
    package var keptSettings: FieldSettings {
        var out = settings
        if holdsResources, !picked.isEmpty {
            out.resources = settings.resources.filter { picked.contains($0.key) || $0.key == FieldSettings.anyResource }
        }
        return out
    }
}

extension FieldSettings {
    /// The settings as a form keeps them: nil when nothing is set.
    package var orNil: FieldSettings? { isEmpty && hashSalt == nil ? nil : self }
}
