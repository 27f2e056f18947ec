import PanoplyKit

extension FormState {
    /// Shows the fields of the params that apply with the current values (their
    /// ``SourceParam/visibleWhen``): values of fields that go away are kept in ``stash``
    /// (so switching back shows them again) but neither validated nor saved.
    package mutating func showApplicableFields(_ info: SourceTypeInfo) {
        let focusedName = focused?.name
        let current = values
        stash.merge(current) { _, new in new }
        let extra = fields.filter { $0.name == Self.tableField || $0.name == Self.nameField }
        let shown = info.configuration.visibleParams(stash).map { p in
            current[p.name] == nil && stash[p.name] == nil ? FormField(p) : FormField(p, value: stash[p.name])
        }
        fields = shown + extra
        let names = Set(fields.map(\.name))
        errors = errors.filter { names.contains($0.key) }
        focus = fields.firstIndex { $0.name == focusedName } ?? 0
    }
}
