import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension HTTP1Connection {
    /// Up to `count` bytes from the socket (through TLS when on): > 0 read, 0 at end of stream.
    /// - Throws: ``HTTP1Error`` with `peerClosed` set for a reset.
    private func receive(_ into: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
        if let tls { return try tls.read(into, count) }
        while true {
            let n = recv(fd, into, count, 0)
            if n >= 0 { return n }
            let err = errno
            if err == EINTR { continue }
            if err == EAGAIN || err == EWOULDBLOCK { throw HTTP1Error(description: "request timed out") }
            throw HTTP1Error(description: "connection lost (\(String(cString: strerror(err))))", peerClosed: err == ECONNRESET)
        }
    }

    /// Fills the read buffer with more bytes; false at end of stream.
    func fill(gotAny: Bool, wasReused: Bool) throws -> Bool {
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
        do {
            let end = readEnd
            let n = try readBuffer.withUnsafeMutableBytes { b in try receive(b.baseAddress! + end, b.count - end) }
            readEnd += n
            return n > 0
        } catch var e as HTTP1Error {
            e.stale = wasReused && !gotAny && e.peerClosed
            e.peerClosed = false
            throw e
        }
    }

    func readResponse(wasReused: Bool) throws -> HTTP1Client.Response {
        var gotAny = readEnd > readStart
        // Interim answers (100 Continue, 103 Early Hints) come before the real one: skip them.
        while true {
            let (version, status, headers) = try readHead(wasReused: wasReused, gotAny: &gotAny)
            if (100..<200).contains(status), status != 101 { continue }
            return try readBody(version: version, status: status, headers: headers)
        }
    }

    /// The status line and headers, up to the blank line.
    func readHead(wasReused: Bool, gotAny: inout Bool) throws -> (Substring, Int, [String: String]) {
        var headEnd = -1
        while headEnd < 0 {
            headEnd = findHeadEnd()
            if headEnd >= 0 { break }
            if readEnd - readStart > 1 << 20 { throw HTTP1Error(description: "response head larger than 1 MiB") }
            guard try fill(gotAny: gotAny, wasReused: wasReused) else {
                throw HTTP1Error(
                    description: gotAny ? "connection closed in the middle of a response" : "connection closed before a response",
                    stale: wasReused && !gotAny)
            }
            gotAny = true
        }
        let headText = String(decoding: readBuffer[readStart..<headEnd], as: UTF8.self)
        readStart = headEnd + 4
        return try Self.parseHead(headText)
    }

    /// Where the blank line after the head starts, or -1 when it has not arrived yet.
    private func findHeadEnd() -> Int {
        readBuffer.withUnsafeBytes { b -> Int in
            var i = readStart
            while i + 3 < readEnd {
                if b[i] == 13, b[i + 1] == 10, b[i + 2] == 13, b[i + 3] == 10 { return i }
                i += 1
            }
            return -1
        }
    }

    static func parseHead(_ headText: String) throws -> (Substring, Int, [String: String]) {
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
