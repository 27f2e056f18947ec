import PanoplyKit

extension RunState {
    /// Where the run's records go, for its header: the table, or for a run of several
    /// resources the tables they go to (`postgres_public_*`, as ``ResourcePlan`` names them).
    package var destinationLabel: String {
        let fallback = SourceInput.defaultDestination(request.type)
        let base = request.table.isEmpty ? fallback : request.table
        guard !resources.isEmpty else { return base }
        let template = base == fallback ? "\(fallback)_\(ResourcePlan.placeholder)" : base
        let tables = resources.map { template.replacingOccurrences(of: ResourcePlan.placeholder, with: ResourcePlan.tableSafe($0.id)) }
        guard let first = tables.first, Set(tables).count > 1 else { return tables.first ?? base }
        var prefix = Substring(first)
        for t in tables.dropFirst() { while !t.hasPrefix(prefix) { prefix = prefix.dropLast() } }
        return prefix.isEmpty ? "\(Set(tables).count) tables" : "\(prefix)* (\(Set(tables).count) tables)"
    }
}
