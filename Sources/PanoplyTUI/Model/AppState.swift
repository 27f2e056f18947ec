import PanoplyKit

/// Which screen is showing.
enum ScreenState: Sendable, Equatable {
    case list
    case form(FormState)
    case run(RunID)
}

/// A question over the current screen.
enum Overlay: Sendable, Equatable {
    case help
    case confirmCancel(RunID)
    case confirmQuit
}

/// One row of the source list.
enum ListEntry: Sendable, Equatable {
    case saved(Int)
    case type(Int)
    case destination
}

/// The whole UI: the only state there is. Changed only by ``reduce(_:_:)``.
struct AppState: Sendable, Equatable {
    var types: [SourceTypeInfo]
    var saved: [SavedSource]
    var destination: DestinationSettings
    var screen: ScreenState = .list
    var overlay: Overlay?
    var selection = 0
    /// Runs in start order.
    var runs: [RunState] = []
    var nextRunID = 1
    /// The latest run of each saved source, by name.
    var latestRun: [String: RunID] = [:]
    var now: Double = 0
    var width = 80
    var height = 24
    /// A one-line note at the bottom (saved, errors of the moment).
    var notice: String?
    var quitting = false

    init(types: [SourceTypeInfo], saved: [SavedSource] = [], destination: DestinationSettings) {
        self.types = types
        self.saved = saved
        self.destination = destination
    }

    var listEntries: [ListEntry] {
        saved.indices.map { .saved($0) } + types.indices.map { .type($0) } + [.destination]
    }

    var activeRunCount: Int { runs.filter(\.isActive).count }

    func run(_ id: RunID) -> RunState? { runs.first { $0.id == id } }

    mutating func updateRun(_ id: RunID, _ body: (inout RunState) -> Void) {
        if let i = runs.firstIndex(where: { $0.id == id }) { body(&runs[i]) }
    }

    func typeInfo(_ type: String) -> SourceTypeInfo? { types.first { $0.type == type } }

    /// The status shown next to a saved source: its latest run's, else the saved one.
    func status(ofSaved s: SavedSource) -> RunStatus {
        if let id = latestRun[s.name], let r = run(id) { return r.status }
        return s.lastStatus ?? .idle
    }

    /// The status of a type: running when any run of it runs, else idle.
    func status(ofType type: String) -> RunStatus {
        runs.contains { $0.request.type == type && $0.status == .running } ? .running : .idle
    }
}
