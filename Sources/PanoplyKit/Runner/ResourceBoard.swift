/// The progress of every resource of a run, as a value: each change returns the
/// resource's new ``ResourceProgress`` for a ``RunEvent/resource(_:)`` event, and
/// ``overall`` sums them for the run's `.progress` event.
struct ResourceBoard: Sendable {
    private(set) var order: [String] = []
    private var items: [String: Item] = [:]

    private struct Item {
        var progress: ResourceProgress
        /// Records written this run.
        var written = 0
        /// The `loaded` the source reported (it counts earlier attempts of a resumed run).
        var reported: Int?
    }

    var isEmpty: Bool { order.isEmpty }

    subscript(id: String) -> ResourceProgress? { items[id]?.progress }

    /// The resources whose status is `status`.
    func ids(_ status: ResourceStatus) -> [String] { order.filter { items[$0]?.progress.status == status } }

    /// A resource changed status (it is added when new).
    mutating func status(_ id: String, _ status: ResourceStatus, message: String? = nil, error: PanoplyError? = nil) -> ResourceProgress {
        update(id) { item in
            item.progress.status = status
            if let message { item.progress.message = message }
            item.progress.error = error
        }
    }

    /// The source reading `id` reported progress (`estimated`: its total is an estimate).
    mutating func reported(_ id: String, loaded: Int?, total: Int?, message: String, estimated: Bool = false) -> ResourceProgress {
        update(id) { item in
            if let loaded { item.reported = loaded }
            if let total {
                item.progress.total = total
                item.progress.estimated = estimated
            }
            if !message.isEmpty { item.progress.message = message }
        }
    }

    /// `count` more records of `id` were written.
    mutating func written(_ id: String, _ count: Int) -> ResourceProgress {
        update(id) { item in
            item.written += count
            if item.progress.status == .waiting { item.progress.status = .reading }
        }
    }

    /// Whether the source reading `id` reports its own progress (then a written batch
    /// needs no event of its own).
    func reportsProgress(_ id: String) -> Bool { items[id]?.reported != nil }

    /// The sum over every resource: loaded, total (nil while one is unknown) and a line.
    var overall: (loaded: Int, total: Int?, message: String) {
        let all = order.compactMap { items[$0]?.progress }
        let loaded = all.reduce(0) { $0 + $1.loaded }
        let totals = all.compactMap(\.total)
        let total = totals.count == all.count ? totals.reduce(0, +) : nil
        let done = all.filter { $0.status == .done }.count
        let failed = all.filter { $0.status == .failed }.count
        let message = "\(done)/\(all.count) resources done\(failed > 0 ? ", \(failed) failed" : ""), \(loaded) records"
        return (loaded, total, message)
    }

    private mutating func update(_ id: String, _ change: (inout Item) -> Void) -> ResourceProgress {
        if items[id] == nil {
            order.append(id)
            items[id] = Item(progress: ResourceProgress(id: id, status: .waiting))
        }
        change(&items[id]!)
        items[id]!.progress.loaded = items[id]!.reported ?? items[id]!.written
        return items[id]!.progress
    }
}
