/// Exponential backoff: retry n waits up to `min(cap, base * 2^(n-1))`, with full jitter
/// (a random time in `0 ... ceiling`) or none (the ceiling itself). A pure function of the
/// retry number and a random draw.
public struct RetryPolicy: Sendable, Equatable {
    /// How a wait is drawn from its ceiling.
    public enum Jitter: Sendable, Equatable {
        /// A random time in `0 ... ceiling` (the SDK's sends: retries of many writers spread out).
        case full
        /// The ceiling itself (a runner's reads: one reader, a predictable wait).
        case none
    }

    /// Retries after the first attempt before a message is reported undeliverable.
    public var maxRetries: Int = 10
    public var base: Duration = .milliseconds(200)
    public var cap: Duration = .seconds(15)
    public var jitter: Jitter = .full

    public init(maxRetries: Int = 10, base: Duration = .milliseconds(200), cap: Duration = .seconds(15), jitter: Jitter = .full) {
        self.maxRetries = maxRetries
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// The read retry of a ``SourceRunner``: 3 attempts (2 retries), waiting 1 s, then 2 s,
    /// doubling up to a minute, without jitter.
    public static let reads = RetryPolicy(maxRetries: 2, base: .seconds(1), cap: .seconds(60), jitter: .none)

    /// Attempts in all (the first and its retries).
    public var maxAttempts: Int { maxRetries + 1 }

    /// The longest wait before retry number `retry` (1-based).
    public func ceiling(forRetry retry: Int) -> Duration {
        let factor = 1 << min(max(retry - 1, 0), 30)
        let d = base * factor
        return d > cap ? cap : d
    }

    /// The wait before retry number `retry`, given a uniform random draw in 0...1 (ignored
    /// without jitter).
    public func delay(forRetry retry: Int, random: Double) -> Duration {
        switch jitter {
        case .full: ceiling(forRetry: retry) * min(max(random, 0), 1)
        case .none: ceiling(forRetry: retry)
        }
    }

    /// Whether a failed attempt number `attempt` (1-based) may be retried.
    public func allowsRetry(afterAttempt attempt: Int) -> Bool { attempt <= maxRetries }
}
