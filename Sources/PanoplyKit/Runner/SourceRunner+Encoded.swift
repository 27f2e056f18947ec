import Foundation

/// Reading a source of encoded records (``EncodedRecordSource``): one batch is read ahead
/// while the runner writes the one before it, so the source and the writer each keep a core
/// busy. A batch's state and progress are reported when the runner takes it, so the merged
/// state never covers the batch still being read.
extension SourceRunner {
    /// Reads `source` to its end; `written(batch)` runs after each batch's records are written.
    /// - Returns: the number of records read.
    func readEncoded(
        _ source: any EncodedRecordSource, context: SourceContext, table: String, resource: String?, fields: FieldSettings,
        written: (EncodedRecords) -> Void
    ) async throws -> Int {
        let size = options.batchSize
        // The field settings are applied in the read-ahead task: beside the writer, not in it.
        let shaping = BatchShaping(self, fields: fields, resource: resource)
        var ahead = Task { try await self.readShaped(source, size, shaping) }
        var total = 0
        var positions = RecordPositions()
        do {
            while true {
                try Task.checkCancellation()
                let taken = ahead
                guard var batch = try await withTaskCancellationHandler(operation: { try await taken.value }, onCancel: { taken.cancel() }) else { break }
                try Task.checkCancellation()
                // Reported before the next read starts, so progress never goes backwards.
                batch.report(to: context)
                ahead = Task { try await self.readShaped(source, size, shaping) }
                try await write(batch, stateId: context.currentStateId, table: table, resource: resource, position: &positions)
                total += batch.count
                written(batch)
                let wasEmpty = batch.isEmpty
                // The finished task holds the batch too: let it go first, so the buffer is
                // recycled in place rather than copied.
                _ = consume taken
                batch.recycle()
                if wasEmpty { await Task.yield() }
            }
        } catch {
            // The source is closed after this: no read may still be running in it.
            ahead.cancel()
            _ = try? await ahead.value
            throw error
        }
        return total
    }

    /// Writes one encoded batch's records (with `__state` and `__resource`), as
    /// ``write(_:stateId:table:resource:position:)`` writes objects: many records per lock,
    /// waiting for room when the buffer is full.
    private func write(_ batch: EncodedRecords, stateId: String?, table: String, resource: String?, position: inout RecordPositions) async throws {
        var i = 0
        while i < batch.count {
            let pass = sdk.writeSpliced(table, batch, from: i, stateId: stateId, resource: resource)
            if let seq = pass.lastSeq { life { $0.recordWritten(seq) } }
            i = pass.next
            switch pass.stop {
            case nil: continue
            case .full?: try await sdk.waitForRoom()
            case .parse?:
                do {
                    let seq = try await sdk.writeParsed(table, batch, at: i, stateId: stateId, resource: resource)
                    life { $0.recordWritten(seq) }
                } catch let e as PanoplyError where e.code == 422 {
                    try invalid(e, at: position.next(resource: resource, skipping: i))
                }
                i += 1
            case .failed(let e)?:
                guard e.code == 422 else { throw e }
                try invalid(e, at: position.next(resource: resource, skipping: i))
                i += 1
            }
        }
        position.advance(resource: resource, by: batch.count)
    }

    /// A record that cannot be written: fails the run, or with ``RunOptions/onInvalid``
    /// `.skip` is logged and left out.
    func invalid(_ e: PanoplyError, at: String) throws {
        guard options.onInvalid == .skip else {
            throw PanoplyError(e.category, "\(at): \(e.message) (use --on-invalid skip to leave such records out)", code: 422, retryable: false)
        }
        emit(.log("skipped \(at): \(e.message)"))
    }
}

extension RecordPositions {
    /// "record N of resource R" for record `i` of the batch being written.
    func next(resource: String?, skipping i: Int) -> String {
        let n = (counts[resource ?? ""] ?? 0) + i + 1
        return resource.map { "record \(n) of resource '\($0)'" } ?? "record \(n)"
    }

    /// Counts a written batch.
    mutating func advance(resource: String?, by n: Int) { counts[resource ?? "", default: 0] += n }
}
