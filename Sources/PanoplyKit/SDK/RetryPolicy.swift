/// Exponential backoff with full jitter: attempt n waits a random time in
/// `0 ... min(cap, base * 2^(n-1))`. A pure function of the attempt and a random draw.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt before a message is reported undeliverable.
    public var maxRetries: Int = 10
    public var base: Duration = .milliseconds(200)
    public var cap: Duration = .seconds(15)

    public init(maxRetries: Int = 10, base: Duration = .milliseconds(200), cap: Duration = .seconds(15)) {
        self.maxRetries = maxRetries
        self.base = base
        self.cap = cap
    }

    /// The longest wait before retry number `retry` (1-based).
    public func ceiling(forRetry retry: Int) -> Duration {
        let factor = 1 << min(max(retry - 1, 0), 30)
        let d = base * factor
        return d > cap ? cap : d
    }

    /// The wait before retry number `retry`, given a uniform random draw in 0...1.
    public func delay(forRetry retry: Int, random: Double) -> Duration {
        ceiling(forRetry: retry) * min(max(random, 0), 1)
    }

    /// Whether a failed attempt number `attempt` (1-based) may be retried.
    public func allowsRetry(afterAttempt attempt: Int) -> Bool { attempt <= maxRetries }
}
