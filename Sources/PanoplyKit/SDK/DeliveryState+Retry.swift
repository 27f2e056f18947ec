import Foundation

extension DeliveryState {
    /// What a worker does with messages whose send failed.
    enum SendFailureAction {
        /// Send them again after this wait.
        case retry(after: Duration)
        /// They failed for good (kept in `failed`): perform these actions.
        case fail(Actions)
    }

    /// Attempt number `attempt` (1-based) to send `messages` failed with `error`: they are
    /// sent again after a backoff while the error is retryable, the ``retry`` policy allows
    /// another attempt and the worker is not cancelled (the SDK gave up waiting in `close()`);
    /// otherwise they fail for good.
    /// - Parameters:
    ///   - cancelled: whether the worker's task is cancelled.
    ///   - random: a uniform draw in 0...1 for the backoff's jitter (time and chance are inputs).
    mutating func sendFailed(_ messages: [OutgoingMessage], error: PanoplyError, attempt: Int, cancelled: Bool, random: Double) -> SendFailureAction {
        guard error.retryable, retry.allowsRetry(afterAttempt: attempt), !cancelled else {
            return .fail(failed(messages, error: error, countError: true))
        }
        retryScheduled(count: messages.count)
        return .retry(after: retry.delay(forRetry: attempt, random: random))
    }

    /// The wait before sending `messages` again was cancelled (the SDK gave up waiting in
    /// `close()`): they fail for good, and the error that led to the retry was counted already.
    mutating func retryCancelled(_ messages: [OutgoingMessage], error: PanoplyError) -> Actions {
        failed(messages, error: error, countError: false)
    }
}
