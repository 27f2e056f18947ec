import PanoplyKit
import Testing

@testable import PanoplyTUICore

/// The run header names where the records go: the table, or the tables of the resources.
@Suite struct RunDestinationTests {
    static func run(type: String, table: String, resources: [String]) -> RunState {
        let request = RunRequest(id: 1, sourceName: "S", type: type, params: [:], table: table, state: nil, attempt: 1)
        var r = RunState(id: 1, request: request, title: "S", startedAt: 0)
        r.resources = resources.map { ResourceRow(id: $0, status: .waiting) }
        return r
    }

    @Test(arguments: [
        ("postgres", "", [], "postgres"),
        ("postgres", "orders", [], "orders"),
        ("postgres", "postgres", ["public.orders"], "postgres_public_orders"),
        ("postgres", "", ["public.orders", "public.users"], "postgres_public_* (2 tables)"),
        ("postgres", "raw_{resource}", ["public.orders", "sales.users"], "raw_* (2 tables)"),
        ("postgres", "all_rows", ["public.orders", "sales.users"], "all_rows"),
        ("csv", "", ["a.csv", "b.csv", "c.csv"], "csv_* (3 tables)")
    ])
    func headerNamesTheTables(type: String, table: String, resources: [String], expected: String) {
        #expect(Self.run(type: type, table: table, resources: resources).destinationLabel == expected)
    }
}
