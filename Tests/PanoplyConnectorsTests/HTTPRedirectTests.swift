import Foundation
import Testing

@testable import PanoplyConnectors
@testable import PanoplyKit

/// Redirects keep credentials home: the decision (``RedirectPolicy``), then real redirects
/// between scripts/fixtures/redirect_fixture.py hosts on 127.0.0.1 and 127.0.0.2.
@Suite("HTTP redirects keep credentials home")
struct HTTPRedirectTests {
    static let tlsDir = serviceEnv("PANOPLY_TEST_TLS_DIR")

    @Test(
        "within the origin a redirect keeps the headers; to another scheme, host or port it drops them for good",
        arguments: [
            ("https://api.example.com/v1/items", "/v2/items", true),
            ("https://api.example.com/v1/items", "https://API.example.com:443/x", true),
            ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b?c=d", true),
            ("https://api.example.com/a", "https://files.example.com/a", false),
            ("https://api.example.com/a", "https://api.example.com:8443/a", false),
            ("http://api.example.com/a", "https://api.example.com/a", false),
            ("http://127.0.0.1:8080/a", "http://127.0.0.2:8080/a", false)
        ])
    func crossOriginDropsHeaders(from: String, location: String, keeps: Bool) throws {
        var policy = RedirectPolicy(start: URL(string: from)!)
        let action = policy.answered(status: 302, location: location)
        #expect(action == .follow(URL(string: location, relativeTo: URL(string: from))!.absoluteURL))
        #expect(policy.sendsCallerHeaders == keeps)
        // Back home after leaving: still without the caller's headers.
        _ = policy.answered(status: 307, location: from)
        #expect(policy.sendsCallerHeaders == keeps)
    }

