/// A run of a source that reads every resource when none is picked (a csv folder):
/// the runner asks the source for the values of its resources param and reads them all.
extension SourceRunner {
    /// `input` with the resources param filled with every value the source computes for it,
    /// when ``SourceConfiguration/readsAllResourcesWhenNonePicked`` is set and none is
    /// picked; `input` itself otherwise (also when the source computes no value: it is then
    /// read as one resource, as before).
    /// - Throws: what the source's `values` throws (a folder without a matching file).
    func pickingEveryResource(_ input: SourceInput) async throws -> SourceInput {
        let config = kind.configuration
        guard config.readsAllResourcesWhenNonePicked, input.resource == nil, let param = config.resourcesParam,
            ResourcePlan.values(input.params[param]).isEmpty
        else { return input }
        let context = SourceContext(input: input, secrets: config.params.filter(\.isSecret).map(\.name)) { [self] event in
            if case .log(let line) = event { emit(.log(line)) }
        }
        let every = try await kind.values(param, source: input, context: context).filter { !$0.disabled }.map(\.value)
        guard !every.isEmpty else { return input }
        emit(.log("no \(config.param(param)?.title.lowercased() ?? param) picked: reading all \(every.count) found"))
        var picked = input
        picked.params[param] = .array(every.map { .string($0) })
        return picked
    }
}

/// Field settings that were not checked before the run (a saved source's, a UI run's) are
/// checked here against the fields the source lists for the resources the run reads, so a
/// source that reads only the columns it needs (PostgreSQL, SQLite) is not warned about the
/// excluded ones it left out; a source that lists no fields is checked at the first record.
extension SourceRunner {
    /// `input` with its field settings checked where the source lists its resources' fields.
    /// - Throws: ``PanoplyError`` (config) naming a resource and the fields it lacks.
    func checkingFields(_ input: SourceInput) async throws -> SourceInput {
        let settings = input.fields
        guard !settings.isEmpty, settings.resources.values.contains(where: { !$0.isEmpty && !$0.checked }) else { return input }
        let config = kind.configuration
        let context = SourceContext(input: input, secrets: config.params.filter(\.isSecret).map(\.name))
        guard var listed = try? await kind.listResources(input, context: context) else { return input }
        if let plan = ResourcePlan(configuration: config, input: input), !plan.ids.isEmpty {
            listed = listed.filter { plan.ids.contains($0.id) }
        }
        var checked = input
        checked.fields = try settings.validated(against: listed)
        return checked
    }
}
