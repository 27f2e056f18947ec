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
