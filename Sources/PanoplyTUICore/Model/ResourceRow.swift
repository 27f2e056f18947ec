import PanoplyKit

/// One row of the run view's resources table: where one table, file or endpoint of the
/// run stands, from its ``RunEvent/resource(_:)`` events.
package struct ResourceRow: Sendable, Equatable {
    package var id: String
    package var status: ResourceStatus
    package var loaded = 0
    package var total: Int?
    /// True when ``total`` is the source's estimate (``ResourceProgress/estimated``, or `≈`
    /// in its progress message), not a count: shown as `≈`.
    package var estimated = false
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
        if let t = p.total {
            total = t
            // The runner's flag; a source that only says it in its message ("1200/≈5000000 rows").
            estimated = p.estimated || p.message.contains("≈")
        }
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
    /// A resource's progress: its row is updated, or added in the order first seen. The
    /// row is found by ``resourceIndex``, so a run of thousands of resources folds each
    /// event in constant time.
    package mutating func apply(_ p: ResourceProgress, now: Double) {
        if let i = rowIndex(of: p.id) {
            resources[i].update(p, now: now)
        } else {
            var row = ResourceRow(id: p.id, status: p.status)
            row.update(p, now: now)
            resourceIndex[p.id] = resources.count
            if destinationTables.rows == resources.count { destinationTables.add(destinationTable(of: p.id)) }
            resources.append(row)
        }
    }

    /// The row of `id`; the index is rebuilt when ``resources`` was replaced as a whole
    /// (a run owned elsewhere takes its rows from the owner's snapshot).
    private mutating func rowIndex(of id: String) -> Int? {
        if let i = resourceIndex[id], resources.indices.contains(i), resources[i].id == id { return i }
        guard resourceIndex.count != resources.count || resourceIndex[id] != nil else { return nil }
        resourceIndex = Dictionary(resources.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        return resourceIndex[id]
    }

    /// How many resources have each status (one pass over the rows).
    package var resourceCounts: [ResourceStatus: Int] {
        var counts: [ResourceStatus: Int] = [:]
        for row in resources { counts[row.status, default: 0] += 1 }
        return counts
    }

    /// "3/12 done · 1 failed": the table's title counts.
    package var resourceSummary: String {
        let counts = resourceCounts
        let failed = counts[.failed] ?? 0
        return "\(Format.count(counts[.done] ?? 0))/\(Format.count(resources.count)) done" + (failed > 0 ? " · \(Format.count(failed)) failed" : "")
    }

    /// "4,812 done, 3 reading, 185 waiting": every status that has rows, for a table with
    /// more rows than it shows.
    package var resourceBreakdown: String {
        let counts = resourceCounts
        let order: [ResourceStatus] = [.done, .reading, .failed, .waiting]
        let parts = order.compactMap { status in counts[status].map { "\(Format.count($0)) \(status.rawValue)" } }
        return parts.joined(separator: ", ")
    }

    /// The table as the run's history keeps it: counts, and the failed resources' errors.
    package var resourceTally: ResourceTally {
        var tally = ResourceTally()
        for row in resources { tally.add(id: row.id, status: row.status, loaded: row.loaded, error: row.error) }
        return tally
    }
}
