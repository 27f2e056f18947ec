import Foundation

extension PanoplySDK {
    func startWorkers(autoTick: Bool) {
        var started: [Task<Void, Never>] = []
        for _ in 0..<configuration.concurrency {
            started.append(Task.detached { [self] in await self.workerLoop() })
        }
        if autoTick {
            let every = min(max(configuration.flushInterval / 4, .milliseconds(10)), .milliseconds(250))
            ticker.withLock {
                $0 = Task.detached { [weak self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: every)
                        guard let self, self.state.withLock({ $0.machine.lifecycle }) == .open else { return }
                        self.tick()
                    }
                }
            }
        }
        tasksAppend(started)
    }

    private func nextBatch() async -> [OutgoingMessage]? {
        await withCheckedContinuation { (c: CheckedContinuation<[OutgoingMessage]?, Never>) in
            let answer = state.withLock { s -> DeliveryState.WorkAnswer in
                let id = s.newWaiter()
                let a = s.machine.workWanted(by: id)
                if case .wait = a { s.workers[id] = c }
                return a
            }
            switch answer {
            case .batch(let batch): c.resume(returning: batch)
            case .stop: c.resume(returning: nil)
            case .wait: break
            }
        }
    }

    private func workerLoop() async {
        while var batch = await nextBatch() {
            await deliver(batch)
            state.withLock { $0.machine.finished(&batch) }
        }
    }

    /// Sends one batch, retrying what fails with backoff, until each message is
    /// acknowledged or has failed for good.
    func deliver(_ batch: [OutgoingMessage]) async {
        var remaining = batch
        var attempt = 1
        while !remaining.isEmpty {
            state.withLock { $0.machine.sendStarted(count: remaining.count) }
            for m in remaining { hub.emit(.send(MessageInfo(m, attempt: attempt)), kind: .send) }
            var retry: [(OutgoingMessage, TransportError)] = []
            var permanent: [(OutgoingMessage, TransportError)] = []
            do {
                let results = try await transport.send(remaining)
                for (i, m) in remaining.enumerated() {
                    // A transport that answers fewer results than messages must not leave
                    // the rest in flight forever: a missing result is a retryable failure.
                    let r = i < results.count ? results[i] : .failure(Self.missingResult(m, results: results.count, messages: remaining.count))
                    switch r {
                    case .success(let id): acknowledge(m, id: id, attempt: attempt)
                    case .failure(let e): if e.retryable { retry.append((m, e)) } else { permanent.append((m, e)) }
                    }
                }
            } catch {
                let e =
                    (error as? TransportError)
                    ?? TransportError(
                        code: error is CancellationError ? "Cancelled" : "Transport", message: "\(error)", retryable: !(error is CancellationError))
                for m in remaining { if e.retryable { retry.append((m, e)) } else { permanent.append((m, e)) } }
            }
            for (m, e) in permanent { sendFailed([m], e.panoplyError, attempt: attempt) }
            guard !retry.isEmpty else { return }
            let messages = retry.map(\.0)
            guard let delay = sendFailed(messages, retry[0].1.panoplyError, attempt: attempt) else { return }
            do {
                try await Task.sleep(for: delay)
            } catch {
                let e = PanoplyError(.transient, "stopped while retrying: \(error.message)", retryable: false)
                fail(messages, e, attempt: attempt) { $0.retryCancelled(messages, error: e) }
                return
            }
            attempt += 1
            remaining = messages
        }
    }

    /// Attempt `attempt` to send `messages` failed: ``DeliveryState`` decides whether they
    /// are sent again (and reports the error as one to retry) or fail for good.
    /// - Returns: the wait before the next attempt, nil when they failed for good.
    private func sendFailed(_ messages: [OutgoingMessage], _ error: PanoplyError, attempt: Int) -> Duration? {
        let cancelled = Task.isCancelled, random = Double.random(in: 0...1)
        var delay: Duration?
        fail(messages, error, attempt: attempt) { machine in
            switch machine.sendFailed(messages, error: error, attempt: attempt, cancelled: cancelled, random: random) {
            case .retry(let after): delay = after; return nil
            case .fail(let actions): return actions
            }
        }
        return delay
    }

    /// The failure of a message the transport returned no result for.
    static func missingResult(_ m: OutgoingMessage, results: Int, messages: Int) -> TransportError {
        TransportError(
            code: "MissingResult",
            message: "the destination gave no result for message \(m.number) (it answered \(results) results for \(messages) messages)",
            retryable: true)
    }

    private func acknowledge(_ m: OutgoingMessage, id: String, attempt: Int) {
        spool?.remove(m)
        handle { $0.acknowledged(m) }
        hub.emit(.flush(MessageInfo(m, attempt: attempt), messageId: id), kind: .flush)
    }

    /// Runs a failure event on the machine and reports the error: to retry when the event
    /// returns no actions (nil), else failed for good, performing the actions.
    private func fail(
        _ ms: [OutgoingMessage], _ error: PanoplyError, attempt: Int, _ event: (inout DeliveryState) -> DeliveryState.Actions?
    ) {
        let r = state.withLock { s in event(&s.machine).map { s.take($0) } }
        let info = SDKErrorInfo(error: error, messages: ms.map { MessageInfo($0, attempt: attempt) }, willRetry: r == nil)
        hub.emit(.error(info), kind: .error)
        if let r { perform(r) }
    }

    /// Queues the messages a previous process left in the spool, before anything new.
    func recover(from spool: Spool) throws {
        for (_, url) in Spool.existing(in: spool.directory) {
            let body: [UInt8]
            switch Spool.read(url) {
            case .success(let b): body = b
            case .failure(let e):
                reportSpoolError(e)
                continue
            }
            guard let n = Spool.recordCount(body), n > 0 else {
                let dest = spool.setAside(url)
                let e = PanoplyError(.internal, "spool file \(url.lastPathComponent) is not a valid message; moved to \(dest.path)", retryable: false)
                reportSpoolError(e)
                continue
            }
            let r = state.withLock { s in
                let (m, a) = s.machine.recovered(body: body, recordCount: n)
                spool.adopt(url, as: m.number)  // before a worker can send (and acknowledge) it
                return s.take(a)
            }
            perform(r)
        }
    }

    private func reportSpoolError(_ e: PanoplyError) {
        state.withLock { $0.machine.errorReported() }
        hub.emit(.error(SDKErrorInfo(error: e, messages: [], willRetry: false)), kind: .error)
    }
}

extension Error {
    var message: String { (self as? PanoplyError)?.message ?? "\(self)" }
}
