import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 client for plain `http://` endpoints (moto, local proxies, sinks):
/// a fixed pool of keep-alive connections, each with its own thread and its own reusable
/// request and response buffers, so a request body is written once into memory the
/// connection already owns and goes to the socket in one `sendmsg` with its head.
///
/// Blocking sockets on dedicated threads keep the cooperative pool free and cost one
/// wake-up per request (URLSession on Linux drives libcurl through dispatch sources and
/// wakes for every chunk). Responses may be `Content-Length`, chunked, or end at close.
final class HTTP1Client: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    let host: String
    let port: UInt16
    let timeout: TimeInterval
    private let lock = NSLock()
    private var idle: [HTTP1Connection]
    private var waiters: [CheckedContinuation<HTTP1Connection, Never>] = []

    init(host: String, port: UInt16, connections: Int, timeout: TimeInterval) {
        self.host = host
        self.port = port
        self.timeout = timeout
        idle = (0..<max(connections, 1)).map { HTTP1Connection(index: $0, host: host, port: port, timeout: timeout) }
    }

    deinit {
        for c in idle { c.close() }
    }

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
}

/// One keep-alive connection. Used by one request at a time, on its own serial queue.
final class HTTP1Connection: @unchecked Sendable {
    let queue: DispatchQueue
    let host: String
    let port: UInt16
    let timeout: TimeInterval
    /// The request body, written by the caller; reused (kept at its largest size).
    var body = RequestBuffer()
    private var fd: Int32 = -1
    private var reused = false
    private var readBuffer = [UInt8](repeating: 0, count: 65_536)
    private var readStart = 0
    private var readEnd = 0
    private let fdLock = NSLock()
    private var cancelled = false

    init(index: Int, host: String, port: UInt16, timeout: TimeInterval) {
        self.host = host
        self.port = port
        self.timeout = timeout
        queue = DispatchQueue(label: "panoply.http.\(index)")
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
        body.free()
    }

    func resetCancellation() {
        fdLock.lock(); cancelled = false; fdLock.unlock()
    }

