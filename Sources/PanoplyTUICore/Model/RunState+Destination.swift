import PanoplyKit

extension RunState {
    /// Where the run's records go, for its header: the table, or for a run of several
    /// resources the tables they go to (`postgres_public_*`, as ``ResourcePlan`` names them).
    package var destinationLabel: String {
        let base = request.table.isEmpty ? SourceInput.defaultDestination(request.type) : request.table
        guard !resources.isEmpty else { return base }
        var tables = destinationTables
        if tables.rows != resources.count {
            // The rows were replaced as a whole (a run owned elsewhere): count them again.
            tables = DestinationTables()
            for row in resources { tables.add(destinationTable(of: row.id)) }
        }
        return tables.label ?? base
    }

    /// The table the records of resource `id` go to.
    func destinationTable(of id: String) -> String {
        let fallback = SourceInput.defaultDestination(request.type)
        let base = request.table.isEmpty ? fallback : request.table
        let template = base == fallback ? "\(fallback)_\(ResourcePlan.placeholder)" : base
        return template.replacingOccurrences(of: ResourcePlan.placeholder, with: ResourcePlan.tableSafe(id))
    }
}

/// The tables a run's resources go to, counted as each resource is first reported, so the
/// header names them without going over thousands of resources on every frame.
package struct DestinationTables: Sendable, Equatable {
    /// Resources counted.
    package private(set) var rows = 0
    private var distinct: Set<String> = []
    private var first: String?
    /// What every table name starts with.
    private var prefix: Substring = ""

    package init() {}

    package mutating func add(_ table: String) {
        rows += 1
        guard distinct.insert(table).inserted else { return }
        guard first != nil else {
            first = table
            prefix = Substring(table)
            return
        }
        while !table.hasPrefix(prefix) { prefix = prefix.dropLast() }
    }

    /// The one table, or `prefix* (N tables)`, or `N tables`; nil before any resource.
    package var label: String? {
        guard let first else { return nil }
        guard distinct.count > 1 else { return first }
        return prefix.isEmpty ? "\(distinct.count) tables" : "\(prefix)* (\(distinct.count) tables)"
    }
}
