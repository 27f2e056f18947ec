/// The progress of every resource of a run, as a value: each change returns the
/// resource's new ``ResourceProgress`` for a ``RunEvent/resource(_:)`` event, and
/// ``overall`` sums them for the run's `.progress` event.
///
/// Every change costs the same however many resources there are: the items are changed in
/// place (the board is kept in the runner's lock, with no second reference to copy on
/// write), and ``overall`` comes from running sums that each change keeps up to date.
struct ResourceBoard: Sendable {
    private(set) var order: [String] = []
    private var items: [String: Item] = [:]
    private var sums = Sums()

    /// What ``overall`` sums, kept as resources change.
    private struct Sums {
        var loaded = 0
        var total = 0
        /// Resources whose total is known.
        var withTotal = 0
        var done = 0
        var failed = 0

        mutating func add(_ p: ResourceProgress, _ sign: Int) {
            loaded += sign * p.loaded
            if let t = p.total {
                total += sign * t
                withTotal += sign
            }
            if p.status == .done { done += sign }
            if p.status == .failed { failed += sign }
        }
    }

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
        let total = sums.withTotal == order.count ? sums.total : nil
        let failed = sums.failed > 0 ? ", \(sums.failed) failed" : ""
        return (sums.loaded, total, "\(sums.done)/\(order.count) resources done\(failed), \(sums.loaded) records")
    }

    private mutating func update(_ id: String, _ change: (inout Item) -> Void) -> ResourceProgress {
        if items[id] == nil { order.append(id) }
        // In place: the item is changed inside the dictionary's storage, not copied out.
        return Self.change(&items[id, default: Item(progress: ResourceProgress(id: id, status: .waiting))], &sums, change)
    }

    private static func change(_ item: inout Item, _ sums: inout Sums, _ change: (inout Item) -> Void) -> ResourceProgress {
        sums.add(item.progress, -1)
        change(&item)
        item.progress.loaded = item.reported ?? item.written
        sums.add(item.progress, 1)
        return item.progress
    }
}
