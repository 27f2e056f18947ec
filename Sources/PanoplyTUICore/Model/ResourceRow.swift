import PanoplyKit

/// One row of the run view's resources table: where one table, file or endpoint of the
/// run stands, from its ``RunEvent/resource(_:)`` events.
package struct ResourceRow: Sendable, Equatable {
    package var id: String
    package var status: ResourceStatus
    package var loaded = 0
    package var total: Int?
    package var message = ""
    package var error: String?
    /// When it started reading and when it ended (done or failed), in tick time.
    package var startedAt: Double?
    package var endedAt: Double?
    /// Records per second: sampled on ticks while reading, the average once ended.
    package var rate: Double?
    package var sampleAt: Double?
    package var sampleLoaded = 0

    package init(id: String, status: ResourceStatus) {
        self.id = id
        self.status = status
    }

    /// 0...1 when the total is known (1 once done).
    package var fraction: Double? {
        if status == .done { return 1 }
        guard let total, total > 0 else { return nil }
        return min(1, max(0, Double(loaded) / Double(total)))
    }

    /// Folds in one progress event at time `now`.
    package mutating func update(_ p: ResourceProgress, now: Double) {
        status = p.status
        loaded = p.loaded
        if let t = p.total { total = t }
        if !p.message.isEmpty { message = p.message }
        error = p.error?.message
        switch p.status {
        case .waiting: break
        case .reading: if startedAt == nil { startedAt = now }
        case .done, .failed:
            if endedAt == nil { endedAt = now }
            if let start = startedAt, now > start { rate = Double(loaded) / (now - start) }
        }
    }

    /// Takes a rate sample at most once a second while reading.
    package mutating func sample(now: Double) {
        guard status == .reading else { return }
        guard let at = sampleAt else {
            sampleAt = now
            sampleLoaded = loaded
            return
        }
        guard now - at >= 1 else { return }
        let instant = Double(loaded - sampleLoaded) / (now - at)
        rate = rate.map { 0.5 * $0 + 0.5 * instant } ?? instant
        sampleAt = now
        sampleLoaded = loaded
    }
}

extension RunState {
    /// A resource's progress: its row is updated, or added in the order first seen.
    package mutating func apply(_ p: ResourceProgress, now: Double) {
        if let i = resources.firstIndex(where: { $0.id == p.id }) {
            resources[i].update(p, now: now)
        } else {
            var row = ResourceRow(id: p.id, status: p.status)
            row.update(p, now: now)
            resources.append(row)
        }
    }

    /// "3/12 done · 1 failed": the table's title counts.
    package var resourceSummary: String {
        let done = resources.filter { $0.status == .done }.count
        let failed = resources.filter { $0.status == .failed }.count
        return "\(done)/\(resources.count) done" + (failed > 0 ? " · \(failed) failed" : "")
    }
}
