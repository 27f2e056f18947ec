import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// Several endpoints under one base URL, against scripts/fixtures/http_fixture.py.
@Suite("HTTP endpoints as resources")
struct HTTPEndpointsTests {
    static var available: Bool { HTTPSourceTests.available }

    static func input(_ params: [String: String], resource: String? = nil, state: JSONObject? = nil) throws -> SourceInput {
        SourceInput(type: "http", params: try HTTPSource.configuration.validate(params).get(), state: state, resource: resource)
    }

    static func paged(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "base_url": HTTPSourceTests.base ?? "http://127.0.0.1:9", "records_path": "data.items", "pagination": "page",
            "page_size_param": "per_page", "page_size": "10"
        ].merging(extra) { $1 }
    }

    static func readAll(_ input: SourceInput) async throws -> ([JSONObject], JSONObject) {
        let context = SourceContext(input: input)
        let source = try await HTTPSource(source: input, context: context)
        var records: [JSONObject] = []
        while let batch = try await source.read(100) { records += batch }
        await source.close()
        return (records, context.mergedState)
    }

    @Test("an instance reads its endpoint under the base URL page by page, and resumes after its last page", .enabled(if: available))
    func readsEndpoint() async throws {
        let endpoint = "/items?scenario=\(UUID().uuidString)&total=25"
        let (records, state) = try await Self.readAll(try Self.input(Self.paged(["endpoints": endpoint]), resource: endpoint))
        #expect(holdsEachOnce(ids(records), 25))
        let (again, _) = try await Self.readAll(try Self.input(Self.paged(), resource: endpoint, state: state))
        #expect(again.isEmpty)
    }

    @Test("values are the endpoints typed; listResources gives each one's fields from its first page", .enabled(if: available))
    func valuesAndResources() async throws {
        let a = "items?scenario=\(UUID().uuidString)&total=3"
        let b = "link-items?scenario=\(UUID().uuidString)&total=2"
        let input = try Self.input(Self.paged(["endpoints": "\(a), \(b), \(a)", "records_path": "", "pagination": "none"]))
        let context = SourceContext(input: input)
        #expect(HTTPSource.configuration.resourcesParam == "endpoints")
        #expect(try await HTTPSource.values(param: "endpoints", source: input, context: context).map(\.value) == [a, b])
        let resources = try await HTTPSource.listResources(source: input, context: context)
        #expect(resources.map(\.id) == [a, b])
        #expect(resources[0].fields.map(\.name) == ["data", "meta"])
        #expect(resources[1].fields.map { "\($0.name):\($0.type)" } == ["id:integer", "name:string", "amount:number", "big:integer"])
    }

    @Test("missing endpoints, a whole URL as an endpoint and a base URL without a scheme are clear errors")
    func clearErrors() async throws {
        let none = try Self.input(["base_url": "http://127.0.0.1:9"])
        let noValues = await #expect(throws: PanoplyError.self) {
            _ = try await HTTPSource.values(param: "endpoints", source: none, context: SourceContext(input: none))
        }
        #expect(noValues?.message == "an HTTP API does not list its endpoints: type the paths under the Base URL, comma-separated (e.g. users, orders)")
        let single = try Self.input(["url": "http://127.0.0.1:9/items"])
        #expect(try await HTTPSource.values(param: "endpoints", source: single, context: SourceContext(input: single)).isEmpty)
        let whole = await #expect(throws: PanoplyError.self) { _ = try await Self.readAll(try Self.input(Self.paged(), resource: "http://evil.example/x")) }
        #expect(whole?.message.hasPrefix("endpoint 'http://evil.example/x' must be a path under the Base URL") == true)
        let scheme = await #expect(throws: PanoplyError.self) { _ = try await Self.readAll(try Self.input(["base_url": "api.example.com"], resource: "users")) }
        #expect(scheme?.message == "Base URL must be an http:// or https:// address (got 'api.example.com')")
        let nothing = await #expect(throws: PanoplyError.self) { _ = try await Self.readAll(try Self.input([:])) }
        #expect(nothing?.message == "give URL (one endpoint), or Base URL with Endpoints (paths under it, comma-separated)")
    }

    @Test("a run reads each endpoint as a resource into its own table, every record once", .enabled(if: available))
    func runEndpoints() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let a = "items?scenario=\(UUID().uuidString)&total=23"
        let b = "/items?scenario=\(UUID().uuidString)&total=5"
        let outcome = try await h.run(HTTPSource.self, Self.paged(["endpoints": "\(a),\(b)"]))
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        let records = try h.delivered()
        let byEndpoint = Dictionary(grouping: records) { $0["__resource"]?.stringValue ?? "-" }
        #expect(byEndpoint.keys.sorted() == [b, a].sorted())
        #expect(holdsEachOnce(ids(byEndpoint[a] ?? []), 23))
        #expect(holdsEachOnce(ids(byEndpoint[b] ?? []), 5))
        #expect(byEndpoint[a]?.allSatisfy { $0["__table"]?.stringValue == "http_" + ResourcePlan.tableSafe(a) } == true)
        #expect(try h.savedState()?[a]?.objectValue?["http"]?.objectValue?["records"] == 23)
    }

    @Test("an instance opened on the endpoints without a resource checks the first one but does not read", .enabled(if: available))
    func checksFirstEndpoint() async throws {
        let input = try Self.input(Self.paged(["endpoints": "items?total=3, nowhere"]))
        let source = try await HTTPSource(source: input, context: SourceContext(input: input))
        try await source.check()
        let refused = await #expect(throws: PanoplyError.self) { _ = try await source.read(10) }
        #expect(refused?.message == "the 2 endpoints are each read as a resource by the runner (panoply run), not by one instance")
        let missing = try Self.input(Self.paged(["endpoints": "nowhere, items"]))
        let notFound = await #expect(throws: PanoplyError.self) { try await HTTPSource(source: missing, context: SourceContext(input: missing)).check() }
        #expect(notFound?.code == 404)
    }
}
