import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension HTTP1Connection {
    /// Opens the TCP connection to `host:port` (the first address that answers).
    func connect(host: String, port: UInt16) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw HTTP1Error(description: "cannot resolve host \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let s = socket(a.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if s < 0 { lastError = String(cString: strerror(errno)); continue }
            if let why = connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) {
                Glibc.close(s)
                lastError = why
                continue
            }
            try adopt(s)
            return
        }
        throw HTTP1Error(description: "cannot connect to host \(host):\(port) (\(lastError))")
    }

    /// Makes the connected socket `s` this connection's, with its options set.
    private func adopt(_ s: Int32) throws {
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        fdLock.lock()
        if cancelled {
            fdLock.unlock()
            Glibc.close(s)
            throw CancellationError()
        }
        fd = s
        fdLock.unlock()
        reused = false
        readStart = 0
        readEnd = 0
    }

    /// Connects with the request timeout; nil when connected, else why not.
    private func connect(_ s: Int32, _ addr: UnsafeMutablePointer<sockaddr>?, _ len: socklen_t) -> String? {
        let flags = fcntl(s, F_GETFL)
        _ = fcntl(s, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(s, F_SETFL, flags) }
        if Glibc.connect(s, addr, len) == 0 { return nil }
        let err = errno
        if err == ECONNREFUSED { return "connection refused" }
        guard err == EINPROGRESS else { return String(cString: strerror(err)) }
        var p = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&p, 1, Int32(min(timeout, 3600) * 1000))
        if ready == 0 { return "connect timed out after \(timeout) s" }
        if ready < 0 { return String(cString: strerror(errno)) }
        var soError: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(s, SOL_SOCKET, SO_ERROR, &soError, &len)
        if soError == 0 { return nil }
        return soError == ECONNREFUSED ? "connection refused" : String(cString: strerror(soError))
    }

    /// Asks the proxy for a tunnel to the origin (`CONNECT host:port`), on the plain socket.
    /// - Throws: ``HTTP1Error``; a refusal (403, 407) is permanent and names the proxy.
    func tunnel(through proxy: HTTP1Proxy) throws {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var head = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let auth = proxy.authorization { head += "Proxy-Authorization: \(auth)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else {
            throw HTTP1Error(description: "proxy \(proxy.host):\(proxy.port) closed the connection before CONNECT \(authority)")
        }
        var gotAny = false
        let (_, status, _) = try readHead(wasReused: false, gotAny: &gotAny)
        guard (200..<300).contains(status) else {
            let refused = status == 403 || status == 407 || status == 405
            throw HTTP1Error(
                description: "proxy \(proxy.host):\(proxy.port) answered HTTP \(status) to CONNECT \(authority)"
                    + (status == 407 ? " (it wants credentials: http://user:password@proxy:port)" : ""),
                permanent: refused)
        }
        readStart = 0
        readEnd = 0
    }
}
