import PanoplyKit

/// What a PostgreSQL source instance reads: a table or view (`schema.name`), or a query.
struct PostgresRelation: Sendable, Equatable {
    /// The resource id: `schema.name` with the names as they are, or `query`.
    var id: String
    /// `"schema"."name" AS t` or `(SELECT ...) AS t`.
    var sql: String
    var schema: String?
    var name: String?

    /// The table (`input.resource`, else `table` in `schema`, else the first of `tables`)
    /// or the query of `source`.
    /// - Throws: config when neither or both of a table and a query are given.
    init(_ source: SourceInput, defaultSchema: String) throws {
        let table = source.resource ?? source.string("table")
        let query = source.resource == nil ? source.string("query") : nil
        let picked = table ?? (query == nil ? ResourceList.first(source.params["tables"]) : nil)
        guard (picked == nil) != (query == nil) else {
            throw PanoplyError.config("give either tables, a table or a query (a table and a query cannot go together)")
        }
        if let query {
            self.init(id: "query", sql: "(\(query)) AS t", schema: nil, name: nil)
            return
        }
        let (schema, name) = source.resource != nil || table == nil ? Self.split(picked!, defaultSchema: defaultSchema) : (defaultSchema, picked!)
        self.init(id: "\(schema).\(name)", sql: "\(KeysetQuery.quote(schema)).\(KeysetQuery.quote(name)) AS t", schema: schema, name: name)
    }

    init(id: String, sql: String, schema: String?, name: String?) {
        self.id = id
        self.sql = sql
        self.schema = schema
        self.name = name
    }

    /// `schema.name` split at its first dot (a name may hold dots); without a dot, the
    /// name in `defaultSchema`.
    static func split(_ id: String, defaultSchema: String) -> (schema: String, name: String) {
        guard let dot = id.firstIndex(of: ".") else { return (defaultSchema, id) }
        return (String(id[..<dot]), String(id[id.index(after: dot)...]))
    }
}

/// The values of a list param.
enum ResourceList {
    /// Every value of a list param (an array, or text typed comma-separated).
    static func all(_ value: JSONValue?) -> [String] {
        switch value {
        case .array(let items)?: items.compactMap(\.stringValue).filter { !$0.isEmpty }
        case .string(let s)?: SourceParam.listItems(s)
        default: []
        }
    }

    /// The first value of a list param (an array, or text typed comma-separated).
    static func first(_ value: JSONValue?) -> String? {
        switch value {
        case .array(let items)?: items.lazy.compactMap(\.stringValue).first { !$0.isEmpty }
        case .string(let s)?: SourceParam.listItems(s).first
        default: nil
        }
    }
}
