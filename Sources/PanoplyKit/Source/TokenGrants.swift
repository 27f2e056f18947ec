/// The OAuth2 refreshes of one run, one at a time, shared by the source instances that read
/// its resources (``SourceContext/tokenGrants``).
///
/// The instances hold one grant. A token endpoint that rotates refresh tokens revokes the
/// one just used, so two instances must never refresh with the same refresh token: an
/// instance that finds a refresh under way waits for it and takes its token, and one whose
/// refresh token another instance already rotated takes the newest token instead of
/// refreshing with a revoked one.
public actor TokenGrants {
    /// What a refresh gave.
    public struct Grant: Sendable, Equatable {
        public var accessToken: String
        /// The refresh token to use next: a rotated one, or the one used.
        public var refreshToken: String
        /// When the access token expires, if the endpoint said (`expires_in`).
        public var expiresAt: ContinuousClock.Instant?

        public init(accessToken: String, refreshToken: String, expiresAt: ContinuousClock.Instant? = nil) {
            self.accessToken = accessToken
            self.refreshToken = refreshToken
            self.expiresAt = expiresAt
        }
    }

    /// A renewal: the grant to use, and whether this caller's refresh request made it.
    public struct Renewal: Sendable {
        public var grant: Grant
        /// False when the grant came from another instance's refresh.
        public var posted: Bool
    }

    /// Each refresh's grant, by the endpoint and the refresh token it was made with.
    private var issued: [Key: Grant] = [:]
    private var running: [Key: Task<Grant, Error>] = [:]

    private struct Key: Hashable {
        var endpoint: String
        var refreshToken: String
    }

    public init() {}

    /// The newest grant to use instead of the access token `rejected` (expired, or about to):
    /// the newest one another instance got, when it is not `rejected` and not expiring
    /// within `margin` of `now`; else the refresh under way; else a refresh with the newest
    /// refresh token, made with `refresh`.
    /// - Parameters:
    ///   - endpoint: the token endpoint (grants of different endpoints are apart).
    ///   - refreshToken: the caller's refresh token (maybe rotated by another instance since).
    /// - Throws: the refresh's error (to every caller waiting for it).
    public func renew(
        endpoint: String, refreshToken: String, rejected: String?, now: ContinuousClock.Instant,
        margin: Duration, refresh: @escaping @Sendable (String) async throws -> Grant
    ) async throws -> Renewal {
        var key = Key(endpoint: endpoint, refreshToken: refreshToken)
        var newest: Grant?
        var seen: Set<String> = []
        while let g = issued[key], seen.insert(key.refreshToken).inserted {
            newest = g
            key.refreshToken = g.refreshToken
        }
        if let newest, newest.accessToken != rejected, newest.expiresAt.map({ now + margin < $0 }) ?? true {
            return Renewal(grant: newest, posted: false)
        }
        if let task = running[key] { return Renewal(grant: try await task.value, posted: false) }
        let used = key.refreshToken
        let task = Task { try await refresh(used) }
        running[key] = task
        defer { running[key] = nil }
        let grant = try await task.value
        issued[key] = grant
        return Renewal(grant: grant, posted: true)
    }
}
