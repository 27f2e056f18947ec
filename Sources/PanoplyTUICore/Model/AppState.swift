import PanoplyKit
import PanoplyWorkspace

/// Which screen is showing.
package enum ScreenState: Sendable, Equatable {
    case list
    case form(FormState)
    case run(RunID)
    /// `h`: a saved source's past runs.
    case history(HistoryScreen)
}

/// A question over the current screen.
package enum Overlay: Sendable, Equatable {
    case help
    case confirmCancel(RunID)
    case confirmQuit
    /// `x` on a saved source: delete it (and its credentials)?
    case confirmDelete(String)
    /// After a delete: remove the deleted source's committed state too?
    case confirmDeleteState(String)
    /// `n` on a saved source: its new name being typed.
    case rename(RenameEdit)
    /// Enter or Space on a form's `list` field: pick its values.
    case picker(PickerState)
    /// Esc on a changed form: discard the changes, keep editing, or save?
    case confirmDiscard
    /// `p` in the picker, Ctrl-P in a form: the first records of a resource or source.
    case preview(PreviewState)
}

extension Overlay {
    /// A modal that ignores keys it does not bind (rather than closing on any key).
    package var takesOnlyItsKeys: Bool {
        switch self {
        case .rename, .confirmDelete, .confirmDeleteState, .picker, .confirmDiscard, .preview: true
        case .help, .confirmCancel, .confirmQuit: false
        }
    }
}

/// One row of the source list.
package enum ListEntry: Sendable, Equatable {
    case saved(Int)
    case type(Int)
    case destination
}

/// The whole UI: the only state there is. Changed only by ``reduce(_:_:)``.
package struct AppState: Sendable, Equatable {
    package var types: [SourceTypeInfo]
    package var saved: [SavedSource]
    package var destination: DestinationSettings
    /// The shared workspace the UI works in, as the header names it (nil: the config folder).
    package var workspace: String?
    package var screen: ScreenState = .list
    package var overlay: Overlay?
    package var selection = 0
    /// The first line the `?` overlay shows (it scrolls on a short terminal).
    package var helpTop = 0
    /// Runs in start order.
    package var runs: [RunState] = []
    package var nextRunID = 1
    /// The id of the next background request (a list's values).
    package var nextRequestID = 1
    /// The latest run of each saved source, by name.
    package var latestRun: [String: RunID] = [:]
    package var now: Double = 0
    package var width = 80
    package var height = 24
    /// A one-line note at the bottom (saved, errors of the moment).
    package var notice: String?
    package var quitting = false
    /// The folder the UI started in (read once at start): relative `path` params are
    /// saved absolute against it.
    package var workingDirectory = ""
    /// The local time of day (seconds) when the tick clock read 0 (given at start), so
    /// log lines can show absolute times.
    package var clockOrigin: Double = 0
    /// The Unix time when the tick clock read 0 (given at start), so recorded runs carry
    /// their real start and end.
    package var epochOrigin: Double = 0
    /// The local time's offset from UTC in seconds (given at start), to show dates.
    package var utcOffset = 0
    /// The recorded runs of each saved source, oldest first (loaded at start, kept as runs end).
    package var history: [String: [RunRecord]] = [:]
    /// The id of the next source check (Ctrl-T, Ctrl-S).
    package var nextCheckID = 1

    package init(types: [SourceTypeInfo], saved: [SavedSource] = [], destination: DestinationSettings) {
        self.types = types
        self.saved = saved
        self.destination = destination
    }

    package var listEntries: [ListEntry] {
        saved.indices.map { .saved($0) } + types.indices.map { .type($0) } + [.destination]
    }

    package var activeRunCount: Int { runs.filter(\.isActive).count }

    package func run(_ id: RunID) -> RunState? { runs.first { $0.id == id } }

    package mutating func updateRun(_ id: RunID, _ body: (inout RunState) -> Void) {
        if let i = runs.firstIndex(where: { $0.id == id }) { body(&runs[i]) }
    }

    package func typeInfo(_ type: String) -> SourceTypeInfo? { types.first { $0.type == type } }

    /// The status shown next to a saved source: its latest run's, else the saved one.
    package func status(ofSaved s: SavedSource) -> RunStatus {
        if let id = latestRun[s.name], let r = run(id) { return r.status }
        return history[s.name]?.last?.status ?? s.lastStatus ?? .idle
    }

    /// The status of a type: running when any run of it runs, else idle.
    package func status(ofType type: String) -> RunStatus {
        runs.contains { $0.request.type == type && $0.status == .running } ? .running : .idle
    }
}
