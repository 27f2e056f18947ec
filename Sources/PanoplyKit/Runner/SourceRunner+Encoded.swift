import Foundation

/// Reading a source of encoded records (``EncodedRecordSource``): one batch is read ahead
/// while the runner writes the one before it, so the source and the writer each keep a core
/// busy. A batch's state and progress are reported when the runner takes it, so the merged
/// state never covers the batch still being read.
extension SourceRunner {
    /// Reads `source` to its end; `written(batch)` runs after each batch's records are written.
    /// - Returns: the number of records read.
    func readEncoded(_ source: any EncodedRecordSource, context: SourceContext, table: String, resource: String?,
                     written: (EncodedRecords) -> Void) async throws -> Int {
        let size = options.batchSize
        var ahead = Task { try await self.withReadRetries { try await source.readEncoded(size) } }
        var total = 0
        var positions = RecordPositions()
        do {
            while true {
                try Task.checkCancellation()
                let taken = ahead
                guard let batch = try await withTaskCancellationHandler(operation: { try await taken.value }, onCancel: { taken.cancel() }) else { break }
                try Task.checkCancellation()
                // Reported before the next read starts, so progress never goes backwards.
                batch.report(to: context)
                ahead = Task { try await self.withReadRetries { try await source.readEncoded(size) } }
                try await write(batch, stateId: context.currentStateId, table: table, resource: resource, position: &positions)
                total += batch.count
                written(batch)
                if batch.isEmpty { await Task.yield() }
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
    /// ``write(_:stateId:table:resource:position:)`` writes objects.
    /// Runs of spliceable records go in under one lock each (``PanoplySDK/writeSpliced(_:_:from:keys:limit:)``);
    /// the record a run stops at is written alone, waiting for room or taking the parser's path.
    private func write(_ batch: EncodedRecords, stateId: String?, table: String, resource: String?, position: inout RecordPositions) async throws {
        let keys = PanoplySDK.runnerKeys(table: table, state: stateId, resource: resource)
        var i = 0
        var last: UInt64?
        defer { if let last { shared.withLock { $0.ledger.recordWritten(last) } } }
        while i < batch.count {
            let run = sdk.writeSpliced(table, batch, from: i, keys: keys)
            last = run.last ?? last
            i = run.end
            guard i < batch.count else { break }
            defer { i += 1 }
            do {
                last = try await sdk.writeWithBackpressure(table, batch, at: i, state: stateId, resource: resource)
            } catch let e as PanoplyError where e.code == 422 {
                let at = position.next(resource: resource, skipping: i)
                guard options.onInvalid == .skip else {
                    throw PanoplyError(e.category, "\(at): \(e.message) (use --on-invalid skip to leave such records out)", code: 422, retryable: false)
                }
                emit(.log("skipped \(at): \(e.message)"))
            }
        }
        position.advance(resource: resource, by: batch.count)
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
