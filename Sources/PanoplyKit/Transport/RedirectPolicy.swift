import Foundation

/// Which redirects a ``WebClient`` GET follows, and whether the caller's headers go along:
/// pure, so every case is tested without a server.
///
/// - Within the first URL's origin (scheme, host and port): followed with every header.
/// - To another origin: followed without the caller's headers (`Authorization`, API-key
///   headers), for that hop and every later one: only what the client adds itself goes.
/// - From https to http: refused, not retryable; the request would travel unencrypted.
/// - To a scheme other than http and https, or past ``limit`` redirects: refused.
struct RedirectPolicy: Sendable {
    /// The statuses that redirect a GET.
    static let statuses: Set<Int> = [301, 302, 303, 307, 308]

    enum Action: Sendable, Equatable {
        /// Not a redirect (or one without a usable `Location`): the answer is final.
        case deliver
        /// Request this URL next, with the caller's headers only while ``sendsCallerHeaders``.
        case follow(URL)
        /// Do not follow: fail with this (non-retryable) error.
        case refuse(TransportError)
    }

    /// The URL asked for.
    let start: URL
    /// The URL of the last request.
    private(set) var current: URL
    /// Redirects followed so far.
    private(set) var hops = 0
    /// False once a redirect left the first URL's origin.
    private(set) var sendsCallerHeaders = true
    var limit = 5

    init(start: URL) {
        self.start = start
        current = start
    }

    /// The request to ``current`` was answered with `status` (and a `Location` header).
    mutating func answered(status: Int, location: String?) -> Action {
        guard Self.statuses.contains(status), let location,
            let next = URL(string: location, relativeTo: current)?.absoluteURL, next.host != nil
        else { return .deliver }
        let from = current
        let (fromScheme, toScheme) = (from.scheme?.lowercased() ?? "", next.scheme?.lowercased() ?? "")
        guard toScheme == "http" || toScheme == "https" else {
            return .refuse(
                Self.refused(
                    "\(Self.host(from)) redirected the request to a \(toScheme): address at \(Self.host(next)); only http and https redirects are followed"))
        }
        if fromScheme == "https", toScheme == "http" {
            return .refuse(
                Self.refused(
                    "\(Self.host(from)) redirected the request from https to plain http at \(Self.host(next)); "
                        + "not followed, since it would travel unencrypted (use the API's https address, or ask its owner to fix the redirect)"))
        }
        guard hops < limit else {
            return .refuse(Self.refused("GET \(Self.host(start)): more than \(limit) redirects"))
        }
        hops += 1
        current = next
        if !Self.sameOrigin(start, next) { sendsCallerHeaders = false }
        return .follow(next)
    }

    /// Same scheme, host (any case) and port (the scheme's default when none is given).
    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }

    private static func port(_ url: URL) -> Int {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
    }

    /// `host[:port]`: never the path or query, which may carry keys.
    static func host(_ url: URL) -> String { SigV4Signer.hostHeader(url) }

    private static func refused(_ message: String) -> TransportError {
        TransportError(code: "Redirect", message: message, retryable: false)
    }
}
