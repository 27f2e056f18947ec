/// How a ``SourceRunner`` drives a source.
public struct RunOptions: Sendable {
    /// The `n` passed to `read`.
    public var batchSize = 1000
    /// Attempts of one `read` for retryable errors (the original retried 3 times).
    public var readAttempts = 3
    /// Backoff before retry k is `retryBase * 2^(k-1)`.
    public var retryBase: Duration = .seconds(1)
    /// Where committed state is saved, so a failed run can resume after a restart.
    public var stateFile: String?
    /// How often counters are reported while running.
    public var countersInterval: Duration = .milliseconds(250)
    /// Which attempt this is (1 for a first run; retries from the UI count up).
    public var attempt = 1
    /// What to do with a record that cannot be written (larger than a message): fail the
    /// run, or skip it with a log line naming its resource and position.
    public var onInvalid: InvalidRecordPolicy = .fail
    /// How many resources are read at once, when the source reads one resource per
    /// instance (``SourceConfiguration/resourcesParam``).
    public var parallelResources = 1

    public init(batchSize: Int = 1000, readAttempts: Int = 3, retryBase: Duration = .seconds(1), stateFile: String? = nil) {
        self.batchSize = batchSize
        self.readAttempts = readAttempts
        self.retryBase = retryBase
        self.stateFile = stateFile
    }
}

/// What a run does with a record that cannot be written.
public enum InvalidRecordPolicy: String, Sendable, CaseIterable {
    /// Stop the run with an error naming the record.
    case fail
    /// Log the record's resource and position and go on without it.
    case skip
}
