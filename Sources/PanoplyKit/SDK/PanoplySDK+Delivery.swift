import Foundation

extension PanoplySDK {
    func startWorkers(autoTick: Bool) {
        var started: [Task<Void, Never>] = []
        for _ in 0..<configuration.concurrency {
            started.append(Task.detached { [self] in await self.workerLoop() })
        }
        if autoTick {
            let every = min(max(configuration.flushInterval / 4, .milliseconds(10)), .milliseconds(250))
            ticker.withLock { $0 = Task.detached { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: every)
                    guard let self, !self.state.withLock({ $0.closed }) else { return }
                    self.tick()
                }
            } }
        }
        tasksAppend(started)
    }

    private func nextBatch() async -> [OutgoingMessage]? {
        await withCheckedContinuation { (c: CheckedContinuation<[OutgoingMessage]?, Never>) in
            let batch = state.withLock { s -> [OutgoingMessage]?? in
                if s.pendingCount > 0 { return .some(s.takeBatch(maxCount: transport.maxBatchCount, maxBytes: transport.maxBatchBytes)) }
                if s.closed { return .some(nil) }
                s.workerWaiters.append(c)
                return nil
            }
            if let batch { c.resume(returning: batch) }
        }
    }

    private func workerLoop() async {
        while let batch = await nextBatch() {
            await deliver(batch)
        }
    }

    /// Sends one batch, retrying what fails with backoff, until each message is
    /// acknowledged or has failed for good.
    func deliver(_ batch: [OutgoingMessage]) async {
        var remaining = batch
        var attempt = 1
        while !remaining.isEmpty {
            state.withLock { $0.counters.sends += remaining.count }
            for m in remaining { hub.emit(.send(MessageInfo(m, attempt: attempt)), kind: .send) }
            var retry: [(OutgoingMessage, TransportError)] = []
            var permanent: [(OutgoingMessage, TransportError)] = []
            do {
                let results = try await transport.send(remaining)
                for (m, r) in zip(remaining, results) {
                    switch r {
                    case .success(let id): acknowledge(m, id: id, attempt: attempt)
                    case .failure(let e): if e.retryable { retry.append((m, e)) } else { permanent.append((m, e)) }
                    }
                }
            } catch {
                let e = (error as? TransportError)
                    ?? TransportError(code: error is CancellationError ? "Cancelled" : "Transport", message: "\(error)", retryable: !(error is CancellationError))
                for m in remaining { if e.retryable { retry.append((m, e)) } else { permanent.append((m, e)) } }
            }
            for (m, e) in permanent { fail([m], e.panoplyError, attempt: attempt) }
            guard !retry.isEmpty else { return }
            let error = retry[0].1.panoplyError
            let messages = retry.map(\.0)
            guard configuration.retry.allowsRetry(afterAttempt: attempt), !Task.isCancelled else {
                fail(messages, error, attempt: attempt)
                return
            }
            state.withLock { $0.counters.errors += 1; $0.counters.retries += 1 }
            hub.emit(.error(SDKErrorInfo(error: error, messages: messages.map { MessageInfo($0, attempt: attempt) }, willRetry: true)), kind: .error)
            do {
                try await Task.sleep(for: configuration.retry.delay(forRetry: attempt, random: Double.random(in: 0...1)))
            } catch {
                fail(messages, PanoplyError(.transient, "stopped while retrying: \(error.message)", retryable: false), attempt: attempt, countError: false)
                return
            }
            attempt += 1
            remaining = messages
        }
    }

    private func acknowledge(_ m: OutgoingMessage, id: String, attempt: Int) {
        spool?.remove(m)
        state.withLock { $0.acknowledged(m) }.resume()
        hub.emit(.flush(MessageInfo(m, attempt: attempt), messageId: id), kind: .flush)
    }

    private func fail(_ ms: [OutgoingMessage], _ error: PanoplyError, attempt: Int, countError: Bool = true) {
        var wakeups: [DeliveryState.Wakeups] = []
        state.withLock { s in
            if countError { s.counters.errors += 1 }
            for m in ms { wakeups.append(s.failed(m, error: error)) }
        }
        hub.emit(.error(SDKErrorInfo(error: error, messages: ms.map { MessageInfo($0, attempt: attempt) }, willRetry: false)), kind: .error)
        for w in wakeups { w.resume() }
    }

    /// Queues the messages a previous process left in the spool, before anything new.
    func recover(from spool: Spool) throws {
        for (_, url) in Spool.existing(in: spool.directory) {
            let body: [UInt8]
            switch Spool.read(url) {
            case .success(let b): body = b
            case .failure(let e):
                state.withLock { $0.counters.errors += 1 }
                hub.emit(.error(SDKErrorInfo(error: e, messages: [], willRetry: false)), kind: .error)
                continue
            }
            guard let n = Spool.recordCount(body), n > 0 else {
                let dest = spool.setAside(url)
                let e = PanoplyError(.internal, "spool file \(url.lastPathComponent) is not a valid message; moved to \(dest.path)", retryable: false)
                state.withLock { $0.counters.errors += 1 }
                hub.emit(.error(SDKErrorInfo(error: e, messages: [], willRetry: false)), kind: .error)
                continue
            }
            let m = state.withLock { s -> OutgoingMessage in
                s.counters.records += n
                s.counters.buffered += n
                return s.batcher.adopt(body: body, recordCount: n)
            }
            spool.adopt(url, as: m.number)
            state.withLock { $0.sealed(m, maxCount: transport.maxBatchCount, maxBytes: transport.maxBatchBytes) }.resume()
        }
    }
}

extension Error {
    var message: String { (self as? PanoplyError)?.message ?? "\(self)" }
}