    @Test("https to http, a non-web scheme and a sixth redirect are refused, not retryable, naming the hosts")
    func refusals() throws {
        var down = RedirectPolicy(start: URL(string: "https://api.example.com/v1/items?key=s3cret")!)
        #expect(
            down.answered(status: 301, location: "http://mirror.example.net:8080/items?key=s3cret")
                == .refuse(
                    TransportError(
                        code: "Redirect",
                        message: "api.example.com redirected the request from https to plain http at mirror.example.net:8080; "
                            + "not followed, since it would travel unencrypted (use the API's https address, or ask its owner to fix the redirect)",
                        retryable: false)))
        var file = RedirectPolicy(start: URL(string: "http://api.example.com/a")!)
        guard case .refuse(let e) = file.answered(status: 302, location: "ftp://files.example.com/a") else { Issue.record("followed ftp"); return }
        #expect(e.message == "api.example.com redirected the request to a ftp: address at files.example.com; only http and https redirects are followed")
        var loop = RedirectPolicy(start: URL(string: "http://api.example.com/a")!)
        for _ in 0..<5 { #expect(loop.answered(status: 302, location: "/a") == .follow(URL(string: "http://api.example.com/a")!)) }
        #expect(
            loop.answered(status: 302, location: "/a")
                == .refuse(TransportError(code: "Redirect", message: "GET api.example.com: more than 5 redirects", retryable: false)))
    }

    @Test("answers that are not redirects, or have no Location, are delivered as they are")
    func notRedirects() {
        var policy = RedirectPolicy(start: URL(string: "http://api.example.com/a")!)
        #expect(policy.answered(status: 200, location: "http://elsewhere/") == .deliver)
        #expect(policy.answered(status: 302, location: nil) == .deliver)
        #expect(policy.answered(status: 304, location: "/b") == .deliver)
        #expect(policy.sendsCallerHeaders && policy.hops == 0)
    }

    @Test("a 302 to another host gets the request without the token or the user's headers, and the run delivers every record")
    func crossHostRedirect() async throws {
        let home = try RedirectHost(host: "127.0.0.1")
        let other = try RedirectHost(host: "127.0.0.2")
        let h = try RunHarness()
        defer { h.remove() }
        let outcome = try await h.run(
            HTTPSource.self,
            [
                "url": home.redirect(to: "\(other.origin)/items?total=7"), "records_path": "data.items",
                "auth": "bearer", "access_token": "secret-bearer-token", "headers": "X-Api-Key: secret-api-key\nX-Tenant: acme"
            ])
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        #expect(holdsEachOnce(try h.deliveredIds(), 7))
        let asked = try await home.seen()
        #expect(asked.count == 1)
        #expect(asked.first?.headers["authorization"] == "Bearer secret-bearer-token")
        #expect(asked.first?.headers["x-api-key"] == "secret-api-key")
        let redirected = try await other.seen()
        #expect(redirected.count == 1)
        let got = try #require(redirected.first?.headers)
        #expect(got["authorization"] == nil, "the other host got the token")
        #expect(got["x-api-key"] == nil && got["x-tenant"] == nil, "the other host got the user's headers: \(got)")
        #expect(got["host"] == URL(string: other.origin).map { "\($0.host!):\($0.port!)" })
        #expect(got["accept"] == "application/json")
    }

    @Test("a redirect within the host keeps the token and the user's headers")
    func sameHostRedirect() async throws {
        let home = try RedirectHost(host: "127.0.0.1")
        let h = try RunHarness()
        defer { h.remove() }
        let outcome = try await h.run(
            HTTPSource.self,
            [
                "url": home.redirect(to: "/items?total=3"), "records_path": "data.items",
                "auth": "bearer", "access_token": "secret-bearer-token", "headers": "X-Api-Key: secret-api-key"
            ])
        #expect(outcome.summary.status == .done, "\(outcome.summary.error?.message ?? "")")
        #expect(holdsEachOnce(try h.deliveredIds(), 3))
        let asked = try await home.seen()
        #expect(asked.count == 2 && asked.last?.path == "/items?total=3")
        #expect(asked.allSatisfy { $0.headers["authorization"] == "Bearer secret-bearer-token" && $0.headers["x-api-key"] == "secret-api-key" })
    }

    @Test(
        "an https API redirecting to plain http is refused with both hosts named; the http host gets nothing",
        .enabled(if: tlsDir != nil))
    func httpsToHttpRefused() async throws {
        let dir = try #require(Self.tlsDir)
        let secure = try RedirectHost(host: "127.0.0.1", tls: ("\(dir)/good.pem", "\(dir)/good.key"))
        let plain = try RedirectHost(host: "127.0.0.2")
        let network = NetworkSettings(caBundles: ["\(dir)/ca.pem"])
        let client = WebClient(network: network)
        let url = URL(string: secure.redirect(to: "\(plain.origin)/items?total=2"))!
        let refused = await #expect(throws: TransportError.self) {
            _ = try await client.get(url, headers: [("Authorization", "Bearer secret-bearer-token")])
        }
        let secureHost = secure.origin.replacingOccurrences(of: "https://", with: "")
        let plainHost = plain.origin.replacingOccurrences(of: "http://", with: "")
        #expect(refused?.retryable == false)
        #expect(
            refused?.message == "\(secureHost) redirected the request from https to plain http at \(plainHost); "
                + "not followed, since it would travel unencrypted (use the API's https address, or ask its owner to fix the redirect)")

        // Through the source, the refusal is a non-retryable config error that says the same.
        let fetcher = HTTPFetcher(
            client: client, headers: [("X-Api-Key", "secret-api-key")],
            context: SourceContext(input: SourceInput(type: "http", params: [:])))
        let failed = await #expect(throws: PanoplyError.self) { _ = try await fetcher.get(url, token: "secret-bearer-token") }
        #expect(failed?.retryable == false && failed?.category == .config)
        #expect(failed?.message.contains("redirected the request from https to plain http at \(plainHost)") == true, "\(failed?.message ?? "")")
        #expect(try await plain.seen().isEmpty, "the http host got a request")
        #expect(try await secure.seen(network: network).count == 2)
    }
}

extension HTTPRedirectTests {
    @Test("a token endpoint that redirects is not followed: the refresh fails naming where it points, and that host gets nothing")
    func tokenRedirectNotFollowed() async throws {
        let home = try RedirectHost(host: "127.0.0.1")
        let other = try RedirectHost(host: "127.0.0.2")
        let refresher = TokenRefresher(
            refreshURL: URL(string: home.redirect(to: "\(other.origin)/token") + "&status=307")!,
            extraFields: ["grant_type": "refresh_token", "client_secret": "secret-client"])
        let context = SourceContext(input: SourceInput(type: "http", params: ["access_token": "old", "refresh_token": "secret-refresh"]))
        let failed = await #expect(throws: PanoplyError.self) { _ = try await refresher.refresh(context: context) }
        let otherHost = other.origin.replacingOccurrences(of: "http://", with: "")
        #expect(
            failed?.message == "access token could not be refreshed (token refresh at 127.0.0.1 answered HTTP 307; it redirects to "
                + "\(otherHost), not followed since the request carries the client secret (set the token URL to the endpoint itself))")
        #expect(failed?.retryable == false && failed?.category == .auth)
        #expect(try await home.seen().count == 1)
        #expect(try await other.seen().isEmpty)
    }
}
