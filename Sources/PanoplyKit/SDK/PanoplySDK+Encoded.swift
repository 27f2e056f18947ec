import Foundation

extension PanoplySDK {
    /// What one pass of ``writeSpliced(_:_:from:stateId:resource:)`` did: the records before
    /// `next` are written (the last one as `lastSeq`), and why it stopped before the end.
    struct EncodedPass {
        enum Stop {
            /// The buffer is full: wait for room, then go on from `next`.
            case full
            /// Record `next` must be parsed and written as an object.
            case parse
            /// Record `next` could not be written.
            case failed(PanoplyError)
        }
        var next: Int
        var lastSeq: UInt64?
        var stop: Stop?
    }

    /// Writes the records of `batch` from `start` on for `table` under one lock, each with
    /// the runner's keys spliced in before its closing brace: `__state` and `__resource`
    /// (when given), then `__table`. Stops at the end, at a full buffer, after a record that
    /// sealed a message (whose actions are performed first), at a record the batch marked
    /// for parsing, and at a record that cannot be written.
    func writeSpliced(_ table: String, _ batch: EncodedRecords, from start: Int, stateId: String?, resource: String?) -> EncodedPass {
        let t = now()
        let keys = Self.runnerKeys(table: table, state: stateId, resource: resource)
        let (pass, resumptions) = batch.bytes.withUnsafeBufferPointer { bytes in
            state.withLock { s -> (EncodedPass, Resumptions?) in
                var pass = EncodedPass(next: start)
                while pass.next < batch.count {
                    let entry = batch.entries[pass.next]
                    guard entry.close >= 0 else { pass.stop = .parse; return (pass, nil) }
                    let outcome: DeliveryState.WriteOutcome
                    do {
                        outcome = try s.machine.write(now: t, table: table) { out in
                            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[entry.start..<entry.close]))
                            // After `{` of an empty object, the keys go without their comma.
                            out.append(contentsOf: entry.isEmpty ? keys.dropFirst() : keys[...])
                        }
                    } catch {
                        pass.stop = .failed(error.asPanoplyError)
                        return (pass, nil)
                    }
                    switch outcome {
                    case .full:
                        pass.stop = .full
                        return (pass, nil)
                    case .written(let seq):
                        pass.lastSeq = seq
                        pass.next += 1
                    case .sealed(let seq, let actions):
                        pass.lastSeq = seq
                        pass.next += 1
                        return (pass, s.take(actions))
                    }
                }
                return (pass, nil)
            }
        }
        if let resumptions { perform(resumptions) }
        return pass
    }

    /// Writes record `i` of `batch`, which the batch marked for parsing, as ``write(_:_:)``
    /// writes an object: the runner's keys where the record has none of its own, waiting
    /// while the buffer is full.
    func writeParsed(_ table: String, _ batch: EncodedRecords, at i: Int, stateId: String?, resource: String?) async throws -> UInt64 {
        guard case .object(var record) = try JSONParser.parse(Array(batch[i])) else {
            throw PanoplyError(.config, "expected a JSON object", code: 422, retryable: false)
        }
        if record["__state"] == nil, let stateId { record["__state"] = .string(stateId) }
        if let resource, record[SourceResource.recordKey] == nil { record[SourceResource.recordKey] = .string(resource) }
        return try await writeWithBackpressure(table, record)
    }

    /// Waits for room in the buffer.
    /// - Throws: ``PanoplyError`` when room will never come (messages failed for good);
    ///   `CancellationError` when the task is cancelled while it waits.
    func waitForRoom() async throws {
        if let stuck = try await capacityAnswer() { throw stuck }
    }

    /// The runner's keys for every record of a pass, as JSON text to put before a
    /// record's closing brace: `,"__state":S,"__resource":R,"__table":T}`.
    static func runnerKeys(table: String, state: String?, resource: String?) -> [UInt8] {
        var out: [UInt8] = []
        if let state { out.append(contentsOf: stateKey); JSONWriter.writeString(state, into: &out) }
        if let resource { out.append(contentsOf: resourceKey); JSONWriter.writeString(resource, into: &out) }
        out.append(contentsOf: encodedTableKey)
        JSONWriter.writeString(table, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Each key with the comma before it.
    private static let stateKey: [UInt8] = Array(#","__state":"#.utf8)
    private static let resourceKey: [UInt8] = Array(#","__resource":"#.utf8)
    private static let encodedTableKey: [UInt8] = Array(#","__table":"#.utf8)
}
