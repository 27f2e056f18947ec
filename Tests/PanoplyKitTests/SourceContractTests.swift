import Testing

@testable import PanoplyKit

/// A static source with a list param, for the contract's defaults.
private actor ListedSource: DataSource {
    static let type = "listed"
    static let configuration = SourceConfiguration(
        title: "Listed",
        params: [
            SourceParam("host", required: true),
            SourceParam("tables", title: "Tables", kind: .list, choices: ["a", "b", "c"], dependencies: ["host"]),
            SourceParam("tuning", category: .advanced)
        ])
    init(source: SourceInput, context: SourceContext) async throws {}
    func read(_ n: Int) async throws -> [JSONObject]? { nil }
    func close() async {}
    static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        [SourceResource(id: "a", fields: [.init(name: "id", type: "int", mandatory: true)]), SourceResource(id: "b", available: false, requires: ["a"])]
    }
}

@Suite("The source contract: list params, resources, kinds")
struct SourceContractTests {
    @Test("a list param is typed comma-separated and checked against its static choices")
    func listParam() throws {
        let c = ListedSource.configuration
        #expect(try c.validate(["host": "h", "tables": " a, c ,"]).get()["tables"] == ["a", "c"])
        guard case .failure(let e) = c.validate(["host": "h", "tables": "a,x"]) else { Issue.record("x accepted"); return }
        #expect(e.description == "Tables takes values from a, b, c (got 'x')")
        #expect(c.param("tuning")?.category == .advanced)
        #expect(try c.validate(["host": "h", "tuning": "ignored"], dependenciesOf: "tables").get() == ["host": "h"])
        #expect(throws: ParamErrors.self) { try c.validate([:], dependenciesOf: "tables").get() }
    }

    @Test("a kind of a Swift type lists resources, finds one by id and gives static values")
    func kindDefaults() async throws {
        let kind = SourceKind(ListedSource.self)
        let input = SourceInput(type: "listed", params: ["host": "h"])
        let context = SourceContext(input: input)
        #expect(try await kind.listResources(input, context: context).map(\.id) == ["a", "b"])
        let b = try await kind.resource("b", source: input, context: context)
        #expect(b.requires == ["a"] && b.available == false && b.name == "b")
        await #expect(throws: PanoplyError.self) { try await kind.resource("z", source: input, context: context) }
        #expect(try await kind.values("tables", source: input, context: context).map(\.value) == ["a", "b", "c"])
        await #expect(throws: PanoplyError.self) { try await kind.values("host", source: input, context: context) }
    }

    @Test("a type known at run time sends to a table-safe default destination")
    func defaultDestination() {
        #expect(SourceInput(type: "csv", params: [:]).destination == "csv")
        #expect(SourceInput(type: "python:acme.orders", params: [:]).destination == "orders")
        #expect(SourceInput(type: "singer:tap-jsonl", params: [:]).destination == "tap_jsonl")
        #expect(SourceInput(type: "singer:/opt/taps/tap-x", params: [:], destination: "t").destination == "t")
    }

    @Test("the registry resolves PREFIX:REST names through its resolvers")
    func registryResolvers() throws {
        var r = SourceRegistry([ListedSource.self])
        r.register(prefix: "fake") { rest in
            var k = SourceKind(ListedSource.self)
            k.type = "fake:\(rest)"
            return k
        }
        #expect(try r.kind(named: "listed")?.type == "listed")
        #expect(try r.kind(named: "fake:thing")?.type == "fake:thing")
        #expect(try r.kind(named: "other:thing") == nil)
        #expect(throws: PanoplyError.self) { try r.require("nope") }
        #expect(r.names == ["listed", "fake:…"])
    }
}