    private var isCancelled: Bool {
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
        if fd < 0 { try connect() }
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

    // MARK: Connecting

    private func connect() throws {
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
            return
        }
        throw HTTP1Error(description: "cannot connect to host \(host):\(port) (\(lastError))")
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

    // MARK: Writing

    private func writeAll(head: [UInt8]) throws {
        var sentHead = 0
        var sentBody = 0
        let bodyCount = body.count
        try head.withUnsafeBytes { h in
            try body.withUnsafeBytes { b in
                while sentHead < h.count || sentBody < bodyCount {
                    var iov = [iovec](repeating: iovec(), count: 2)
                    var n = 0
                    if sentHead < h.count {
                        iov[n] = iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress! + sentHead), iov_len: h.count - sentHead)
                        n += 1
                    }
                    if sentBody < bodyCount {
                        iov[n] = iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress! + sentBody), iov_len: bodyCount - sentBody)
                        n += 1
                    }
                    let written = iov.withUnsafeMutableBufferPointer { v -> Int in
                        var msg = msghdr()
                        msg.msg_iov = v.baseAddress
                        msg.msg_iovlen = n
                        return sendmsg(fd, &msg, Int32(MSG_NOSIGNAL))
                    }
                    if written < 0 {
                        let err = errno
                        if err == EINTR { continue }
                        let why = err == EAGAIN || err == EWOULDBLOCK ? "request timed out" : "connection lost (\(String(cString: strerror(err))))"
                        let closed = err == EPIPE || err == ECONNRESET
                        throw HTTP1Error(description: why, stale: closed, peerClosed: closed)
                    }
                    var w = written
                    let fromHead = min(w, h.count - sentHead)
                    sentHead += fromHead
                    w -= fromHead
                    sentBody += w
                }
            }
        }
    }

    // MARK: Reading

    /// Fills the read buffer with more bytes; false at end of stream.
    private func fill(gotAny: Bool, wasReused: Bool) throws -> Bool {
        if readStart > 0 && readStart == readEnd { readStart = 0; readEnd = 0 }
        if readEnd == readBuffer.count {
            if readStart > 0 {
                readBuffer.withUnsafeMutableBytes { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + readStart, readEnd - readStart)
                }
                readEnd -= readStart
                readStart = 0
            } else {
                readBuffer.append(contentsOf: repeatElement(0, count: readBuffer.count))
            }
        }
        while true {
            let n = readBuffer.withUnsafeMutableBytes { b in
                recv(fd, b.baseAddress! + readEnd, b.count - readEnd, 0)
            }
            if n > 0 { readEnd += n; return true }
            if n == 0 { return false }
            let err = errno
            if err == EINTR { continue }
            if err == EAGAIN || err == EWOULDBLOCK { throw HTTP1Error(description: "request timed out") }
            throw HTTP1Error(description: "connection lost (\(String(cString: strerror(err))))",
                             stale: wasReused && !gotAny && err == ECONNRESET)
        }
    }

    private func readResponse(wasReused: Bool) throws -> HTTP1Client.Response {
        var gotAny = readEnd > readStart
        // Interim answers (100 Continue, 103 Early Hints) come before the real one: skip them.
        while true {
            let (version, status, headers) = try readHead(wasReused: wasReused, gotAny: &gotAny)
            if (100..<200).contains(status), status != 101 { continue }
            return try readBody(version: version, status: status, headers: headers)
        }
    }

    /// The status line and headers, up to the blank line.
    private func readHead(wasReused: Bool, gotAny: inout Bool) throws -> (Substring, Int, [String: String]) {
        var headEnd = -1
        while headEnd < 0 {
            headEnd = readBuffer.withUnsafeBytes { b -> Int in
                var i = readStart
                while i + 3 < readEnd {
                    if b[i] == 13, b[i + 1] == 10, b[i + 2] == 13, b[i + 3] == 10 { return i }
                    i += 1
                }
                return -1
            }
            if headEnd >= 0 { break }
            if readEnd - readStart > 1 << 20 { throw HTTP1Error(description: "response head larger than 1 MiB") }
            guard try fill(gotAny: gotAny, wasReused: wasReused) else {
                throw HTTP1Error(description: gotAny ? "connection closed in the middle of a response" : "connection closed before a response",
                                 stale: wasReused && !gotAny)
            }
            gotAny = true
        }
        let headText = String(decoding: readBuffer[readStart..<headEnd], as: UTF8.self)
        readStart = headEnd + 4
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTP1Error(description: "not an HTTP response: \(statusLine.prefix(80))")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return (parts[0], status, headers)
    }

    private func readBody(version: Substring, status: Int, headers: [String: String]) throws -> HTTP1Client.Response {
        let connectionHeader = headers["connection"]?.lowercased() ?? ""
        var keepAlive = version == "HTTP/1.1" ? !connectionHeader.contains("close") : connectionHeader.contains("keep-alive")

        var responseBody: [UInt8] = []
        if status == 204 || status == 304 || (100..<200).contains(status) {
            // no body
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            responseBody = try readChunked()
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw HTTP1Error(description: "bad Content-Length: \(lengthText)") }
            responseBody = try readExactly(length)
        } else {
            while try fill(gotAny: true, wasReused: false) {}
            responseBody = Array(readBuffer[readStart..<readEnd])
            readStart = readEnd
            keepAlive = false
        }
        if !keepAlive { close() }
        return HTTP1Client.Response(status: status, headers: headers, body: responseBody)
    }

    private func readExactly(_ n: Int) throws -> [UInt8] {
        while readEnd - readStart < n {
            guard try fill(gotAny: true, wasReused: false) else { throw HTTP1Error(description: "connection closed in the middle of a response") }
        }
        let out = Array(readBuffer[readStart..<readStart + n])
        readStart += n
        return out
    }

    private func readLine() throws -> String {
        while true {
            if let i = readBuffer[readStart..<readEnd].firstIndex(of: 10) {
                let line = String(decoding: readBuffer[readStart..<i], as: UTF8.self)
                readStart = i + 1
                return line.hasSuffix("\r") ? String(line.dropLast()) : line
            }
            guard try fill(gotAny: true, wasReused: false) else { throw HTTP1Error(description: "connection closed in the middle of a response") }
        }
    }

    private func readChunked() throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            let hex = sizeLine.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(hex, radix: 16), size >= 0 else { throw HTTP1Error(description: "bad chunk size: \(sizeLine.prefix(40))") }
            if size == 0 {
                while try !readLine().isEmpty {}  // trailers
                return out
            }
            out += try readExactly(size)
            _ = try readLine()
        }
    }
}

/// A growable byte buffer that keeps its storage between uses (cleared, never shrunk),
/// written through a pointer.
struct RequestBuffer {
    private(set) var storage: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)
    private(set) var count = 0

    /// Empties the buffer and makes room for at least `capacity` bytes.
    mutating func reset(capacity: Int) {
        count = 0
        if storage.count < capacity {
            storage.deallocate()
            storage = .allocate(byteCount: max(capacity, storage.count * 2), alignment: 16)
        }
    }

    /// Writes through `write`, which returns how many bytes it wrote (at most the capacity
    /// given to ``reset(capacity:)``).
    mutating func write(_ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        let n = write(storage.baseAddress!.assumingMemoryBound(to: UInt8.self) + count)
        count += n
        precondition(count <= storage.count, "ByteBuffer overflow")
    }

    mutating func free() {
        storage.deallocate()
        storage = .init(start: nil, count: 0)
        count = 0
    }

    func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: storage.baseAddress, count: count))
    }
}
