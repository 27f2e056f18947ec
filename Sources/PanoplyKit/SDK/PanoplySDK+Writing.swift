import Foundation

extension PanoplySDK {
    /// Buffers one record for `table`; it gets `"__table": table`.
    ///
    /// Synchronous and cheap; callable from any thread or task.
    /// - Returns: the record's sequence number (see ``deliveredThrough``).
    /// - Throws: ``PanoplyError`` for a non-finite number, a record that can never fit in
    ///   one message, a full buffer (use the `async` overload to wait instead), or an SDK
    ///   that is closing or closed.
    @discardableResult
    public func write(_ table: String, _ record: JSONObject) throws -> UInt64 {
        try append(table: table) { try JSONWriter.writeRecord(record, table: table, into: &$0) }
    }

    /// Like `write`, but waits while the buffer is full instead of throwing; it waits as
    /// often as it must (other writers may take the room first).
    /// - Throws: as `write`; ``PanoplyError`` when the buffer is full of messages that
    ///   failed for good, so room would never come; `CancellationError` when the task is
    ///   cancelled while it waits (the record is not written then).
    @discardableResult
    public func writeWithBackpressure(_ table: String, _ record: JSONObject) async throws -> UInt64 {
        while true {
            if case .written(let seq) = try appendIfRoom(table: table, encode: { try JSONWriter.writeRecord(record, table: table, into: &$0) }) {
                return seq
            }
            if let stuck = try await capacityAnswer() { throw stuck }
        }
    }

    /// Writes an `Encodable` value, which must encode as a JSON object.
    /// - Throws: ``PanoplyError`` when it does not encode, or as the `JSONObject` overload.
    @discardableResult
    public func write<T: Encodable>(_ table: String, encoding value: T) throws -> UInt64 {
        let data: Data
        do { data = try JSONEncoder().encode(value) } catch {
            throw PanoplyError(.config, "record for table '\(table)' cannot be encoded as JSON: \(error)", code: 422)
        }
        guard case .object(let o) = try JSONParser.parse([UInt8](data)) else {
            throw PanoplyError(.config, "record for table '\(table)' must encode as a JSON object", code: 422)
        }
        return try write(table, o)
    }

    /// Appends one record whose JSON the caller writes. `encode` must append one valid
    /// JSON object that carries `"__table": table`.
    func append(table: String, encode: (inout [UInt8]) throws -> Void) throws -> UInt64 {
        switch try appendIfRoom(table: table, encode: encode) {
        case .written(let seq): return seq
        case .full(let bytes):
            throw PanoplyError(
                .rateLimit, "the SDK buffer is full (\(bytes) bytes waiting for the destination); wait and write again, or use the async write", code: 429,
                retryable: true)
        }
    }

    enum Appended { case written(UInt64), full(bytes: Int) }

    func appendIfRoom(table: String, encode: (inout [UInt8]) throws -> Void) throws -> Appended {
        let (appended, r) = try state.withLock { s -> (Appended, Resumptions?) in
            switch try s.machine.write(now: self.now(), table: table, encode: encode) {
            case .full: return (.full(bytes: s.machine.bufferedBytes), nil)
            case .written(let seq): return (.written(seq), nil)
            case .sealed(let seq, let a): return (.written(seq), s.take(a))
            }
        }
        if let r { perform(r) }
        return appended
    }

    /// Whether a `write` now would be within the buffer limit.
    public var hasCapacity: Bool { state.withLock { !$0.machine.isFull } }

    /// The error to report when the buffer is full of messages that failed for good, so
    /// waiting for room would wait forever; nil otherwise.
    public var stuckError: PanoplyError? { state.withLock { $0.machine.stuckError } }

    /// Suspends until the buffer has room, the SDK is closing, messages failed for good
    /// (check ``stuckError``), or the task is cancelled (check `Task.isCancelled`: a
    /// cancelled task returns at once). Another writer may take the room first: check again.
    public func waitForCapacity() async { _ = try? await capacityAnswer() }

    /// Waits once for room; returns the error when room will not come.
    /// - Throws: `CancellationError` when the task is cancelled, before or while it waits:
    ///   the waiter is taken out under the lock, so it is resumed once, by whichever of
    ///   room and cancellation comes first.
    func capacityAnswer() async throws -> PanoplyError? {
        let id = state.withLock { $0.newWaiter() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<PanoplyError?, Error>) in
                let answer = state.withLock { s -> DeliveryState.WaitAnswer? in
                    // Cancelled before the handler could find this waiter: never wait.
                    if Task.isCancelled { return nil }
                    let a = s.machine.capacityWanted(by: id)
                    if a == .wait { s.writers[id] = c }
                    return a
                }
                switch answer {
                case nil: c.resume(throwing: CancellationError())
                case .wait?: break
                case .done?: c.resume(returning: nil)
                case .failed(let e)?: c.resume(returning: e)
                }
            }
        } onCancel: {
            let c = state.withLock { s in s.machine.capacityCancelled(id) ? s.writers.removeValue(forKey: id) : nil }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Seals the open message if the flush interval has passed (the background timer calls this).
    public func tick() {
        let t = now()
        handle { $0.tick(now: t) }
    }

    /// Runs an event on the state machine under the lock, then performs its actions.
    func handle(_ event: (inout DeliveryState) -> DeliveryState.Actions) {
        let r = state.withLock { s -> Resumptions? in
            let a = event(&s.machine)
            return a.isEmpty ? nil : s.take(a)
        }
        if let r { perform(r) }
    }

    /// Resumes the waiters an event released, and spools the messages it sealed.
    func perform(_ r: Resumptions) {
        r.resume()
        for m in r.store { store(m) }
    }

    /// Spools a sealed message, then lets it be sent. When the spool cannot take it (disk
    /// full, permissions), the message is still sent from memory and an error event says
    /// it is not crash-safe; dropping it would lose its records for sure.
    private func store(_ m: OutgoingMessage) {
        if let spool {
            do { try spool.store(m) } catch {
                let e = PanoplyError(
                    .internal,
                    "\(error.message); sending message \(m.number) from memory: its \(m.recordCount) records are lost if the process dies before it is acknowledged",
                    retryable: true)
                state.withLock { $0.machine.errorReported() }
                hub.emit(.error(SDKErrorInfo(error: e, messages: [MessageInfo(m, attempt: 0)], willRetry: true)), kind: .error)
            }
        }
        handle { $0.spooled(m) }
    }
}
