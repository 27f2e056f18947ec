import PanoplyKit

/// One finished run of a saved source, as its history keeps it (in the UI and from
/// `panoply run --saved`). Never holds secrets: log lines and errors are masked before
/// they get here.
package struct RunRecord: Sendable, Equatable, Codable {
    /// Unix time (seconds) the run started and ended.
    package var started: Double
    package var ended: Double
    package var status: RunStatus
    package var attempt: Int
    package var recordsRead: Int
    package var delivered: Int
    package var messages: Int
    package var errors: Int
    package var retries: Int
    /// The final error of a failed run, and its category (`config`, `auth`, ...).
    package var error: String?
    package var errorCategory: String?
    /// Where the run was started: `ui` or `cli` (`panoply run --saved`, cron).
    package var origin: String
    /// The last ``keptLogLines`` lines of its log, as shown (`[mm:ss] text`).
    package var log: [String]
    /// Who asked a cancelled run to stop from elsewhere (`ui on host-b`); nil otherwise.
    package var cancelledBy: String?
    /// The exit code of a headless run (`run --saved`), for `panoply cancel --wait`.
    package var exitCode: Int32?
    /// A run of several resources: how many ended in each status, and which failed
    /// (compact however many it read); nil for a run of one (and in older history files).
    package var resources: ResourceTally?
    /// A successful run: each resource's fields and their types (the baseline the next run
    /// compares with); nil for other runs (and in older history files).
    package var schema: SchemaRecorder.Schema?
    /// The warnings of fields added, removed or retyped since the last successful run.
    package var schemaChanges: [String]?
    /// What the run did to the fields of its resources (excluded, hashed, renamed), never
    /// with the salt; nil when nothing (and in older history files).
    package var fields: FieldSettings?

    /// Runs kept per source.
    package static let keptRuns = 50
    /// Log lines kept per run.
    package static let keptLogLines = 200

    package init(
        started: Double, ended: Double, status: RunStatus, attempt: Int = 1, recordsRead: Int = 0,
        counters: SDKCounters = SDKCounters(), error: PanoplyError? = nil, origin: String, log: [String] = []
    ) {
        self.started = started
        self.ended = ended
        self.status = status
        self.attempt = attempt
        self.recordsRead = recordsRead
        delivered = counters.recordsDelivered
        messages = counters.messages
        errors = counters.errors
        retries = counters.retries
        self.error = error?.message
        errorCategory = error?.category.rawValue
        self.origin = origin
        self.log = Array(log.suffix(Self.keptLogLines))
    }

    package var seconds: Double { max(0, ended - started) }

    /// The error category of a run whose process ended without finishing (SIGKILL, a
    /// machine that went away): recorded as failed, reported as `lost`.
    package static let lostCategory = "lost"

    /// The status as `list --json` and `status --json` report it: `lost` for a lost run.
    package var statusName: String { errorCategory == Self.lostCategory ? "lost" : status.rawValue }

    /// Whether `later` is a later attempt of the same run (a retry keeps the run's start).
    package func continued(by later: RunRecord) -> Bool {
        later.started == started && later.attempt > attempt && later.origin == origin
    }
}

extension Array where Element == RunRecord {
    /// Appends a run, keeping the newest ``RunRecord/keptRuns``.
    package mutating func appendKeepingLast(_ record: RunRecord) {
        append(record)
        if count > RunRecord.keptRuns { removeFirst(count - RunRecord.keptRuns) }
    }
}
