import Foundation
import Testing

@testable import PanoplyKit

#if canImport(Glibc)
    import Glibc
#endif

/// A real TCP server on 127.0.0.1 that answers each request on each connection with what
/// `respond` says: bytes to write, and whether to close the connection afterwards.
private final class ScriptedServer: @unchecked Sendable {
    struct Reply {
        var bytes: [UInt8]
        var close = false
        /// Wait for the client to hang up instead of answering.
        var hang = false
    }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var connections = 0
    private var requests: [String] = []
    private let respond: @Sendable (_ connection: Int, _ request: Int, _ body: String) -> Reply
    /// Answer as soon as the head is in, without reading the body (then close).
    private let answerBeforeBody: Bool

    init(answerBeforeBody: Bool = false, respond: @escaping @Sendable (_ connection: Int, _ request: Int, _ body: String) -> Reply) throws {
        self.respond = respond
        self.answerBeforeBody = answerBeforeBody
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { throw TestFailure("cannot listen on 127.0.0.1") }
        port = UInt16(bigEndian: addr.sin_port)
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    var connectionCount: Int { lock.withLock { connections } }
    var bodies: [String] { lock.withLock { requests } }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            let index = lock.withLock {
                connections += 1; return connections
            }
            let t = Thread { [self] in serve(fd, index) }
            t.start()
        }
    }

    private func serve(_ fd: Int32, _ connection: Int) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var n = 0
        while true {
            guard let body = Self.readRequest(fd, &buffer, headOnly: answerBeforeBody) else { return }
            n += 1
            lock.withLock { requests.append(body) }
            let reply = respond(connection, n, body)
            if reply.hang {
                var b = [UInt8](repeating: 0, count: 64)
                while recv(fd, &b, 64, 0) > 0 {}
                return
            }
            _ = reply.bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if reply.close { return }
        }
    }

    /// One request's body (by Content-Length), or nil when the client closed.
    private static func readRequest(_ fd: Int32, _ buffer: inout [UInt8], headOnly: Bool) -> String? {
        func more() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let r = recv(fd, &chunk, chunk.count, 0)
            if r <= 0 { return false }
            buffer += chunk[..<r]
            return true
        }
        var end: Int?
        while end == nil {
            end = buffer.indices.dropLast(3).first { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }
            if end == nil, !more() { return nil }
        }
        let head = String(decoding: buffer[..<end!], as: UTF8.self).lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let start = end! + 4
        if headOnly { return "" }
        while buffer.count < start + length { if !more() { return nil } }
        let body = String(decoding: buffer[start..<start + length], as: UTF8.self)
        buffer.removeFirst(start + length)
        return body
    }

    static func ok(_ body: String, extra: String = "") -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)".utf8)
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

@Suite("HTTP/1.1 client against a scripted TCP server")
struct HTTP1ClientTests {
    private func request(_ client: HTTP1Client, _ text: String) async throws -> HTTP1Client.Response {
        try await client.withConnection { conn in
            conn.body.reset(capacity: text.utf8.count)
            conn.body.write { dst in
                let bytes = Array(text.utf8)
                dst.update(from: bytes, count: bytes.count)
                return bytes.count
            }
            return try conn.exchange(
                head: SQSTransport.head(
                    target: "/q", host: "127.0.0.1", headers: [("Host", "127.0.0.1")],
                    contentLength: conn.body.count))
        }
    }

