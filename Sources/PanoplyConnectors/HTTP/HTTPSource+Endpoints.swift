import Foundation
import PanoplyKit

/// Several endpoints under one base URL, each a resource (`endpoints=users,orders`).
/// The API cannot be asked which paths it has, so the values of `endpoints` are the ones
/// typed; each resource's fields come from its first page.
extension HTTPSource {
    /// The endpoint paths typed, trimmed, without repeats.
    static func endpoints(_ source: SourceInput) -> [String] {
        let typed: [String]
        switch source.params["endpoints"] {
        case .array(let items)?: typed = items.compactMap(\.stringValue)
        case .string(let text)?: typed = SourceParam.listItems(text)
        default: typed = []
        }
        var seen = Set<String>()
        return typed.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The first page's URL: the resource's endpoint under `base_url`, or `url`. With
    /// endpoints but no resource (an instance opened by `check`), the first endpoint's,
    /// with the endpoints: such an instance checks but does not read, since the runner
    /// reads each endpoint as a resource.
    /// - Throws: ``PanoplyError`` (config) saying which params to give.
    static func firstURL(_ source: SourceInput) throws -> (url: URL, unread: [String]?) {
        if let endpoint = source.resource { return (try url(of: endpoint, under: source.string("base_url")), nil) }
        if let text = source.string("url") { return (try checked(text, param: "URL"), nil) }
        let typed = endpoints(source)
        if let first = typed.first, source.string("base_url") != nil {
            return (try url(of: first, under: source.string("base_url")), typed)
        }
        throw PanoplyError.config("give URL (one endpoint), or Base URL with Endpoints (paths under it, comma-separated)")
    }

    /// `endpoint` (a path, optionally with a query) under `base`.
    static func url(of endpoint: String, under base: String?) throws -> URL {
        guard let base else { throw PanoplyError.config("endpoint '\(endpoint)' needs a Base URL (base_url) to be read under") }
        _ = try checked(base, param: "Base URL")
        guard !endpoint.contains("://") else {
            throw PanoplyError.config("endpoint '\(endpoint)' must be a path under the Base URL, not a whole URL (give 'users', not 'https://.../users')")
        }
        let path = endpoint.drop { $0 == "/" }
        let joined = (base.hasSuffix("/") ? base : base + "/") + path
        guard let url = URL(string: joined) else {
            throw PanoplyError.config("endpoint '\(endpoint)' does not make a valid URL under \(base) (check for spaces or stray characters)")
        }
        return url
    }

    private static func checked(_ text: String, param: String) throws -> URL {
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw PanoplyError.config("\(param) must be an http:// or https:// address (got '\(text)')")
        }
        return url
    }

    /// The endpoints typed. With none typed: nothing for a single-URL source, else an error.
    public static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        guard param == "endpoints" else { throw PanoplyError(.config, "http has no list param '\(param)'") }
        let typed = endpoints(source)
        if typed.isEmpty, source.string("url") == nil {
            throw PanoplyError.config("an HTTP API does not list its endpoints: type the paths under the Base URL, comma-separated (e.g. users, orders)")
        }
        return typed.map { ListValue(name: $0, value: $0) }
    }

    /// Each endpoint with the fields of its first page's records.
    public static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        var out: [SourceResource] = []
        for endpoint in try await values(param: "endpoints", source: source, context: context).map(\.value) {
            var one = source
            one.resource = endpoint
            one.state = nil
            let reader = try await HTTPSource(source: one, context: context)
            let records = try await reader.read(FieldSampler.sampleSize) ?? []
            await reader.close()
            var sampler = FieldSampler()
            for r in records.prefix(FieldSampler.sampleSize) { sampler.add(r) }
            out.append(SourceResource(id: endpoint, fields: sampler.fields))
        }
        return out
    }
}
