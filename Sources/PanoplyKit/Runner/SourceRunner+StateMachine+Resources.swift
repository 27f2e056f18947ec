import Foundation

extension SourceRunner.StateMachine {
    /// A resource's new progress and the run's overall progress with it, for a
    /// ``RunEvent/resource(_:)`` and a ``RunEvent/progress(loaded:total:message:)`` event.
    struct ResourceUpdate: Sendable {
        var progress: ResourceProgress
        var overall: (loaded: Int, total: Int?, message: String)
    }

    /// A run reads `ids` resource by resource, resuming from `state`; those in `finished`
    /// were read by an earlier attempt. - Returns: every resource's progress, to announce.
    mutating func resourcesPlanned(_ ids: [String], finished: Set<String>, state: JSONObject?) -> [ResourceProgress] {
        for (id, part) in state ?? [:] { if case .object(let o) = part { resourceStates[id] = o } }
        return ids.map { id in
            finished.contains(id) ? board.status(id, .done, message: "finished in an earlier attempt") : board.status(id, .waiting)
        }
    }

    /// Resource `id` starts reading. - Returns: its state so far and the saved params (its
    /// input starts from them: another resource may have rotated a refresh token), and its progress.
    mutating func resourceStarted(_ id: String) -> (state: JSONObject?, savedParams: JSONObject, update: ResourceUpdate) {
        let progress = board.status(id, .reading)
        return (resourceStates[id], ledger.savedParams, changed(progress))
    }

    /// `count` more records of resource `id` were written, and its state is `state` now.
    /// - Returns: its progress, nil when its source reports progress itself.
    mutating func resourceWritten(_ id: String, count: Int, state: JSONObject) -> ResourceUpdate? {
        // The resource's part and the ledger entry change together: every state the ledger
        // holds has its records written already. Only this resource's part is handed over,
        // so the cost does not grow with the number of resources.
        resourceStates[id] = state
        batchRead(id, state)
        let progress = board.written(id, count)
        return board.reportsProgress(id) ? nil : changed(progress)
    }

    /// Resource `id` was read to its end: it joins the finished ones in the run's state.
    mutating func resourceFinished(_ id: String) -> ResourceUpdate {
        readToEnd(id)
        let progress = board.status(id, .done)
        return changed(progress)
    }

    /// Resource `id` failed (the others go on).
    mutating func resourceFailed(_ id: String, error: PanoplyError) -> ResourceUpdate {
        let progress = board.status(id, .failed, message: error.message, error: error)
        return changed(progress)
    }

    /// The source reading resource `id` reported its progress.
    mutating func resourceReported(_ id: String, loaded: Int?, total: Int?, message: String, estimated: Bool = false) -> ResourceUpdate {
        let progress = board.reported(id, loaded: loaded, total: total, message: message, estimated: estimated)
        return changed(progress)
    }

    /// A source that reads its resources itself wrote records tagged with them, `counts`
    /// per resource in `order`. - Returns: their progress.
    mutating func taggedWritten(_ order: [String], counts: [String: Int]) -> [ResourceProgress] {
        order.map { board.written($0, counts[$0] ?? 0) }
    }

    /// A source that reads its resources itself reached its end. - Returns: every resource, done.
    mutating func instanceEnded() -> [ResourceProgress] {
        board.order.map { board.status($0, .done) }
    }

    /// Call it with a progress already taken, never as `changed(board.status(...))`: a
    /// method call on `self` takes a copy of it before its argument changes the board,
    /// and the board's change would then copy every resource (copy on write).
    private func changed(_ progress: ResourceProgress) -> ResourceUpdate {
        ResourceUpdate(progress: progress, overall: board.overall)
    }
}