    @Test("requests share one keep-alive connection and carry their bodies")
    func keepAlive() async throws {
        let server = try ScriptedServer { _, n, body in .init(bytes: ScriptedServer.ok("reply \(n) to \(body)")) }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 5)
        for i in 1...5 {
            let r = try await request(client, "body \(i)")
            #expect(r.status == 200)
            #expect(String(decoding: r.body, as: UTF8.self) == "reply \(i) to body \(i)")
        }
        #expect(server.connectionCount == 1)
        #expect(server.bodies == (1...5).map { "body \($0)" })
    }

    @Test("interim 100 and 103 answers are skipped, and each request still gets its own response")
    func interim() async throws {
        let server = try ScriptedServer { _, n, _ in
            .init(bytes: Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n".utf8) + ScriptedServer.ok("final \(n)"))
        }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 5)
        for i in 1...3 {
            let r = try await request(client, "x")
            #expect(r.status == 200)
            #expect(String(decoding: r.body, as: UTF8.self) == "final \(i)")
        }
        #expect(server.connectionCount == 1)
    }

    @Test("a server that answers before reading a large body and closes: its answer is returned, not a reset")
    func earlyAnswer() async throws {
        let server = try ScriptedServer(answerBeforeBody: true) { _, _, _ in
            .init(bytes: Array("HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 8\r\n\r\ntoo big!".utf8), close: true)
        }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 5)
        let r = try await request(client, String(repeating: "x", count: 16 << 20))
        #expect(r.status == 413)
        #expect(String(decoding: r.body, as: UTF8.self) == "too big!")
    }

    @Test("a chunked response is decoded")
    func chunked() async throws {
        let server = try ScriptedServer { _, _, _ in
            .init(bytes: Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n".utf8))
        }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 5)
        let r = try await request(client, "x")
        #expect(String(decoding: r.body, as: UTF8.self) == "hello, world")
        _ = try await request(client, "y")
        #expect(server.connectionCount == 1)
    }

    @Test("a response without a length ends at close, and the next request opens a new connection")
    func untilClose() async throws {
        let server = try ScriptedServer { _, n, _ in
            .init(bytes: Array("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n<Error>\(n)</Error>".utf8), close: true)
        }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 5)
        let r1 = try await request(client, "a")
        let r2 = try await request(client, "b")
        #expect(r1.status == 500)
        #expect(String(decoding: r1.body, as: UTF8.self) == "<Error>1</Error>")
        #expect(String(decoding: r2.body, as: UTF8.self) == "<Error>1</Error>")
        #expect(server.connectionCount == 2)
    }

    @Test("a keep-alive connection the server closed while idle is replaced, and the request goes out once")
    func staleConnection() async throws {
        // The server answers with keep-alive but then closes each connection after one request.
        let server = try ScriptedServer { c, _, body in .init(bytes: ScriptedServer.ok("conn \(c): \(body)"), close: true) }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 5)
        let first = try await request(client, "one")
        let second = try await request(client, "two")
        #expect(String(decoding: first.body, as: UTF8.self) == "conn 1: one")
        #expect(String(decoding: second.body, as: UTF8.self) == "conn 2: two")
        #expect(server.bodies == ["one", "two"])
    }

    @Test("a connection closed in the middle of a response is an error, not a short body")
    func truncated() async throws {
        let server = try ScriptedServer { _, _, _ in
            .init(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part".utf8), close: true)
        }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 5)
        let error = try await #require(throws: HTTP1Error.self) { try await request(client, "x") }
        #expect(error.description == "connection closed in the middle of a response")
    }

    @Test("a server that never answers times out with a clear message")
    func timeout() async throws {
        let server = try ScriptedServer { _, _, _ in .init(bytes: [], hang: true) }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 0.3)
        let error = try await #require(throws: HTTP1Error.self) { try await request(client, "x") }
        #expect(error.description == "request timed out")
    }

    @Test("cancelling the task ends a request the server holds")
    func cancel() async throws {
        let server = try ScriptedServer { _, _, _ in .init(bytes: [], hang: true) }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 1, timeout: 60)
        let task = Task { try await request(client, "x") }
        await eventually("the server got the request") { server.bodies.count == 1 }
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("a refused connection names the host and port")
    func refused() async throws {
        let port = freeLocalPort()
        let client = HTTP1Client(host: "127.0.0.1", port: UInt16(port), connections: 1, timeout: 5)
        let error = try await #require(throws: HTTP1Error.self) { try await request(client, "x") }
        #expect(error.description == "cannot connect to host 127.0.0.1:\(port) (connection refused)")
    }

    @Test("more callers than connections wait their turn and all get answers")
    func pool() async throws {
        let server = try ScriptedServer { _, _, body in .init(bytes: ScriptedServer.ok(body)) }
        defer { server.stop() }
        let client = HTTP1Client(host: "127.0.0.1", port: server.port, connections: 2, timeout: 5)
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<20 { group.addTask { String(decoding: try await request(client, "r\(i)").body, as: UTF8.self) } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(replies) == Set((0..<20).map { "r\($0)" }))
        #expect(server.connectionCount <= 2)
    }
}
