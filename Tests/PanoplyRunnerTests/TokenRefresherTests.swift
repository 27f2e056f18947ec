import Foundation
import PanoplyKit
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Token refresh and background progress", .serialized)
struct TokenRefresherTests {
    let server: LocalHTTPServer
    init() throws { server = try LocalHTTPServer() }

    func context(refreshToken: String, events: Locked<[SourceEvent]>) -> SourceContext {
        let input = SourceInput(type: "t", params: ["access_token": "expired-token", "refresh_token": .string(refreshToken)])
        return SourceContext(input: input, secrets: ["access_token", "refresh_token"]) { e in events.withLock { $0.append(e) } }
    }

    @Test("an expired token is refreshed once, stored in the source, fired as source-change, and the request retried")
    func refreshesAndRetries() async throws {
        let events = Locked<[SourceEvent]>([])
        let ctx = context(refreshToken: "good", events: events)
        let callbacks = Locked<[String]>([])
        let refresher = TokenRefresher(
            refreshURL: server.base.appendingPathComponent("token"),
            extraFields: ["grant_type": "refresh_token", "client_id": "cid"],
            onRefresh: { token in callbacks.withLock { $0.append(token) } })
        let attempts = Locked(0)
        let result = try await refresher.run(context: ctx) { token -> String in
            attempts.withLock { $0 += 1 }
            guard token?.hasPrefix("fresh-") == true else { throw PanoplyError(.auth, "token expired", code: 401) }
            return "data with \(token!)"
        }
        #expect(result == "data with fresh-1")
        #expect(attempts.withLock { $0 } == 2)
        #expect(ctx.param("access_token") == "fresh-1")
        #expect(callbacks.withLock { $0 } == ["fresh-1"])
        let changes = events.withLock { $0 }.compactMap { e -> JSONValue? in
            if case .fired("source-change", let data) = e { return data }
            return nil
        }
        #expect(changes == [["access_token": "fresh-1"]])
        // The refresh token never reaches the log.
        let logs = events.withLock { $0 }.compactMap { e -> String? in if case .log(let l) = e { return l } else { return nil } }
        #expect(!logs.joined().contains("good"))
    }

    @Test("a failed refresh is a non-retryable auth error")
    func failedRefreshIsFatal() async throws {
        let events = Locked<[SourceEvent]>([])
        let ctx = context(refreshToken: "revoked", events: events)
        let refresher = TokenRefresher(
            refreshURL: server.base.appendingPathComponent("token"),
            extraFields: ["client_id": "cid"])
        await #expect {
            _ = try await refresher.run(context: ctx) { _ -> Int in throw PanoplyError(.auth, "expired", code: 401) }
        } throws: { error in
            let e = error as? PanoplyError
            return e?.retryable == false && e?.category == .auth && e?.message.contains("could not be refreshed") == true
        }
    }

    @Test("errors that do not mean an expired token pass through without a refresh")
    func otherErrorsPassThrough() async throws {
        let ctx = context(refreshToken: "good", events: Locked([]))
        let refresher = TokenRefresher(refreshURL: server.base.appendingPathComponent("token"))
        await #expect(throws: PanoplyError.self) { () async throws in
            _ = try await refresher.run(context: ctx) { _ -> Int in throw PanoplyError(.notFound, "gone") }
        }
        let (data, _) = try await URLSession.shared.data(from: server.base.appendingPathComponent("count"))
        #expect(try JSONParser.parse([UInt8](data))[path: "token"] == 0)
    }

    @Test("background progress reports while a long request waits, then returns its result")
    func backgroundProgressDuringLongWait() async throws {
        let events = Locked<[SourceEvent]>([])
        let ctx = context(refreshToken: "good", events: events)
        let url = URL(string: "\(server.base.absoluteString)/slow?ms=600")!
        let status = try await withBackgroundProgress(ctx, message: "counting rows...", interval: .milliseconds(100)) {
            let (_, response) = try await URLSession.shared.data(from: url)
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
        #expect(status == 200)
        let progress = events.withLock { $0 }.filter { if case .progress(nil, nil, "counting rows...") = $0 { true } else { false } }
        #expect(progress.count >= 3)
    }
}

/// A value behind a lock, shareable with closures.
final class Locked<T: Sendable>: Sendable {
    private let m: Mutex<T>
    init(_ v: T) { m = Mutex(v) }
    func withLock<R>(_ body: (inout T) -> R) -> R { m.withLock { body(&$0) } }
}
