import Foundation
import Testing

@testable import PanoplyKit

/// The SDK's retry decision (``DeliveryState/sendFailed(_:error:attempt:cancelled:random:)``)
/// alone: the same method the SDK's workers and the delivery simulation call.
@Suite("Send failure decision")
struct SendFailureTests {
    static let policy = RetryPolicy(maxRetries: 2, base: .milliseconds(100), cap: .milliseconds(300))
    static let throttled = PanoplyError(.rateLimit, "Throttling", retryable: true)
    static let noQueue = PanoplyError(.notFound, "NonExistentQueue", retryable: false)

    /// A machine with one message of one record in flight (taken by a worker).
    static func inFlight() throws -> (DeliveryState, [OutgoingMessage]) {
        var s = DeliveryState(
            batcher: Batcher(bodyLimit: 256, flushInterval: .seconds(60)), spooling: false,
            maxBufferedBytes: 1 << 20, maxBatchCount: 10, maxBatchBytes: 1 << 20, retry: policy)
        _ = try s.write(now: .zero, table: "t", encode: { $0 += Array("{\"id\":1}".utf8) })
        _ = s.flushRequested()
        guard case .batch(let batch) = s.workWanted(by: 1) else { throw PanoplyError(.internal, "no batch") }
        s.sendStarted(count: batch.count)
        return (s, batch)
    }

    @Test(
        "a retryable failure is sent again after the policy's backoff while attempts remain",
        arguments: [(1, 0.5, 50), (2, 1.0, 200), (2, 0.0, 0)])
    func retries(attempt: Int, random: Double, waitMs: Int) throws {
        var (s, batch) = try Self.inFlight()
        guard case .retry(let after) = s.sendFailed(batch, error: Self.throttled, attempt: attempt, cancelled: false, random: random) else {
            Issue.record("attempt \(attempt) was not retried")
            return
        }
        #expect(after == .milliseconds(waitMs))
        #expect(s.counters.retries == 1)
        #expect(s.counters.errors == 1)
        #expect(s.counters.undelivered == 0)
        #expect(s.inventory.failed.isEmpty)
    }

    @Test("a failure that is not retryable fails for good at once, and a flush covering it learns so")
    func permanent() throws {
        var (s, batch) = try Self.inFlight()
        #expect(s.deliveryWanted(through: 1, by: 7) == .wait)
        guard case .fail(let actions) = s.sendFailed(batch, error: Self.noQueue, attempt: 1, cancelled: false, random: 1) else {
            Issue.record("a permanent error was retried")
            return
        }
        #expect(actions.flushFailed.map(\.0) == [7])
        #expect(s.counters.retries == 0)
        #expect(s.counters.errors == 1)
        #expect(s.counters.undelivered == 1)
        #expect(s.inventory.failed.map(\.number) == batch.map(\.number))
    }

    @Test("a retryable failure fails for good once its attempts are used up")
    func exhausted() throws {
        var (s, batch) = try Self.inFlight()
        guard case .fail = s.sendFailed(batch, error: Self.throttled, attempt: Self.policy.maxAttempts, cancelled: false, random: 1) else {
            Issue.record("attempt \(Self.policy.maxAttempts) of \(Self.policy.maxAttempts) was retried")
            return
        }
        #expect(s.counters.undelivered == 1)
        #expect(s.counters.retries == 0)
    }

    @Test("a worker cancelled by close() giving up does not retry: the messages fail for good")
    func cancelledWorker() throws {
        var (s, batch) = try Self.inFlight()
        guard case .fail = s.sendFailed(batch, error: Self.throttled, attempt: 1, cancelled: true, random: 1) else {
            Issue.record("a cancelled worker retried")
            return
        }
        #expect(s.counters.undelivered == 1)
    }

    @Test("a backoff cut short by close() giving up fails the messages without counting the error twice")
    func backoffCancelled() throws {
        var (s, batch) = try Self.inFlight()
        _ = s.sendFailed(batch, error: Self.throttled, attempt: 1, cancelled: false, random: 1)
        _ = s.retryCancelled(batch, error: PanoplyError(.transient, "stopped while retrying", retryable: false))
        #expect(s.counters.errors == 1)
        #expect(s.counters.undelivered == 1)
        #expect(s.inventory.failed.count == 1)
        _ = s.retryFailed()
        #expect(s.pendingCount == 1, "a message that failed for good can be sent again")
    }

    @Test("the SDK's default policy retries 10 times with jitter up to 15 s")
    func defaultPolicy() {
        let p = SDKConfiguration(credentials: nil).retry
        #expect(p == RetryPolicy())
        #expect(p.jitter == .full)
        #expect(p.allowsRetry(afterAttempt: 10) && !p.allowsRetry(afterAttempt: 11))
    }
}
