/// Where a run stands.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case idle, running, done, failed, cancelled
}

/// What a run reports, in order, on ``SourceRunner/events``.
public enum RunEvent: Sendable {
    case started(attempt: Int, resumedFrom: JSONObject?)
    case log(String)
    case progress(loaded: Int?, total: Int?, message: String)
    /// The progress of one resource of a run that reads several (its status changed, or
    /// its source reported progress). `--events json` names it `progress` with a `resource`.
    case resource(ResourceProgress)
    /// A state was committed: every record before it is acknowledged. The merged state.
    case state(JSONObject)
    /// The source changed its params (a refreshed token); the changes.
    case sourceChange(JSONObject)
    /// Any other event the source fired.
    case fired(type: String, data: JSONValue)
    case counters(SDKCounters)
    /// A read failed with a retryable error and is tried again after `delay`.
    case retrying(attempt: Int, maxAttempts: Int, error: PanoplyError, delay: Duration)
    case failed(PanoplyError)
    case cancelled
    case completed(RunSummary)

    /// The event's name in `--events json` output.
    public var name: String {
        switch self {
        case .started: "started"
        case .log: "log"
        case .progress, .resource: "progress"
        case .state: "state"
        case .sourceChange: "source-change"
        case .fired: "event"
        case .counters: "counters"
        case .retrying: "retrying"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .completed: "completed"
        }
    }
}

/// How a run ended.
public struct RunSummary: Sendable, Equatable {
    public var status: RunStatus
    public var recordsRead: Int
    public var counters: SDKCounters
    public var seconds: Double
    /// The last committed state.
    public var state: JSONObject
    public var error: PanoplyError?
}
