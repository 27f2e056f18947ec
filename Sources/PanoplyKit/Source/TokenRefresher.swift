import Foundation
import Synchronization

/// The counterpart of the original `validate_token` decorator, for OAuth2 sources.
///
/// Wraps a request; when it fails with an error `isExpired` recognises, it posts the
/// refresh token to `refreshURL`, stores the new access token in the source (firing
/// `source-change`), calls `onRefresh`, and runs the request once more. A failed refresh
/// is a non-retryable auth error: the user has to grant access again.
///
/// When the answer carries a new refresh token (rotation), it replaces the old one in the
/// source and in the same `source-change`; ``SourceRunner`` saves it in the run's state
/// (``SavedParams``) so the next run refreshes with it.
///
/// The refreshes go through the context's ``TokenGrants``, which the instances reading one
/// run's resources share: one refresh at a time per grant, and an instance whose refresh
/// token another one already rotated takes the newest token instead of refreshing with a
/// revoked one. The refresh request follows no redirect (its form carries the client secret).
public struct TokenRefresher: Sendable {
    public var refreshURL: URL
    public var accessKey: String
    public var refreshKey: String
    /// Extra form fields for the refresh request (the original `options['refresh']`:
    /// client id and secret, grant type).
    public var extraFields: [String: String]
    public var isExpired: @Sendable (Error) -> Bool
    public var onRefresh: (@Sendable (String) async -> Void)?
    /// When the token answer gives `expires_in`, the token is refreshed this long before it
    /// expires, instead of waiting for a request to fail.
    public var expiryMargin: Duration = .seconds(60)
    /// When the current access token expires, as the last refresh answer said.
    private let expiry = Expiry()
    /// Posts the refresh: the SDK's own HTTP client, so the token endpoint gets the same
    /// trusted CAs (`AWS_CA_BUNDLE`, `SSL_CERT_FILE`) and proxies as the queue and the source.
    private let client: WebClient

    private final class Expiry: Sendable {
        private let at = Mutex<ContinuousClock.Instant?>(nil)
        func withLock<R>(_ body: (inout ContinuousClock.Instant?) -> R) -> R { at.withLock { body(&$0) } }
    }

    public init(
        refreshURL: URL, accessKey: String = "access_token", refreshKey: String = "refresh_token",
        extraFields: [String: String] = ["grant_type": "refresh_token"],
        isExpired: @escaping @Sendable (Error) -> Bool = { ($0 as? PanoplyError)?.code == 401 },
        onRefresh: (@Sendable (String) async -> Void)? = nil, client: WebClient = WebClient()
    ) {
        self.client = client
        self.refreshURL = refreshURL
        self.accessKey = accessKey
        self.refreshKey = refreshKey
        self.extraFields = extraFields
        self.isExpired = isExpired
        self.onRefresh = onRefresh
    }

    /// Runs `request` with the current access token, refreshing it if it expired. A token
    /// this refresher was just issued is tried once: its rejection is the request's error.
    /// A token another instance of the run was issued (``TokenGrants``) may be rejected too
    /// (it expired meanwhile): then it refreshes, a few rounds at most.
    /// - Throws: the request's error, or a non-retryable ``PanoplyError`` (auth) when the
    ///   token cannot be refreshed.
    public func run<T>(context: SourceContext, _ request: (String?) async throws -> T) async throws -> T {
        if let at = expiry.withLock({ $0 }), ContinuousClock.now + expiryMargin >= at {
            context.log("The access token expires soon; refreshing it first")
            do {
                _ = try await renew(context: context, rejected: context.param(accessKey))
            } catch {
                // The current token may still be good: go on with it (a 401 refreshes again).
                context.log("Refreshing early failed (\(error.asPanoplyError.message)); going on with the current token")
                expiry.withLock { $0 = nil }
            }
        }
        var token = context.param(accessKey)
        var rounds = 0
        while true {
            do {
                return try await request(token)
            } catch  where isExpired(error) && rounds < 3 {
                rounds += 1
                context.log("Revalidating the access token...")
                let renewal = try await renew(context: context, rejected: token)
                if renewal.posted { return try await request(renewal.grant.accessToken) }
                token = renewal.grant.accessToken
            }
        }
    }

    /// Calls the refresh URL and stores the new token in the source; or, when another
    /// instance of the run refreshed the grant since, stores and returns its token.
    /// - Throws: a non-retryable auth ``PanoplyError`` when the refresh fails.
    public func refresh(context: SourceContext) async throws -> String {
        try await renew(context: context, rejected: context.param(accessKey)).grant.accessToken
    }

