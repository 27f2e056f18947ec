import Dispatch
import Foundation

/// A small HTTP/1.1 client for `http://` and `https://` endpoints (SQS, moto, local
/// proxies, sinks): a fixed pool of keep-alive connections, each with its own thread and
/// its own reusable request and response buffers, so a request body is written once into
/// memory the connection already owns and goes to the socket in one pass with its head.
///
/// Blocking sockets on dedicated threads keep the cooperative pool free and cost one
/// wake-up per request (URLSession on Linux drives libcurl through dispatch sources and
/// wakes for every chunk). TLS is system OpenSSL over the same blocking socket
/// (``TLSSession``). Responses may be `Content-Length`, chunked, or end at close.
final class HTTP1Client: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    let host: String
    let port: UInt16
    let timeout: TimeInterval
    /// The forward proxy requests go through, if any.
    let proxy: HTTP1Proxy?
    private let usesTLS: Bool
    private let lock = NSLock()
    private var idle: [HTTP1Connection]
    private var waiters: [CheckedContinuation<HTTP1Connection, Never>] = []

    /// - Parameters:
    ///   - tls: TLS for `https://` (nil: plain TCP).
    ///   - proxy: a forward proxy (CONNECT for TLS, absolute-form requests otherwise).
    init(
        host: String, port: UInt16, connections: Int, timeout: TimeInterval,
        tls: TLSContext? = nil, proxy: HTTP1Proxy? = nil
    ) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.proxy = proxy
        usesTLS = tls != nil
        let endpoint = HTTP1Connection.Endpoint(host: host, port: port, tls: tls, proxy: proxy)
        idle = (0..<max(connections, 1)).map { HTTP1Connection(index: $0, endpoint: endpoint, timeout: timeout) }
    }

    /// The pool for `url`'s origin: TLS for `https://`, through the proxy `network` names.
    /// - Throws: ``PanoplyError`` (config) when the URL has no host or a CA file is unusable.
    convenience init(url: URL, connections: Int, timeout: TimeInterval, network: NetworkSettings) throws {
        let scheme = url.scheme?.lowercased() ?? "http"
        guard let host = url.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), !host.isEmpty else {
            throw PanoplyError.config("URL '\(url.absoluteString)' has no host")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let proxy = network.proxy.proxy(scheme: scheme, host: host, port: port).flatMap(HTTP1Proxy.init(url:))
        var tls: TLSContext?
        if scheme == "https" {
            do { tls = try TLSContext(settings: network) } catch let e as HTTP1Error { throw PanoplyError.config(e.description) }
        }
        self.init(host: host, port: UInt16(port), connections: connections, timeout: timeout, tls: tls, proxy: proxy)
    }

    deinit {
        for c in idle { c.close() }
    }

    /// True when requests go to a proxy as absolute-form (`POST http://host/path`).
    var usesAbsoluteForm: Bool { proxy != nil && !usesTLS }

    /// Runs `body` on an idle connection's own thread (waiting for one when all are busy).
    /// Cancelling the calling task shuts the socket down, which ends any blocking call.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (HTTP1Connection) throws -> T) async throws -> T {
        let conn = await acquire()
        defer { release(conn) }
        // Cleared before the handler is installed: a cancel that arrives from here on
        // (even before the block runs) stays recorded.
        conn.resetCancellation()
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
                conn.queue.async {
                    let result = Result { try body(conn) }
                    let cancelled = conn.endRequest()
                    if cancelled, case .failure = result { cont.resume(throwing: CancellationError()) } else { cont.resume(with: result) }
                }
            }
        } onCancel: {
            conn.cancel()
        }
    }

    private func acquire() async -> HTTP1Connection {
        await withCheckedContinuation { (cont: CheckedContinuation<HTTP1Connection, Never>) in
            takeOrWait(cont)
        }
    }

    private func takeOrWait(_ cont: CheckedContinuation<HTTP1Connection, Never>) {
        lock.lock()
        if let c = idle.popLast() {
            lock.unlock()
            cont.resume(returning: c)
        } else {
            waiters.append(cont)
            lock.unlock()
        }
    }

    private func release(_ c: HTTP1Connection) {
        lock.lock()
        if !waiters.isEmpty {
            let w = waiters.removeFirst()
            lock.unlock()
            w.resume(returning: c)
        } else {
            idle.append(c)
            lock.unlock()
        }
    }
}

/// A failure on the wire, with the text users see.
struct HTTP1Error: Error, CustomStringConvertible {
    var description: String
    /// Nothing of a response arrived on a reused keep-alive connection: the server had
    /// closed it while idle, and the request may be sent again on a new one.
    var stale = false
    /// The write failed because the peer closed or reset the connection.
    var peerClosed = false
    /// Trying again cannot help (a certificate problem, a CA file that cannot be read, a
    /// proxy that refuses): fix the setup instead.
    var permanent = false

    init(description: String, stale: Bool = false, peerClosed: Bool = false, permanent: Bool = false) {
        self.description = description
        self.stale = stale
        self.peerClosed = peerClosed
        self.permanent = permanent
    }
}

/// A forward proxy, and the credentials it wants (from `http://user:pass@proxy:port`).
struct HTTP1Proxy: Sendable {
    var host: String
    var port: UInt16
    /// `Proxy-Authorization` value, if the proxy URL had a user.
    var authorization: String?

    init?(url: URL) {
        guard let host = url.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), !host.isEmpty else { return nil }
        self.host = host
        port = UInt16(url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80))
        if let user = url.user {
            let pair = "\(user.removingPercentEncoding ?? user):\((url.password ?? "").removingPercentEncoding ?? "")"
            authorization = "Basic " + Data(pair.utf8).base64EncodedString()
        }
    }
}
