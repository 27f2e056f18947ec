import Foundation

extension PanoplySDK {
    /// Waits until every record written so far is acknowledged.
    /// - Throws: ``PanoplyError`` when some of them failed for good (they are kept; see
    ///   ``retryFailed()``), or `CancellationError`.
    public func flush() async throws {
        let (target, r) = state.withLock { s in
            let (target, a) = s.machine.flushRequested()
            return (target, s.take(a))
        }
        perform(r)
        try await waitUntilDelivered(target)
    }

    /// Waits until every record up to sequence number `record` is acknowledged.
    /// - Throws: ``PanoplyError`` when one of them failed for good.
    public func waitUntilDelivered(_ record: UInt64) async throws {
        let id = state.withLock { $0.newWaiter() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                let answer = state.withLock { s -> DeliveryState.WaitAnswer in
                    if Task.isCancelled { return .failed(PanoplyError(.internal, "cancelled", retryable: false)) }
                    let a = s.machine.deliveryWanted(through: record, by: id)
                    if a == .wait { s.flushes[id] = c }
                    return a
                }
                switch answer {
                case .done: c.resume()
                case .wait: break
                case .failed(let e): c.resume(throwing: e)
                }
            }
        } onCancel: {
            let c = state.withLock { s in s.machine.flushCancelled(id) ? s.flushes.removeValue(forKey: id) : nil }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Sends again the messages that failed for good (after the cause was fixed).
    public func retryFailed() {
        handle { $0.retryFailed() }
    }

    /// Stops taking records, delivers the ones written before, then stops the SDK.
    /// A `write` from the moment `close()` is called throws. Records written before are
    /// delivered or, if they cannot be, reported in the thrown error (and kept in the
    /// spool, if any).
    ///
    /// Calling `close` again while a call waits is safe (a shutdown that gives up sooner
    /// does so): each call waits for the same records with its own timeout, and the first
    /// to stop waiting (delivered, failed, or past its deadline) stops the SDK. One that
    /// gives up cancels the sends and backoffs under way, so the records they carry fail
    /// for good and the other call stops waiting too; both return once every worker has
    /// stopped. In effect the shorter deadline wins. No record is sent twice or lost: each
    /// is acknowledged or counted as undelivered (and kept in the spool, if any).
    /// - Parameter timeout: give up waiting after this long (nil waits for the retry policy).
    /// - Throws: ``PanoplyError`` naming how many records stayed undelivered; each call
    ///   throws its own (a call that timed out says so).
    public func close(timeout: Duration? = nil) async throws {
        let (target, r) = state.withLock { s in
            let (target, a) = s.machine.closeRequested()
            return (target, s.take(a))
        }
        perform(r)
        var failure: Error?
        do {
            if let timeout {
                try await withDeadline(timeout) { try await self.waitUntilDelivered(target) }
            } else {
                try await waitUntilDelivered(target)
            }
        } catch { failure = error }
        handle { $0.closeFinished() }
        ticker.withLock { $0?.cancel() }
        let running = tasks.withLock { $0 }
        if failure != nil { for t in running { t.cancel() } }
        for t in running { await t.value }
        spool?.release()
        handle { $0.workersStopped() }
        hub.finish()
        if let failure { throw undelivered(failure) }
    }

    /// `failure` as the error of `close()`, with the count of records not delivered.
    private func undelivered(_ failure: Error) -> PanoplyError {
        let c = counters
        let undelivered = c.records - c.recordsDelivered
        if var e = failure as? PanoplyError {
            if !e.message.contains("not delivered") { e.message = "\(undelivered) records were not delivered: \(e.message)" }
            return e
        }
        return PanoplyError(.transient, "\(undelivered) records were not delivered: \(failure)", retryable: false)
    }
}

/// Runs `body`, throwing a timeout error if it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw PanoplyError(.transient, "timed out after \(limit) waiting for the destination", code: 408, retryable: false)
        }
        let r = try await group.next()!
        group.cancelAll()
        return r
    }
}