    /// The grant to use instead of `rejected`, through the run's ``TokenGrants``: stored in
    /// the source (`source-change`, with a rotated refresh token) and passed to `onRefresh`.
    private func renew(context: SourceContext, rejected: String?) async throws -> TokenGrants.Renewal {
        guard let refreshToken = context.param(refreshKey) else {
            throw PanoplyError(.auth, "access token expired and no \(refreshKey) is configured; authorize again", retryable: false)
        }
        let renewal: TokenGrants.Renewal
        do {
            renewal = try await context.tokenGrants.renew(
                endpoint: refreshURL.absoluteString, refreshToken: refreshToken, rejected: rejected, now: .now, margin: expiryMargin
            ) { used in try await post(refreshToken: used) }
        } catch {
            context.log("Error: Access token can't be revalidated. The user would have to re-authenticate")
            let e = error.asPanoplyError
            throw PanoplyError(.auth, "access token could not be refreshed (\(e.message))", code: 401, retryable: false)
        }
        let grant = renewal.grant
        var changes: JSONObject = [accessKey: .string(grant.accessToken)]
        // Rotation: the endpoint issued a new refresh token and revoked the one just used.
        // It goes into the source too (later refreshes use it) and the runner saves it.
        if grant.refreshToken != refreshToken { changes[refreshKey] = .string(grant.refreshToken) }
        expiry.withLock { $0 = grant.expiresAt }
        context.changeSource(changes)
        if !renewal.posted {
            context.log("Another instance of the run refreshed the access token; using its token")
        } else if changes[refreshKey] != nil {
            context.log("The token endpoint issued a new \(refreshKey); it replaces the one just used")
        }
        await onRefresh?(grant.accessToken)
        return renewal
    }

    /// Posts `refreshToken` to the refresh URL (no redirect is followed: the form carries the
    /// client secret).
    /// - Throws: a ``PanoplyError`` saying what the endpoint answered.
    private func post(refreshToken: String) async throws -> TokenGrants.Grant {
        var fields = extraFields
        fields[refreshKey] = refreshToken
        let form = Array(
            fields.sorted { $0.key < $1.key }.map { k, v in
                "\(Self.formEncode(k))=\(Self.formEncode(v))"
            }.joined(separator: "&").utf8)
        let response = try await client.post(
            refreshURL, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")], body: form)
        let (data, status) = (Data(response.body), response.status)
        guard (200..<300).contains(status) else {
            throw PanoplyError(
                .auth,
                "token refresh at \(refreshURL.host ?? "?") answered HTTP \(status)\(Self.oauthError(data))\(Self.notFollowed(status, response.headers["location"], from: refreshURL))",
                retryable: false)
        }
        guard case .object(let o) = try JSONParser.parse([UInt8](data)), let token = o[accessKey]?.stringValue, !token.isEmpty else {
            throw PanoplyError(.auth, "token refresh response has no '\(accessKey)'", retryable: false)
        }
        let rotated = o[refreshKey]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let lifetime = o["expires_in"]?.intValue ?? o["expires_in"]?.stringValue.flatMap { Int($0) }
        return TokenGrants.Grant(
            accessToken: token, refreshToken: rotated ?? refreshToken,
            expiresAt: lifetime.flatMap { $0 > 0 ? ContinuousClock.now + .seconds($0) : nil })
    }

    /// `; it redirects to HOST, not followed (...)` for a redirect answer, else "".
    static func notFollowed(_ status: Int, _ location: String?, from url: URL) -> String {
        guard RedirectPolicy.statuses.contains(status), let location,
            let target = URL(string: location, relativeTo: url)?.absoluteURL, target.host != nil
        else { return "" }
        return "; it redirects to \(RedirectPolicy.host(target)), not followed since the request carries the client secret "
            + "(set the token URL to the endpoint itself)"
    }

    /// ` (invalid_grant)`: the OAuth2 error code of a failed refresh (RFC 6749 5.2), or "".
    static func oauthError(_ data: Data) -> String {
        guard case .object(let o)? = try? JSONParser.parse([UInt8](data)), let code = o["error"]?.stringValue,
            (1...64).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { return "" }
        return " (\(code))"
    }

    static func formEncode(_ s: String) -> String {
        String(decoding: PercentEncoding.encode(Array(s.utf8)), as: UTF8.self)
    }
}

/// The counterpart of the original `background_progress` decorator: while `operation`
/// waits (a long query, a count), reports `message` as progress every `interval`.
/// - Throws: `operation`'s error, or a timeout ``PanoplyError`` after `timeout`.
public func withBackgroundProgress<T: Sendable>(
    _ context: SourceContext, message: String,
    interval: Duration = .seconds(600), timeout: Duration = .seconds(86_400),
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    // The original logged "Creating background progress emitter" here; it said nothing to
    // the user and showed once per table, so it is left out.
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            let start = ContinuousClock.now
            while true {
                context.progress(nil, nil, message)
                try await Task.sleep(for: interval)
                if ContinuousClock.now - start > timeout {
                    throw PanoplyError(.transient, "max waiting time exceeded (\(timeout)) for: \(message)", code: 408)
                }
            }
        }
        defer { group.cancelAll() }
        while let r = try await group.next() {
            if let r { return r }
        }
        throw CancellationError()
    }
}
