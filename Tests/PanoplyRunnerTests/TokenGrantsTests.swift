import Foundation
import PanoplyKit
import Testing

/// ``TokenGrants``: the refreshes of one run's instances, one at a time, the newest token
/// handed out. The refresh is a closure standing for the token endpoint (one that rotates
/// refresh tokens: each works once).
@Suite("Token grants shared by a run's instances")
struct TokenGrantsTests {
    /// A rotating endpoint: refresh token `rN` gives `aN+1` and `rN+1`, once; a used one is revoked.
    final class Endpoint: Sendable {
        let used = Locked<[String]>([])
        let lifetime: Duration?
        init(lifetime: Duration? = nil) { self.lifetime = lifetime }

        func refresh(_ token: String) throws -> TokenGrants.Grant {
            let n = used.withLock { used -> Int? in
                guard !used.contains(token), let n = Int(token.dropFirst()) else { return nil }
                used.append(token)
                return n
            }
            guard let n else { throw PanoplyError(.auth, "invalid_grant") }
            return TokenGrants.Grant(accessToken: "a\(n + 1)", refreshToken: "r\(n + 1)", expiresAt: lifetime.map { .now + $0 })
        }
    }

    func renew(_ grants: TokenGrants, _ endpoint: Endpoint, refresh: String, rejected: String?) async throws -> TokenGrants.Renewal {
        try await grants.renew(
            endpoint: "https://auth.example.com/token", refreshToken: refresh, rejected: rejected,
            now: .now, margin: .seconds(60)
        ) { try endpoint.refresh($0) }
    }

    @Test("instances renewing the same rejected token at once make one refresh and all get its token")
    func oneRefreshForMany() async throws {
        let grants = TokenGrants()
        let endpoint = Endpoint()
        let renewals = try await withThrowingTaskGroup(of: TokenGrants.Renewal.self) { group in
            for _ in 0..<8 { group.addTask { try await renew(grants, endpoint, refresh: "r0", rejected: "a0") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(endpoint.used.withLock { $0 } == ["r0"])
        #expect(renewals.allSatisfy { $0.grant == TokenGrants.Grant(accessToken: "a1", refreshToken: "r1") })
        #expect(renewals.filter(\.posted).count == 1)
    }

    @Test("an instance still holding a rotated refresh token gets the newest grant; a rejected newest one is refreshed with the newest refresh token")
    func newestGrant() async throws {
        let grants = TokenGrants()
        let endpoint = Endpoint()
        #expect(try await renew(grants, endpoint, refresh: "r0", rejected: "a0").posted)
        let borrowed = try await renew(grants, endpoint, refresh: "r0", rejected: "a0")
        #expect(borrowed.grant.accessToken == "a1" && !borrowed.posted)
        // a1 expired too: refreshed with r1, never with the revoked r0.
        let second = try await renew(grants, endpoint, refresh: "r0", rejected: "a1")
        #expect(second.grant == TokenGrants.Grant(accessToken: "a2", refreshToken: "r2") && second.posted)
        let third = try await renew(grants, endpoint, refresh: "r1", rejected: "a1")
        #expect(third.grant.accessToken == "a2" && !third.posted)
        #expect(endpoint.used.withLock { $0 } == ["r0", "r1"])
    }

    @Test("a newest grant about to expire is refreshed, not handed out")
    func expiringGrant() async throws {
        let grants = TokenGrants()
        let endpoint = Endpoint(lifetime: .seconds(30))  // less than the 60 s margin
        _ = try await renew(grants, endpoint, refresh: "r0", rejected: "a0")
        let renewed = try await renew(grants, endpoint, refresh: "r0", rejected: "a0")
        #expect(renewed.grant.accessToken == "a2" && renewed.posted)
    }

    @Test("a failed refresh fails its callers and is not kept: the next renewal asks again")
    func failureNotKept() async throws {
        let grants = TokenGrants()
        let endpoint = Endpoint()
        _ = try endpoint.refresh("r0")  // revoked before the run
        await #expect(throws: PanoplyError.self) { _ = try await renew(grants, endpoint, refresh: "r0", rejected: "a0") }
        let other = try await renew(grants, endpoint, refresh: "r5", rejected: "a0")
        #expect(other.grant.accessToken == "a6" && other.posted)
    }
}
