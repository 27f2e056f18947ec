import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Against scripts/fixtures/http_fixture.py (started by scripts/services/http-fixture.sh).
@Suite("HTTP JSON API source")
struct HTTPSourceTests {
    static let base = serviceEnv("PANOPLY_TEST_HTTP_URL")

    static let available: Bool = {
        if base == nil { print("skipping HTTP source tests: PANOPLY_TEST_HTTP_URL is not set (run scripts/services/http-fixture.sh start)") }
        return base != nil
    }()

    static func url(_ path: String, _ query: String) -> String {
        "\(base!)\(path)?scenario=\(UUID().uuidString)&\(query)"
    }

    static func stats(_ url: String) async throws -> JSONObject {
        let scenario = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "scenario" }?.value)
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(base!)/stats?scenario=\(scenario)")!)
        return try #require(try JSONParser.parse([UInt8](data)).objectValue)
    }

    static func paged(_ url: String) -> [String: String] {
        ["url": url, "records_path": "data.items", "pagination": "page", "page_size_param": "per_page", "page_size": "10", "total_path": "meta.total"]
    }

    @Test("page pagination delivers every record, waiting out a 429's Retry-After", .enabled(if: available))
    func pagesAndRateLimit() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let url = Self.url("/items", "total=95&rate_limit_page=3")
        let outcome = try await h.run(HTTPSource.self, Self.paged(url))
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        let records = try h.delivered()
        #expect(holdsEachOnce(ids(records), 95))
        #expect(records.first { $0["id"] == 7 }?["big"]?.description == "12345678901234567897")
        #expect(try await Self.stats(url)["rate_limited"] == 1)
        #expect(outcome.logs.contains { $0.contains("HTTP 429") && $0.contains("Retry-After") })
        #expect(!outcome.events.contains { if case .retrying = $0 { true } else { false } })
        #expect(outcome.progress.last?.0 == 95 && outcome.progress.last?.1 == 95)
    }

    @Test("an expired OAuth2 token is refreshed once and fired as source-change", .enabled(if: available))
    func refreshesToken() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let url = Self.url("/items", "total=50&auth=1&expire_after=2")
        let scenario = URLComponents(string: url)!.queryItems!.first { $0.name == "scenario" }!.value!
        var params = Self.paged(url)
        params.merge([
            "auth": "oauth2", "access_token": "initial-token", "token_url": "\(Self.base!)/oauth/token?scenario=\(scenario)",
            "client_id": "test-client", "client_secret": "test-secret", "refresh_token": "good-refresh"
        ]) { $1 }
        let outcome = try await h.run(HTTPSource.self, params)
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        #expect(holdsEachOnce(try h.deliveredIds(), 50))
        #expect(outcome.sourceChanges == [["access_token": "fresh-token-1"]])
        let stats = try await Self.stats(url)
        #expect(stats["unauthorized"] == 1)
        #expect(stats["refresh"] == 1)
        #expect(!outcome.logs.contains { $0.contains("good-refresh") || $0.contains("test-secret") || $0.contains("fresh-token") })
    }

    @Test("a refresh the server rejects is a non-retryable auth error", .enabled(if: available))
    func wrongClientSecret() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let url = Self.url("/items", "total=30&auth=1&expire_after=1")
        var params = Self.paged(url)
        params.merge([
            "auth": "oauth2", "access_token": "initial-token", "token_url": "\(Self.base!)/oauth/token",
            "client_id": "test-client", "client_secret": "wrong-secret", "refresh_token": "good-refresh"
        ]) { $1 }
        let outcome = try await h.run(HTTPSource.self, params)
        let error = try #require(outcome.summary.error)
        #expect(error.category == .auth && error.code == 401 && !error.retryable)
        #expect(error.message == "access token could not be refreshed (token refresh at 127.0.0.1 answered HTTP 400 (invalid_grant))")
        #expect(try h.deliveredIds().count == 10)
    }

    @Test(
        "a rotated refresh token is used for later refreshes, saved in the state at once, and the next run refreshes with it",
        .enabled(if: available))
    func rotatesRefreshToken() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        // Every access token from the token endpoint works once; every refresh token works once.
        let url = Self.url("/items", "total=30&auth=1&expire_after=1&token_uses=1")
        let scenario = URLComponents(string: url)!.queryItems!.first { $0.name == "scenario" }!.value!
        let oauth = [
            "auth": "oauth2", "access_token": "initial-token", "token_url": "\(Self.base!)/oauth/token?scenario=\(scenario)&rotate=1",
            "client_id": "test-client", "client_secret": "test-secret", "refresh_token": "good-refresh"
        ]
        let paged = Self.paged(url).merging(oauth) { $1 }
        let first = try await h.run(HTTPSource.self, paged)
        #expect(first.summary.status == .done, "\(first.summary.error?.message ?? "")")
        #expect(holdsEachOnce(try h.deliveredIds(), 30))
        var stats = try await Self.stats(url)
        let refreshes = try #require(stats["refresh"]?.intValue)
        #expect(refreshes >= 2 && stats["rotated"]?.intValue == refreshes && stats["refresh_rejected"] == nil)
        #expect(first.sourceChanges.last?["refresh_token"] == .string("rotated-refresh-\(refreshes)"))
        var saved = try #require(try h.savedState()?[SavedParams.stateKey]?.objectValue)
        #expect(saved["refresh_token"]?[path: "value"] == .string("rotated-refresh-\(refreshes)"))
        #expect(saved["refresh_token"]?[path: "replaces"]?.stringValue?.hasPrefix("sha256:") == true)

        // A new runner from the saved state, same configured (now revoked) refresh token:
        // the saved one wins, refreshes, and rotates again.
        let single = ["url": url, "records_path": "data.items"].merging(oauth) { $1 }
        let second = try await h.run(HTTPSource.self, single)
        #expect(second.summary.status == .done, "\(second.summary.error?.message ?? "")")
        #expect(try h.deliveredIds().count == 40)
        stats = try await Self.stats(url)
        #expect(stats["refresh"]?.intValue == refreshes + 1 && stats["refresh_rejected"] == nil)
        saved = try #require(try h.savedState()?[SavedParams.stateKey]?.objectValue)
        #expect(saved["refresh_token"]?[path: "value"] == .string("rotated-refresh-\(refreshes + 1)"))
        #expect(second.logs.contains { $0.contains("using access_token, refresh_token saved in the state") })

        // Without the saved state the configured refresh token is revoked: the server says so.
        let fresh = try RunHarness()
        defer { fresh.remove() }
        let third = try await fresh.run(HTTPSource.self, single)
        #expect(third.summary.error?.message.contains("answered HTTP 400 (invalid_grant)") == true)

        // A refresh token configured anew (the user authorized again) wins over the saved one.
        let reauthorized = single.merging(["refresh_token": "new-grant"]) { $1 }
        let fourth = try await h.run(HTTPSource.self, reauthorized)
        #expect(fourth.logs.contains { $0.contains("the configured refresh_token changed") })
        #expect(fourth.summary.error?.category == .auth)

        // No token reaches a log line or an error message.
        let outcomes = [first, second, third, fourth]
        let text = outcomes.flatMap(\.logs).joined(separator: "\n") + outcomes.compactMap { $0.summary.error?.message }.joined()
        for secret in ["good-refresh", "rotated-refresh", "fresh-token", "test-secret", "new-grant"] {
            #expect(!text.contains(secret), "\(secret) leaked")
        }
    }

    @Test("a token whose expires_in is within the margin is refreshed before the request, not after a 401", .enabled(if: available))
    func refreshesBeforeExpiry() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let url = Self.url("/items", "total=30&auth=1&expire_after=1")
        let scenario = URLComponents(string: url)!.queryItems!.first { $0.name == "scenario" }!.value!
        var params = Self.paged(url)
        // Tokens live 30 s, less than the 60 s margin: each later page refreshes first.
        params.merge([
            "auth": "oauth2", "access_token": "initial-token", "token_url": "\(Self.base!)/oauth/token?scenario=\(scenario)&expires_in=30",
            "client_id": "test-client", "client_secret": "test-secret", "refresh_token": "good-refresh"
        ]) { $1 }
        let outcome = try await h.run(HTTPSource.self, params)
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        #expect(holdsEachOnce(try h.deliveredIds(), 30))
        let stats = try await Self.stats(url)
        #expect(stats["unauthorized"] == 1)
        #expect((stats["refresh"]?.intValue ?? 0) >= 2)
        #expect(outcome.logs.contains { $0.contains("expires soon; refreshing it first") })
    }

    @Test("a wrong bearer token is a non-retryable 401 that says to check the token", .enabled(if: available))
    func wrongBearer() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        var params = Self.paged(Self.url("/items", "auth=1"))
        params.merge(["auth": "bearer", "access_token": "nope"]) { $1 }
        let outcome = try await h.run(HTTPSource.self, params)
        let error = try #require(outcome.summary.error)
        #expect(error.code == 401 && !error.retryable)
        #expect(error.message.hasPrefix("GET \(Self.base!)/items answered HTTP 401: the token was rejected"))
    }

    @Test("a run failed by a server error resumes from its state file and delivers every record", .enabled(if: available))
    func resumes() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let url = Self.url("/items", "total=95&fail_page=5")
        let first = try await h.run(HTTPSource.self, Self.paged(url), readAttempts: 1)
        #expect(first.summary.status == .failed)
        #expect(first.summary.error?.retryable == true)
        #expect(try h.deliveredIds().count == 40)
        #expect(try h.savedState()?["http"]?[path: "next.page"] == 5)
        let second = try await h.run(HTTPSource.self, Self.paged(url), readAttempts: 1)
        #expect(second.summary.status == .done)
        #expect(holdsEachOnce(try h.deliveredIds(), 95))
    }

    @Test("cursor and Link-header pagination deliver every record", .enabled(if: available))
    func cursorAndLink() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        _ = try await h.run(
            HTTPSource.self,
            [
                "url": Self.url("/cursor-items", "total=33&limit=10"), "records_path": "records",
                "pagination": "cursor", "cursor_path": "meta.next_cursor"
            ])
        #expect(holdsEachOnce(try h.deliveredIds(), 33))
        let h2 = try RunHarness()
        defer { h2.remove() }
        _ = try await h2.run(HTTPSource.self, ["url": Self.url("/link-items", "total=27&per_page=5"), "pagination": "link-header"])
        #expect(holdsEachOnce(try h2.deliveredIds(), 27))
    }

    @Test("404 is a non-retryable not-found error", .enabled(if: available))
    func notFound() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let outcome = try await h.run(HTTPSource.self, ["url": "\(Self.base!)/nope"])
        let error = try #require(outcome.summary.error)
        #expect(error.category == .notFound && error.code == 404 && !error.retryable)
        #expect(!outcome.events.contains { if case .retrying = $0 { true } else { false } })
    }

    @Test("Link headers, Retry-After and header lines parse as the RFCs say")
    func parsing() throws {
        let base = URL(string: "https://api.example.com/v1/items?page=1")
        #expect(
            HTTPPaginator.nextLink("<https://a.b/x?page=2>; rel=\"next\", <https://a.b/x?page=9>; rel=\"last\"", relativeTo: base) == "https://a.b/x?page=2")
        #expect(HTTPPaginator.nextLink("</v1/items?page=3>; rel=\"prev next\"", relativeTo: base) == "https://api.example.com/v1/items?page=3")
        #expect(HTTPPaginator.nextLink("<https://a.b/x?page=1>; rel=\"prev\"", relativeTo: base) == nil)
        #expect(HTTPFetcher.retryAfter("3") == .seconds(3))
        #expect(HTTPFetcher.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == .zero)
        #expect(try HTTPFetcher.parseHeaders("X-Api: 2\n\nAccept-Language:  en ").map { "\($0.0)=\($0.1)" } == ["X-Api=2", "Accept-Language=en"])
        #expect(throws: PanoplyError.self) { try HTTPFetcher.parseHeaders("no colon here") }
    }
}
