import PanoplyKit

/// Which pane of the run view the arrows scroll.
package enum RunPane: Sendable, Equatable { case log, state, resources }

/// One run as the UI sees it, built from its ``RunEvent``s.
package struct RunState: Sendable, Equatable {
    package var id: RunID
    package var request: RunRequest
    package var title: String
    package var status: RunStatus = .running
    package var startedAt: Double
    package var endedAt: Double?
    package var loaded: Int?
    package var total: Int?
    package var message = ""
    package var counters = SDKCounters()
    /// The merged committed state.
    package var committed: JSONObject = [:]
    package var error: String?
    /// The category of the final error (a config or auth error offers `e` to edit).
    package var errorCategory: PanoplyError.Category?
    /// Records the source returned (known once the run completes).
    package var recordsRead: Int?
    /// Set when the user asked to cancel and the run has not ended yet.
    package var cancelling = false
    /// True until the run's SDK is closed (a retry waits for it).
    package var sdkOpen = true
    package var log = LogBuffer()
    /// What the attempts before this one of the same run delivered (a retry): the run's
    /// counters are these plus the current attempt's.
    package var earlier = SDKCounters()
    /// Records the attempts before this one read.
    package var earlierRead = 0
    /// The resources table: one row per resource, in the order first reported.
    package var resources: [ResourceRow] = []
    /// Where each resource's row is in ``resources``, so an event finds its row at once.
    package var resourceIndex: [String: Int] = [:]
    /// The tables the resources' records go to, for the header.
    package var destinationTables = DestinationTables()
    /// First row of the resources table shown while it has the focus (Tab).
    package var resourcesTop = 0

    // Records per second, sampled on ticks.
    package var rate: Double?
    package var sampleAt: Double?
    package var sampleLoaded = 0

    // Panes.
    package var pane: RunPane = .log
    package var follow = true
    /// First log line shown when not following.
    package var logTop = 0
    package var stateTop = 0
    package var filter = ""
    package var editingFilter = false
    /// `t`: log times as the time of day instead of since the run started.
    package var absoluteTimes = false
    /// `!`: only warnings and errors.
    package var problemsOnly = false
    /// The local time of day (seconds) when the app's clock read 0, for absolute times.
    package var clockOrigin: Double = 0
    /// The process that owns a run started elsewhere (cron, another UI); nil for this UI's.
    package var owner: LeaseHolder?
    /// Log lines of the owner's snapshot already shown.
    package var externalLogSeen = 0
    /// What the run does to the fields of its resources (the saved source's settings), shown
    /// per row of the resources table and kept in its history record.
    package var fields: FieldSettings?

    package init(id: RunID, request: RunRequest, title: String, startedAt: Double) {
        self.id = id
        self.request = request
        self.title = title
        self.startedAt = startedAt
    }

    package var isActive: Bool { status == .running }

    /// True when the source's own total (``total``) is an estimate: its progress message
    /// says so with `≈` ("1200/≈5000000 rows").
    package var totalEstimated: Bool { total != nil && message.contains("≈") }

    /// 0...1 when a total is known (the run's, or the sum of its resources').
    package var fraction: Double? {
        if status == .done { return 1 }
        guard let o = overall, o.total > 0 else { return nil }
        return min(1, max(0, Double(o.loaded) / Double(o.total)))
    }

    /// Seconds left at the current rate.
    package var eta: Double? {
        guard status == .running, let o = overall, let rate = shownRate, rate > 0, o.total >= o.loaded else { return nil }
        return Double(o.total - o.loaded) / rate
    }

    /// Where the run stands: the source's loaded/total when it reports a total, else the
    /// sum over its resources once one of them has a total (`estimated` while another's
    /// is not known yet: its records so far count as its total, or one's total is the
    /// source's estimate).
    package var overall: (loaded: Int, total: Int, estimated: Bool)? {
        if let total, total > 0 { return (loaded ?? 0, total, totalEstimated || resources.contains(where: \.estimated)) }
        guard resources.contains(where: { $0.total != nil }) else { return nil }
        var sum = (loaded: 0, total: 0, estimated: false)
        for row in resources {
            sum.loaded += row.loaded
            sum.total += max(row.total ?? row.loaded, row.loaded)
            if row.estimated || row.total == nil && (row.status == .waiting || row.status == .reading) { sum.estimated = true }
        }
        return sum.total > 0 ? sum : nil
    }

    /// Records per second: the run's sampled rate, else (none yet, or none written yet)
    /// the sum of its reading resources' rates.
    package var shownRate: Double? {
        if let rate, rate > 0 { return rate }
        let reading = resources.filter { $0.status == .reading }.compactMap(\.rate)
        let sum = reading.reduce(0, +)
        return sum > 0 ? sum : rate
    }

    package func elapsed(now: Double) -> Double { (endedAt ?? now) - startedAt }

    /// The log lines the pane shows, filters applied.
    package var visibleLogLines: [LogLine] { log.lines(matching: filter, problemsOnly: problemsOnly) }

    /// The log lines the pane shows, as shown: `[mm:ss] text` since the run started, or
    /// `[hh:mm:ss] text` in absolute time.
    package var visibleLog: [String] { visibleLogLines.map(shown) }

    package func shown(_ line: LogLine) -> String {
        if absoluteTimes { return "[\(Format.timeOfDay(clockOrigin + line.at))] " + line.text }
        return "[\(Format.clock(max(0, line.at - startedAt)))] " + line.text
    }

    /// The counters of the current attempt's SDK, added to the earlier attempts'.
    package mutating func setAttemptCounters(_ c: SDKCounters) {
        var sum = c
        sum.records += earlier.records
        sum.recordsDelivered += earlier.recordsDelivered
        sum.messages += earlier.messages
        sum.bytes += earlier.bytes
        sum.errors += earlier.errors
        sum.retries += earlier.retries
        sum.sends += earlier.sends
        sum.undelivered += earlier.undelivered
        counters = sum
    }

    /// A retry of `previous` continues its run: its log stays above a divider line, its
    /// counts and progress carry on, and times count from the run's start.
    package mutating func continueRun(_ previous: RunState, now: Double) {
        var kept = LogBuffer(capacity: log.capacity)
        for line in previous.log.lines { kept.append(line) }
        kept.append(LogLine(at: now, Self.divider(attempt: request.attempt)))
        for line in log.lines { kept.append(line) }
        log = kept
        startedAt = previous.startedAt
        earlier = previous.counters
        earlier.inFlight = 0
        earlier.buffered = 0
        earlierRead = previous.recordsRead ?? previous.counters.records
        counters = earlier
        loaded = previous.loaded
        total = previous.total
        rate = previous.rate
    }

    /// The line between two attempts of a run in its log.
    package static func divider(attempt: Int) -> String { "──────── attempt \(attempt) ────────" }

    /// Adds a line stamped with the time of the latest tick.
    package mutating func note(_ text: String, _ level: LogLevel = .info, now: Double) {
        log.append(LogLine(at: now, level: level, text))
    }
}
