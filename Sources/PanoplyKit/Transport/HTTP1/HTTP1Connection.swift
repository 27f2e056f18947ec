import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One keep-alive connection. Used by one request at a time, on its own serial queue.
final class HTTP1Connection: @unchecked Sendable {
    /// Where the connection goes: the origin, with TLS and through a proxy when set.
    struct Endpoint: Sendable {
        var host: String
        var port: UInt16
        var tls: TLSContext?
        var proxy: HTTP1Proxy?
    }

    let queue: DispatchQueue
    let endpoint: Endpoint
    let timeout: TimeInterval
    var host: String { endpoint.host }
    var port: UInt16 { endpoint.port }
    /// The request body, written by the caller; reused (kept at its largest size).
    var body = RequestBuffer()
    var fd: Int32 = -1
    var tls: TLSSession?
    var reused = false
    var readBuffer = [UInt8](repeating: 0, count: 65_536)
    var readStart = 0
    var readEnd = 0
    let fdLock = NSLock()
    var cancelled = false

    init(index: Int, endpoint: Endpoint, timeout: TimeInterval) {
        self.endpoint = endpoint
        self.timeout = timeout
        queue = DispatchQueue(label: "panoply.http.\(index)")
    }

    deinit {
        tls = nil
        if fd >= 0 { Glibc.close(fd) }
        body.free()
    }

    func resetCancellation() {
        fdLock.lock(); cancelled = false; fdLock.unlock()
    }

    var isCancelled: Bool {
        fdLock.lock(); defer { fdLock.unlock() }
        return cancelled
    }

    /// Whether the request was cancelled while it ran (the socket is closed then).
    func endRequest() -> Bool {
        fdLock.lock(); defer { fdLock.unlock() }
        let c = cancelled
        cancelled = false
        return c
    }

    func cancel() {
        fdLock.lock()
        cancelled = true
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
        fdLock.unlock()
    }

    func close() {
        fdLock.lock()
        tls = nil
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        fdLock.unlock()
        readStart = 0
        readEnd = 0
        reused = false
    }

    /// Sends `head` then ``body`` and reads the response. A request that finds its reused
    /// connection closed by the server before any response byte is sent once more on a
    /// new connection (as curl does).
    func exchange(head: [UInt8]) throws -> HTTP1Client.Response {
        do {
            return try exchangeOnce(head: head)
        } catch let e as HTTP1Error where e.stale {
            close()
            return try exchangeOnce(head: head)
        }
    }

    private func exchangeOnce(head: [UInt8]) throws -> HTTP1Client.Response {
        if isCancelled { throw CancellationError() }
        // Bytes nobody asked for on an idle connection: it cannot be trusted to pair the
        // next response with this request.
        if fd >= 0, readEnd > readStart { close() }
        if fd < 0 { try open() }
        let wasReused = reused
        reused = true
        do {
            do {
                try writeAll(head: head)
            } catch let e as HTTP1Error where e.peerClosed {
                // The server may have answered early (413, 400...) and closed: its answer
                // says more than "connection reset".
                if let early = try? readResponse(wasReused: false) {
                    close()
                    return early
                }
                throw e
            }
            return try readResponse(wasReused: wasReused)
        } catch var e as HTTP1Error {
            close()
            if !wasReused || isCancelled { e.stale = false }
            throw e
        }
    }

    /// Connects (to the proxy when there is one), tunnels with CONNECT for TLS through a
    /// proxy, then shakes hands.
    private func open() throws {
        let target = endpoint.proxy.map { ($0.host, $0.port) } ?? (host, port)
        try connect(host: target.0, port: target.1)
        do {
            guard let context = endpoint.tls else { return }
            if let proxy = endpoint.proxy { try tunnel(through: proxy) }
            tls = try TLSSession(context: context, fd: fd, host: host, port: port)
        } catch {
            close()
            throw error
        }
    }

    // MARK: Writing

    private func writeAll(head: [UInt8]) throws {
        if let tls {
            // Head and body leave in as few segments as TCP allows, as sendmsg does below.
            setCork(true)
            defer { setCork(false) }
            try head.withUnsafeBytes { try tls.write($0) }
            try body.withUnsafeBytes { try tls.write($0) }
            return
        }
        var sentHead = 0
        var sentBody = 0
        let bodyCount = body.count
        try head.withUnsafeBytes { h in
            try body.withUnsafeBytes { b in
                while sentHead < h.count || sentBody < bodyCount {
                    let written = Self.sendmsg(fd, h, from: sentHead, b, from: sentBody)
                    if written < 0 {
                        let err = errno
                        if err == EINTR { continue }
                        let why = err == EAGAIN || err == EWOULDBLOCK ? "request timed out" : "connection lost (\(String(cString: strerror(err))))"
                        let closed = err == EPIPE || err == ECONNRESET
                        throw HTTP1Error(description: why, stale: closed, peerClosed: closed)
                    }
                    let fromHead = min(written, h.count - sentHead)
                    sentHead += fromHead
                    sentBody += written - fromHead
                }
            }
        }
    }

    /// One `sendmsg` of what is left of `head` and `body`.
    private static func sendmsg(
        _ fd: Int32, _ h: UnsafeRawBufferPointer, from sentHead: Int,
        _ b: UnsafeRawBufferPointer, from sentBody: Int
    ) -> Int {
        var iov = [iovec](repeating: iovec(), count: 2)
        var n = 0
        if sentHead < h.count {
            iov[n] = iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress! + sentHead), iov_len: h.count - sentHead)
            n += 1
        }
        if sentBody < b.count {
            iov[n] = iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress! + sentBody), iov_len: b.count - sentBody)
            n += 1
        }
        return iov.withUnsafeMutableBufferPointer { v -> Int in
            var msg = msghdr()
            msg.msg_iov = v.baseAddress
            msg.msg_iovlen = n
            return Glibc.sendmsg(fd, &msg, Int32(MSG_NOSIGNAL))
        }
    }

    private func setCork(_ on: Bool) {
        var v: Int32 = on ? 1 : 0
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &v, socklen_t(MemoryLayout<Int32>.size))
    }
}
