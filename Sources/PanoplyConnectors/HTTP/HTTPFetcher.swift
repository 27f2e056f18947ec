import Foundation
import PanoplyKit

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One GET with the source's headers and token, over PanoplyKit's ``WebClient`` (the same
/// CA bundle and proxy settings as the destination; the headers and token never follow a
/// redirect to another origin, and an https-to-http redirect is refused), the answer classified: 2xx is returned;
/// 429 and 503 wait for Retry-After (a few times) before giving up with a retryable
/// error; 401 is an auth error the token refresher reacts to; 404 is not retryable.
struct HTTPFetcher: Sendable {
    var client: WebClient
    var headers: [(String, String)]
    /// Longest single Retry-After wait honored inside a read; longer ones surface as a
    /// retryable rate-limit error so the runner's backoff takes over.
    var maxWait: Duration = .seconds(60)
    var maxWaits = 5
    var context: SourceContext

    struct Page: Sendable {
        var body: JSONValue
        var linkHeader: String?
    }

    func get(_ url: URL, token: String?) async throws -> Page {
        var waits = 0
        while true {
            let own = [("Accept", "application/json"), ("User-Agent", "panoply-swift/\(PanoplyKitVersion.string)")]
            var fields = own.filter { f in !headers.contains { $0.0.lowercased() == f.0.lowercased() } } + headers
            if let token { fields.append(("Authorization", "Bearer \(token)")) }
            let response: WebClient.Response
            do {
                // A redirect to another host gets none of the user's headers nor the token.
                response = try await client.get(url, headers: fields, crossOriginHeaders: own)
            } catch let e as TransportError {
                throw PanoplyError(
                    e.retryable ? .transient : .config, "GET \(Self.redacted(url)) failed: \(e.message)", code: e.retryable ? 408 : 400, retryable: e.retryable)
            }
            let status = response.status
            let data = Data(response.body)
            if (200..<300).contains(status) {
                do {
                    return Page(body: try JSONParser.parse(response.body), linkHeader: response.headers["link"])
                } catch {
                    throw PanoplyError(.config, "GET \(Self.redacted(url)) did not answer JSON: \(error)", code: 422)
                }
            }
            if status == 429 || status == 503 {
                let wait = Self.retryAfter(response.headers["retry-after"]) ?? .seconds(1 << min(waits, 5))
                if waits < maxWaits, wait <= maxWait {
                    waits += 1
                    context.log("HTTP \(status) from \(url.host ?? "server"); waiting \(wait) as asked (Retry-After)")
                    context.progress(nil, nil, "rate limited; waiting \(wait)")
                    try await Task.sleep(for: wait)
                    continue
                }
                throw PanoplyError(
                    status == 429 ? .rateLimit : .transient, "GET \(Self.redacted(url)) answered HTTP \(status) (retry after \(wait))",
                    code: status == 429 ? 429 : 408)
            }
            throw Self.error(status: status, url: url, body: data)
        }
    }

    static func error(status: Int, url: URL, body: Data) -> PanoplyError {
        let snippet = String(decoding: body.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        let what = "GET \(redacted(url)) answered HTTP \(status)"
        switch status {
        case 401:
            return PanoplyError(.auth, "\(what): the token was rejected (check the access token or refresh settings). \(snippet)", code: 401, retryable: false)
        case 403: return PanoplyError(.auth, "\(what): access denied (check the token's scopes). \(snippet)", code: 403, retryable: false)
        case 404: return PanoplyError(.notFound, "\(what): not found (check the URL)", code: 404, retryable: false)
        case 408: return PanoplyError(.transient, "\(what): request timeout", code: 408)
        case 500...599: return PanoplyError(.transient, "\(what): server error. \(snippet)", code: status == 501 ? 501 : 500, retryable: true)
        default: return PanoplyError(.config, "\(what). \(snippet)", code: status == 422 ? 422 : 400)
        }
    }

    /// Retry-After as seconds or an HTTP date.
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let s = Int(value) { return .seconds(max(0, s)) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: value) else { return nil }
        return .milliseconds(max(0, Int(date.timeIntervalSinceNow * 1000)))
    }

    /// The URL without its query, which may carry keys.
    static func redacted(_ url: URL) -> String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.path }
        c.query = nil
        return c.string ?? url.path
    }

    /// Parses "Name: value" lines.
    /// - Throws: config when a line has no colon.
    static func parseHeaders(_ text: String?) throws -> [(String, String)] {
        guard let text else { return [] }
        return try text.split(whereSeparator: \.isNewline).compactMap { line in
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.isEmpty { return nil }
            guard let colon = l.firstIndex(of: ":"), colon != l.startIndex else {
                throw PanoplyError.config("header line '\(l.prefix(40))' must look like 'Name: value'")
            }
            return (String(l[..<colon]).trimmingCharacters(in: .whitespaces), String(l[l.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }
}
