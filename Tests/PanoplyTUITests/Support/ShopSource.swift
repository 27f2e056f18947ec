import PanoplyKit
import Synchronization

@testable import PanoplyTUICore

/// A source with a `tables` list param computed from its connection params (as postgres),
/// for the picker's tests: 14 tables, one unavailable, one that requires another; the
/// password `wrong` fails the way a database refusing it does.
final class ShopSource: DataSource {
    static let type = "shop"
    static let configuration = SourceConfiguration(
        title: "Shop DB", summary: "A shop database (test double)",
        params: [
            SourceParam("host", title: "Host", required: true, placeholder: "localhost"),
            SourceParam("password", title: "Password", kind: .secret),
            SourceParam("tables", title: "Tables", kind: .list, help: "The tables to read", dependencies: ["host"]),
            SourceParam("batch_size", title: "Batch size", kind: .number, default: "500", category: .advanced),
            SourceParam("sslmode", title: "SSL mode", kind: .choice, default: "prefer", choices: ["disable", "prefer", "require"], category: .advanced)
        ], resourcesParam: "tables")

    static let tables = [
        "public.customers", "public.orders", "public.order_items", "public.products", "public.Mixed Case",
        "public.empty", "public.events", "public.no_key", "public.order_view", "sales.invoices",
        "sales.refunds", "sales.regions", "audit.log", "public.big"
    ]

    private let resource: String
    private let pending = Mutex(true)

    init(source: SourceInput, context: SourceContext) async throws { resource = source.resource ?? "all" }

    /// Three rows of its resource, then the end.
    func read(_ n: Int) async throws -> [JSONObject]? {
        guard
            pending.withLock({ p in
                defer { p = false }; return p
            })
        else { return nil }
        return (1...3).map { ["id": .number(JSONNumber($0)), "table": .string(resource)] }
    }
    func close() async {}

    static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        if source.string("password") == "wrong" {
            throw PanoplyError(.auth, "password authentication failed for user \"shop\" (check the password)")
        }
        return valueList
    }

    static var valueList: [ListValue] {
        tables.map { t in
            ListValue(name: t, value: t, disabled: t == "audit.log", requires: t == "public.order_items" ? ["public.orders"] : [])
        }
    }

    static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] { resourceList }

    static var resourceList: [SourceResource] {
        tables.map { t in
            SourceResource(
                id: t,
                fields: [
                    SourceResource.Field(name: "id", type: "integer", mandatory: true),
                    SourceResource.Field(name: "name", type: "text"),
                    SourceResource.Field(name: "updated_at", type: "timestamp with time zone")
                ],
                available: t != "audit.log", requires: t == "public.order_items" ? ["public.orders"] : [])
        }
    }

    /// The type as the UI's model knows it.
    static var info: SourceTypeInfo { SourceTypeInfo(type: type, configuration: configuration) }
}
