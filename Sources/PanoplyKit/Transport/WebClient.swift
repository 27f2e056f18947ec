import Foundation

/// GET and POST requests over the SDK's own HTTP/1.1 client, with the same trust and proxy
/// settings as the queue transport (``NetworkSettings``): for connectors that read web APIs.
/// Keeps a few keep-alive connections per origin and follows up to five redirects of a GET
/// (``RedirectPolicy``: credentials never go to another origin, nothing goes from https to http).
public final class WebClient: @unchecked Sendable {
    /// A response, its body read whole.
    public struct Response: Sendable {
        public var status: Int
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: [UInt8]
    }

    private let network: NetworkSettings
    private let timeout: TimeInterval
    private let lock = NSLock()
    private var pools: [String: HTTP1Client] = [:]

    /// - Parameters:
    ///   - network: trusted CAs, certificate checks and proxies.
    ///   - timeout: the longest wait for connecting, writing or reading.
    public init(network: NetworkSettings = .fromEnvironment(), timeout: TimeInterval = 60) {
        self.network = network
        self.timeout = timeout
    }

    /// GETs `url` with `headers` (a `Host` header is added), following up to five redirects
    /// as ``RedirectPolicy`` allows: within `url`'s origin with `headers`; to another origin
    /// (scheme, host or port) with `crossOriginHeaders` only, so credentials stay home; never
    /// from https to http.
    /// - Parameters:
    ///   - headers: sent to `url` and to redirects within its origin.
    ///   - crossOriginHeaders: sent instead after a redirect to another origin: only headers
    ///     the caller adds itself that carry nothing secret (`Accept`, `User-Agent`).
    /// - Throws: ``TransportError``: retryable for network failures, not retryable for a
    ///   certificate problem, an unusable CA file or a refused redirect (the message names
    ///   the hosts and the cause).
    public func get(_ url: URL, headers: [(String, String)], crossOriginHeaders: [(String, String)] = []) async throws -> Response {
        var policy = RedirectPolicy(start: url)
        while true {
            let sent = policy.sendsCallerHeaders ? headers : crossOriginHeaders
            let r = try await once("GET", policy.current, headers: sent, body: [])
            switch policy.answered(status: r.status, location: r.headers["location"]) {
            case .deliver: return r
            case .follow: continue
            case .refuse(let error): throw error
            }
        }
    }

    /// POSTs `body` to `url` with `headers` (`Host` and `Content-Length` are added); no
    /// redirect is followed, since a POST must not be repeated elsewhere unasked.
    /// - Throws: ``TransportError`` as ``get(_:headers:)`` does.
    public func post(_ url: URL, headers: [(String, String)], body: [UInt8]) async throws -> Response {
        try await once("POST", url, headers: headers + [("Content-Length", String(body.count))], body: body)
    }

    private func once(_ method: String, _ url: URL, headers: [(String, String)], body: [UInt8]) async throws -> Response {
        let http: HTTP1Client
        do { http = try pool(for: url) } catch let e as PanoplyError {
            throw TransportError(code: "Transport", message: e.message, retryable: false)
        }
        let comps = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = (comps?.percentEncodedPath).flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let query = comps?.percentEncodedQuery.map { "?\($0)" } ?? ""
        let host = SigV4Signer.hostHeader(url)
        let target = (http.usesAbsoluteForm ? "http://\(host)" : "") + path + query
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if http.usesAbsoluteForm, let auth = http.proxy?.authorization { head += "Proxy-Authorization: \(auth)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8)
        do {
            let r = try await http.withConnection { conn in
                conn.body.reset(capacity: body.count)
                if !body.isEmpty {
                    conn.body.write { p in
                        body.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: $0.count) }
                        return body.count
                    }
                }
                return try conn.exchange(head: bytes)
            }
            return Response(status: r.status, headers: r.headers, body: r.body)
        } catch let e as HTTP1Error {
            throw TransportError(code: "Transport", message: e.description, retryable: !e.permanent)
        }
    }

    private func pool(for url: URL) throws -> HTTP1Client {
        let key = "\(url.scheme ?? "")://\(url.host ?? ""):\(url.port ?? -1)"
        lock.lock(); defer { lock.unlock() }
        if let p = pools[key] { return p }
        let p = try HTTP1Client(url: url, connections: 2, timeout: timeout, network: network)
        pools[key] = p
        return p
    }
}
