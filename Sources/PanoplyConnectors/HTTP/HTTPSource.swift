import Foundation
import PanoplyKit

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Records of a JSON API, page by page. The state is the next page (number, cursor or
/// URL), so a resumed run continues with the page after the last delivered one. With
/// OAuth2, an expired token is refreshed once per failure and the new one is fired as
/// `source-change` so it is saved. With `base_url` and `endpoints`, each endpoint path is
/// a resource, read by an instance of its own (``SourceInput/resource``) with its own state.
public actor HTTPSource: DataSource {
    public static let type = "http"
    public static let configuration = SourceConfiguration(
        title: "HTTP JSON API", icon: "⇅", summary: "Records of a paged JSON API (page, cursor or Link header), with bearer or OAuth2 auth",
        params: [
            SourceParam(
                "url", title: "URL", placeholder: "https://api.example.com/v1/items",
                help: "The first page's URL (one endpoint); or give Base URL and Endpoints"),
            SourceParam(
                "base_url", title: "Base URL", placeholder: "https://api.example.com/v1",
                help: "The URL the endpoints are under (with Endpoints, instead of URL)"),
            SourceParam(
                "endpoints", title: "Endpoints", kind: .list, placeholder: "users, orders?status=open",
                help: "Paths under Base URL, comma-separated; each is a resource read with the same pagination", dependencies: ["base_url"]),
            SourceParam(
                "records_path", title: "Records path", placeholder: "data.items",
                help: "Dotted path of the records array in each answer; empty: the answer itself"),
            SourceParam(
                "pagination", title: "Pagination", kind: .choice, default: "none",
                help: "none, page (?page=N), cursor (next cursor in the body) or link-header (Link: rel=\"next\")",
                choices: ["none", "page", "cursor", "link-header"]),
            SourceParam("page_param", title: "Page param", default: "page", placeholder: "page", help: "Query param of the page number (pagination=page)")
                .visible(when: "pagination", is: "page"),
            SourceParam("start_page", title: "First page", kind: .number, default: "1", placeholder: "1").visible(when: "pagination", is: "page"),
            SourceParam("page_size_param", title: "Page size param", placeholder: "per_page", help: "Query param of the page size, if the API takes one")
                .visible(when: "pagination", is: "page", "cursor", "link-header"),
            SourceParam("page_size", title: "Page size", kind: .number, placeholder: "100", help: "A shorter page ends the sync").visible(
                when: "pagination", is: "page", "cursor", "link-header"),
            SourceParam(
                "cursor_param", title: "Cursor param", default: "cursor", placeholder: "cursor", help: "Query param that carries the cursor (pagination=cursor)"
            ).visible(when: "pagination", is: "cursor"),
            SourceParam(
                "cursor_path", title: "Cursor path", default: "next_cursor", placeholder: "meta.next_cursor",
                help: "Dotted path of the next cursor in the body; absent or empty ends the sync"
            ).visible(when: "pagination", is: "cursor"),
            SourceParam("total_path", title: "Total path", placeholder: "meta.total", help: "Dotted path of the total record count, for the progress bar"),
            SourceParam(
                "auth", title: "Auth", kind: .choice, default: "none",
                help: "none, bearer (access_token) or oauth2 (refreshes access_token with refresh_token at token_url)", choices: ["none", "bearer", "oauth2"]),
            SourceParam(
                "access_token", title: "Access token", kind: .secret, help: "Bearer token; for oauth2 the current access token (refreshed when it expires)"
            ).visible(when: "auth", is: "bearer", "oauth2"),
            SourceParam(
                "token_url", title: "Token URL", placeholder: "https://api.example.com/oauth/token", help: "OAuth2 token endpoint (grant_type=refresh_token)"
            ).visible(when: "auth", is: "oauth2"),
            SourceParam("client_id", title: "Client ID").visible(when: "auth", is: "oauth2"),
            SourceParam("client_secret", title: "Client secret", kind: .secret).visible(when: "auth", is: "oauth2"),
            SourceParam("refresh_token", title: "Refresh token", kind: .secret).visible(when: "auth", is: "oauth2"),
            SourceParam(
                "headers", title: "Headers", kind: .multiline, placeholder: "X-Api-Version: 2", help: "Extra request headers, one 'Name: value' per line")
        ], resourcesParam: "endpoints")

    private var paginator: HTTPPaginator
    /// The endpoints of an instance opened without a resource: it checks, never reads.
    private let unreadEndpoints: [String]?
    private let fetcher: HTTPFetcher
    private let recordsPath: String?
    private let totalPath: String?
    private let refresher: TokenRefresher?
    private let useToken: Bool
    private var pages: Int
    private var records: Int
    private var total: Int?
    private let context: SourceContext

    public init(source: SourceInput, context: SourceContext) async throws {
        let (url, unread) = try Self.firstURL(source)
        unreadEndpoints = unread
        let style = HTTPPaginator.Style(rawValue: source.string("pagination") ?? "none") ?? .none
        paginator = HTTPPaginator(style: style, baseURL: url)
        paginator.pageParam = source.string("page_param") ?? "page"
        paginator.startPage = source.int("start_page") ?? 1
        paginator.pageSizeParam = source.string("page_size_param")
        paginator.pageSize = source.int("page_size")
        paginator.cursorParam = source.string("cursor_param") ?? "cursor"
        paginator.cursorPath = source.string("cursor_path") ?? "next_cursor"
        recordsPath = source.string("records_path")
        totalPath = source.string("total_path")
        let saved = source.state?["http"]?.objectValue
        if style != .none { paginator.restore(saved?["next"]) }
        pages = saved?["pages"]?.intValue ?? 0
        records = saved?["records"]?.intValue ?? 0
        let auth = source.string("auth") ?? "none"
        useToken = auth != "none"
        refresher = try Self.refresher(auth, source)
        if auth == "bearer", source.string("access_token") == nil {
            throw PanoplyError.config("auth=bearer needs an access token")
        }
        fetcher = HTTPFetcher(client: try SharedWebClient.of(context), headers: try HTTPFetcher.parseHeaders(source.string("headers")), context: context)
        self.context = context
        if saved != nil { context.log("resuming after \(pages) pages, \(records) records") }
    }

    static func refresher(_ auth: String, _ source: SourceInput) throws -> TokenRefresher? {
        guard auth == "oauth2" else { return nil }
        guard let tokenURL = source.string("token_url").flatMap(URL.init(string:)) else {
            throw PanoplyError.config("auth=oauth2 needs a token URL")
        }
        guard source.string("refresh_token") != nil else { throw PanoplyError.config("auth=oauth2 needs a refresh token") }
        var fields = ["grant_type": "refresh_token"]
        if let id = source.string("client_id") { fields["client_id"] = id }
        if let secret = source.string("client_secret") { fields["client_secret"] = secret }
        return TokenRefresher(refreshURL: tokenURL, extraFields: fields)
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        if let unreadEndpoints {
            throw PanoplyError.config("the \(unreadEndpoints.count) endpoints are each read as a resource by the runner (panoply run), not by one instance")
        }
        while let url = paginator.url() {
            let page = try await fetch(url)
            let batch = try extract(page.body, url: url)
            if let totalPath, let t = page.body[path: totalPath]?.intValue { total = t }
            var next = paginator
            next.advance(body: page.body, linkHeader: page.linkHeader, count: batch.count)
            paginator = next
            pages += 1
            records += batch.count
            context.state(
                "http-\(pages)", ["http": ["next": paginator.stateValue, "pages": .number(JSONNumber(pages)), "records": .number(JSONNumber(records))]])
            context.progress(records, total, "\(records)\(total.map { "/\($0)" } ?? "") records, \(pages) pages")
            if !batch.isEmpty { return batch }
        }
        context.progress(records, total ?? records, "\(records) records, \(pages) pages (done)")
        return nil
    }

    private func fetch(_ url: URL) async throws -> HTTPFetcher.Page {
        guard useToken else { return try await fetcher.get(url, token: nil) }
        guard let refresher else { return try await fetcher.get(url, token: context.param("access_token")) }
        let fetcher = fetcher
        return try await refresher.run(context: context) { token in
            guard let token, !token.isEmpty else { throw PanoplyError(.auth, "no access token yet", code: 401, retryable: false) }
            return try await fetcher.get(url, token: token)
        }
    }

    private func extract(_ body: JSONValue, url: URL) throws -> [JSONObject] {
        let found: JSONValue? = recordsPath.map { body[path: $0] } ?? body
        if case .array(let items)? = found {
            return items.map { item in
                if case .object(let o) = item { return o }
                return ["value": item]
            }
        }
        if recordsPath == nil, case .object(let o)? = found { return [o] }
        if let recordsPath, found == nil || found == .null {
            throw PanoplyError(.config, "the answer of \(HTTPFetcher.redacted(url)) has no '\(recordsPath)' (check records_path)", code: 422)
        }
        throw PanoplyError(
            .config, "'\(recordsPath ?? "the answer")' of \(HTTPFetcher.redacted(url)) is not an array of records (check records_path)", code: 422)
    }

    public func check() async throws {
        if let url = paginator.url() { _ = try await fetch(url) }
    }

    public func close() async {}
}
