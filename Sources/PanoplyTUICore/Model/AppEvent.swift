import PanoplyKit
import PanoplyWorkspace

/// Identifies one run of a source in this session.
package typealias RunID = Int

/// Everything the reducer reacts to: keys, time, and what the runs report.
package enum AppEvent: Sendable {
    case key(Key)
    /// The terminal size changed (the reducer keeps it for scrolling limits).
    case resize(width: Int, height: Int)
    /// Seconds since the app started; drives rates, ETA and elapsed times.
    case tick(Double)
    case run(RunID, RunEvent)
    /// A run could not start (bad destination, unusable outbox folder, ...).
    case runStartFailed(RunID, String)
    /// The run's SDK is closed; `error` when records stayed undelivered.
    case runClosed(RunID, error: String?)
    /// Runs of saved sources owned by other processes, as their snapshots say now, and the
    /// history rows of those that ended since the last such event (nil: none recorded).
    case externalRuns(running: [RunSnapshot], ended: [String: RunRecord?])
    /// A source check (``Effect/checkSource(_:)``) ended: nil when it passed.
    case checkFinished(Int, PanoplyError?)
    /// A note for the bottom line (a file could not be saved).
    case notice(String)
    /// The run of saved source `sourceName` that started at `started` (Unix time) noted
    /// these changes of its resources' fields since the last successful run (posted once its
    /// history record is written, and only when there are some).
    case schemaChanges(sourceName: String, started: Double, changes: [String])
    /// The values of a list param, computed for ``Effect/loadValues(_:)`` request `requestID`,
    /// with the source's resources (for their fields; empty when it lists none).
    case valuesLoaded(requestID: Int, values: [ListValue], resources: [SourceResource])
    /// Request `requestID` could not compute the values.
    case valuesFailed(requestID: Int, message: String)
    /// The records read for ``Effect/preview(_:)`` request `requestID`.
    case previewLoaded(requestID: Int, records: [PreviewRecord])
    /// Preview `requestID` could not read the source.
    case previewFailed(requestID: Int, message: String)
    /// SIGINT or SIGTERM: leave now, cancelling what runs.
    case terminate
}

/// What the reducer asks the outside world to do.
package enum Effect: Sendable, Equatable {
    case startRun(RunRequest)
    case cancelRun(RunID)
    case saveSources([SavedSource])
    case saveDestination(DestinationSettings)
    /// Remove a saved source's committed state (its state file).
    case deleteState(sourceName: String)
    /// A saved source was renamed: its state file follows it.
    case renameState(from: String, to: String)
    /// A run of a saved source ended: append it to the source's history file.
    case recordRun(sourceName: String, RunRecord)
    /// A saved source was deleted: its history goes with it.
    case deleteHistory(sourceName: String)
    /// Open the source with these params and run its `check`, in the background; answer
    /// with ``AppEvent/checkFinished(_:_:)``.
    case checkSource(CheckRequest)
    /// Compute a list param's values in the background (answered by
    /// ``AppEvent/valuesLoaded(requestID:values:resources:)`` or ``AppEvent/valuesFailed(requestID:message:)``).
    case loadValues(ValuesRequest)
    /// The picker waiting for request `id` was closed: stop computing.
    case cancelLoad(Int)
    /// Read the first records of a source in the background, sending, committing and
    /// recording nothing (answered by ``AppEvent/previewLoaded(requestID:records:)`` or
    /// ``AppEvent/previewFailed(requestID:message:)``).
    case preview(PreviewRequest)
    /// The preview waiting for request `id` was closed: stop reading.
    case cancelPreview(Int)
    case quit
}

/// Everything needed to start one run.
package struct RunRequest: Sendable, Equatable {
    package var id: RunID
    package var sourceName: String
    package var type: String
    package var params: [String: JSONValue]
    package var table: String
    /// The committed state to resume from (a retry), nil for a fresh run.
    package var state: JSONObject?
    package var attempt: Int
    /// Resume from the state saved on disk by an earlier session (a retry after a restart).
    package var resumeFromFile = false
    /// The run's first log line, saying where it starts (nil: "starting").
    package var note: String?
}
