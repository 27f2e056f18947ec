import PanoplyKit

/// Which pane of the run view the arrows scroll.
enum RunPane: Sendable, Equatable { case log, state }

/// One run as the UI sees it, built from its ``RunEvent``s.
struct RunState: Sendable, Equatable {
    var id: RunID
    var request: RunRequest
    var title: String
    var status: RunStatus = .running
    var startedAt: Double
    var endedAt: Double?
    var loaded: Int?
    var total: Int?
    var message = ""
    var counters = SDKCounters()
    /// The merged committed state.
    var committed: JSONObject = [:]
    var error: String?
    /// Set when the user asked to cancel and the run has not ended yet.
    var cancelling = false
    /// True until the run's SDK is closed (a retry waits for it).
    var sdkOpen = true
    var log = LogBuffer()

    // Records per second, sampled on ticks.
    var rate: Double?
    var sampleAt: Double?
    var sampleLoaded = 0

    // Panes.
    var pane: RunPane = .log
    var follow = true
    /// First log line shown when not following.
    var logTop = 0
    var stateTop = 0
    var filter = ""
    var editingFilter = false

    init(id: RunID, request: RunRequest, title: String, startedAt: Double) {
        self.id = id
        self.request = request
        self.title = title
        self.startedAt = startedAt
    }

    var isActive: Bool { status == .running }

    /// 0...1 when the total is known.
    var fraction: Double? {
        if status == .done { return 1 }
        guard let total, total > 0, let loaded else { return nil }
        return min(1, max(0, Double(loaded) / Double(total)))
    }

    /// Seconds left at the current rate.
    var eta: Double? {
        guard status == .running, let total, let loaded, let rate, rate > 0, total >= loaded else { return nil }
        return Double(total - loaded) / rate
    }

    func elapsed(now: Double) -> Double { (endedAt ?? now) - startedAt }

    /// The log lines the pane shows, filter applied.
    var visibleLog: [String] { log.lines(matching: filter) }
}
