import Foundation

/// Reading a source: the single-instance loop, the context a source reports through, read
/// retries and writing batches.
extension SourceRunner {
    /// Reads one instance to its end: a run without resources, or a source that reads its
    /// resources itself (its records' `__resource` tags feed the per-resource progress).
    func readLoop(_ input: SourceInput) async throws -> Int {
        let context = makeContext(input, resource: nil)
        let source = try await withReadRetries { try await self.kind.open(source: input, context: context) }
        var total = 0
        var positions = RecordPositions()
        do {
            if let encoded = source as? any EncodedRecordSource {
                total = try await readEncoded(encoded, context: context, table: input.destination, resource: nil, fields: input.fields) { _ in
                    let merged = context.mergedState
                    life { $0.batchRead(merged) }
                }
            } else {
                while true {
                    try Task.checkCancellation()
                    guard let batch = try await withReadRetries({ try await source.read(self.options.batchSize) }) else { break }
                    try Task.checkCancellation()
                    try await write(batch, stateId: context.currentStateId, table: input.destination, resource: nil, position: &positions)
                    total += batch.count
                    let merged = context.mergedState
                    life { $0.batchRead(merged) }
                    noteTagged(batch)
                }
            }
        } catch {
            await source.close()
            throw error
        }
        await source.close()
        let ended = life { $0.instanceEnded() }
        for p in ended { emit(.resource(p)) }
        return total
    }

    /// The context an instance reports through. For the instance of one resource of a
    /// ``ResourcePlan`` its progress is that resource's.
    func makeContext(_ input: SourceInput, resource: String?, tokenGrants: TokenGrants = TokenGrants()) -> SourceContext {
        let secrets = kind.configuration.params.filter(\.isSecret).map(\.name)
        return SourceContext(input: input, secrets: secrets, tokenGrants: tokenGrants) { [self] event in
            switch event {
            case .log(let line): emit(.log(resource.map { "\($0): \(line)" } ?? line))
            case .progress(let l, let t, let m), .estimatedProgress(let l, let t, let m):
                guard let resource else { return emit(.progress(loaded: l, total: t, message: m)) }
                let estimated = if case .estimatedProgress = event { true } else { false }
                emitResource(life { $0.resourceReported(resource, loaded: l, total: t, message: m, estimated: estimated) })
            case .state: break
            case .fired(let type, let data):
                if type == "source-change", case .object(let o) = data {
                    rememberChanges(o)
                    emit(.sourceChange(o))
                } else {
                    emit(.fired(type: type, data: data))
                }
            }
        }
    }

    /// Reports a resource's progress, and the run's overall progress with it.
    func emitResource(_ u: StateMachine.ResourceUpdate) {
        emit(.resource(u.progress))
        emit(.progress(loaded: u.overall.loaded, total: u.overall.total, message: u.overall.message))
    }

    /// Counts a batch's records per `__resource` tag (sources that read several resources
    /// themselves tag them), reporting each tagged resource's progress.
    private func noteTagged(_ batch: [JSONObject]) {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for r in batch {
            guard let id = r[SourceResource.recordKey]?.stringValue else { continue }
            if counts[id] == nil { order.append(id) }
            counts[id, default: 0] += 1
        }
        guard !order.isEmpty else { return }
        let changed = life { $0.taggedWritten(order, counts: counts) }
        for p in changed { emit(.resource(p)) }
    }

    /// Runs `op`, retrying retryable errors as ``RunOptions/readRetry`` says.
    func withReadRetries<T>(_ op: () async throws -> T) async throws -> T {
        let policy = options.readRetry
        var attempt = 1
        while true {
            do {
                return try await op()
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                let e = error.asPanoplyError
                guard e.retryable, policy.allowsRetry(afterAttempt: attempt) else { throw e }
                let delay = policy.delay(forRetry: attempt, random: Double.random(in: 0...1))
                emit(.retrying(attempt: attempt + 1, maxAttempts: policy.maxAttempts, error: e, delay: delay))
                emit(.log("read failed (\(e.message)); retrying in \(delay)"))
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    /// Writes one batch's records (with `__state`), waiting for room in the buffer. A
    /// record that cannot be written (over the message limit) fails the run, or with
    /// ``RunOptions/onInvalid`` `.skip` is logged with its resource and position and left out.
    func write(_ batch: [JSONObject], stateId: String?, table: String, resource: String?, position: inout RecordPositions) async throws {
        var fields = FieldsOfRecords(input.fields, resource: resource)
        for var record in batch {
            let first = position.isFirst(record, resource: resource)
            if first { noteSchema(record, resource: resource) }
            try fields.apply(&record, first: first) { emit(.log($0)) }
            if record["__state"] == nil, let stateId { record["__state"] = .string(stateId) }
            if let resource, record[SourceResource.recordKey] == nil { record[SourceResource.recordKey] = .string(resource) }
            let at = position.next(record)
            do {
                let seq = try await sdk.writeWithBackpressure(table, record)
                life { $0.recordWritten(seq) }
            } catch let e as PanoplyError where e.code == 422 {
                try invalid(e, at: at)
            }
        }
    }
}

/// Counts records per resource, to name a record that cannot be written.
struct RecordPositions {
    var counts: [String: Int] = [:]

    /// "record N of resource R" for the next record (N counts from 1 in this run).
    mutating func next(_ record: JSONObject) -> String {
        let resource = record["__resource"]?.stringValue
        let n = (counts[resource ?? ""] ?? 0) + 1
        counts[resource ?? ""] = n
        return resource.map { "record \(n) of resource '\($0)'" } ?? "record \(n)"
    }
}
