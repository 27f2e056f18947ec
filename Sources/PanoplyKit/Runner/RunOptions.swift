/// How a ``SourceRunner`` drives a source.
public struct RunOptions: Sendable {
    /// The `n` passed to `read`.
    public var batchSize = 1000
    /// How a failed `read` (or `open`) with a retryable error is tried again: by default 3
    /// attempts in all, waiting 1 s, then 2 s (``RetryPolicy/reads``). A smaller
    /// ``RetryPolicy/base`` shortens every wait.
    public var readRetry: RetryPolicy = .reads
    /// Where committed state is loaded from and saved, so a failed run can resume after a
    /// restart; nil keeps it in memory only.
    public var stateStore: (any StateStore)?
    /// The state file, when ``stateStore`` is a ``StateFileStore``; setting it makes one
    /// (nil: no store).
    public var stateFile: String? {
        get { (stateStore as? StateFileStore)?.path }
        set { stateStore = newValue.map { StateFileStore(path: $0) } }
    }
    /// How often counters are reported while running.
    public var countersInterval: Duration = .milliseconds(250)
    /// Which attempt this is (1 for a first run; retries from the UI count up).
    public var attempt = 1
    /// What to do with a record that cannot be written (larger than a message): fail the
    /// run, or skip it with a log line naming its resource and position.
    public var onInvalid: InvalidRecordPolicy = .fail
    /// At most one durable write of the committed state (``stateStore``) per interval; a
    /// commit that comes sooner is saved when the interval is over (the newest state wins),
    /// and the last one when the run ends. A crash costs at most the records after the last
    /// durable commit: the next run delivers them again. `.zero` writes at every commit.
    /// Params a source changed (a rotated token) are written at once.
    public var commitInterval: Duration = .seconds(1)
    /// How many resources are read at once, when the source reads one resource per
    /// instance (``SourceConfiguration/resourcesParam``).
    public var parallelResources = 1
    /// Notes each resource's fields at its first record, and warns in the log when they
    /// differ from the last successful run's (nil: not noted).
    public var schema: SchemaRecorder?

    /// - Parameters:
    ///   - batchSize: the `n` passed to `read`.
    ///   - readRetry: how a failed read is tried again.
    ///   - stateFile: where committed state is saved.
    public init(batchSize: Int = 1000, readRetry: RetryPolicy = .reads, stateFile: String? = nil) {
        self.batchSize = batchSize
        self.readRetry = readRetry
        self.stateStore = stateFile.map { StateFileStore(path: $0) }
    }

    /// Options with ``readRetry`` made of an attempt count and a base wait (retry k waits
    /// `retryBase * 2^(k-1)`, up to a minute, without jitter).
    /// - Parameters:
    ///   - readAttempts: attempts of one `read` in all (at least 1).
    ///   - retryBase: the wait before the first retry.
    public init(batchSize: Int = 1000, readAttempts: Int, retryBase: Duration = .seconds(1), stateFile: String? = nil) {
        var retry = RetryPolicy.reads
        retry.maxRetries = max(readAttempts - 1, 0)
        retry.base = retryBase
        self.init(batchSize: batchSize, readRetry: retry, stateFile: stateFile)
    }
}

/// What a run does with a record that cannot be written.
public enum InvalidRecordPolicy: String, Sendable, CaseIterable {
    /// Stop the run with an error naming the record.
    case fail
    /// Log the record's resource and position and go on without it.
    case skip
}
