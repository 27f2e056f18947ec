import Foundation
import Synchronization
import Testing

@testable import PanoplyKit

/// Polls `condition` until it holds or `timeout` passes (no fixed sleeps in tests).
func eventually(
    _ what: String = "condition", timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline {
            Issue.record("timed out after \(timeout) waiting for \(what)", sourceLocation: sourceLocation)
            return
        }
        try? await Task.sleep(for: .milliseconds(5))
    }
}

/// A clock the test moves by hand, for the flush interval.
final class ManualClock: Sendable {
    private let value = Mutex<Duration>(.zero)
    var now: Duration { value.withLock { $0 } }
    func advance(_ d: Duration) { value.withLock { $0 += d } }
    var read: @Sendable () -> Duration { { self.now } }
}

/// Collects SDK events from `on(_:_:)` handlers, in the order they were emitted.
final class EventLog: Sendable {
    private let events = Mutex<[SDKEvent]>([])

    init(_ sdk: PanoplySDK) {
        for kind in SDKEvent.Kind.allCases {
            sdk.on(kind) { [self] e in self.events.withLock { $0.append(e) } }
        }
    }

    var all: [SDKEvent] { events.withLock { $0 } }

    /// A compact trace such as `send#1@1`, `error#1 retry`, `flush#1`.
    var trace: [String] {
        all.map { e in
            switch e {
            case .send(let m): "send#\(m.number)@\(m.attempt)"
            case .flush(let m, _): "flush#\(m.number)"
            case .error(let info):
                "error#\(info.messages.map { String($0.number) }.joined(separator: ",")) \(info.willRetry ? "retry" : "final")"
            }
        }
    }
}

enum Fixture {
    /// The credentials of the vectors (acme/r1key; us-east-1, account 123456789012).
    static let apiKey = "acme/r1key"
    static let apiSecret = "cm5kMmFiYy8wZjhlNWIyYy0xMTExLTIyMjItMzMzMy00NDQ0NTU1NTY2NjYvMTIzNDU2Nzg5MDEyL3VzLWVhc3QtMQ=="
    static var credentials: PanoplyCredentials { try! PanoplyCredentials(apiKey: apiKey, apiSecret: apiSecret) }

    /// A configuration for SDKs that send through a double: fast retries, no real queue.
    static func config(
        maxMessageBytes: Int = 262_144, concurrency: Int = 1,
        credentials: PanoplyCredentials? = Fixture.credentials
    ) -> SDKConfiguration {
        var c = SDKConfiguration(credentials: credentials, destination: .panoply)
        c.maxMessageBytes = maxMessageBytes
        c.concurrency = concurrency
        c.retry = RetryPolicy(maxRetries: 3, base: .milliseconds(1), cap: .milliseconds(4))
        return c
    }

    static func base64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    /// The URL of a bundled fixture file.
    static func url(_ path: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil)!
    }
}

extension Result {
    var failure: Failure? { if case .failure(let e) = self { e } else { nil } }
}

/// The error `body` throws, if it is a `PanoplyError`.
func panoplyError(_ body: () throws -> Void) -> PanoplyError? {
    do { try body() } catch { return error as? PanoplyError }
    return nil
}
