import Foundation

/// Reading a source resource by resource (``ResourcePlan``): one instance per picked
/// resource, up to ``RunOptions/parallelResources`` at once. Each resource's state nests
/// under its id in the run's state; a resource that ends is put in `__finished` (in a
/// state committed once its records are acknowledged), and one that fails does not stop
/// the others.
extension SourceRunner {
    /// How one resource's instance ended.
    enum ResourceOutcome: Sendable {
        case done(id: String, records: Int)
        case failed(id: String, records: Int, error: PanoplyError)
    }

    /// Reads every unfinished resource of `plan`.
    /// - Throws: `CancellationError` when cancelled; a ``PanoplyError`` naming the failed
    ///   resources when any failed (after the others went on to their end).
    func readResources(_ input: SourceInput, plan: ResourcePlan) async throws -> Int {
        let finished = Set(ResourcePlan.finished(in: input.state))
        let announced = life { $0.resourcesPlanned(plan.ids, finished: finished, state: input.state) }
        let todo = plan.ids.filter { !finished.contains($0) }
        for p in announced { emit(.resource(p)) }
        if !finished.isEmpty {
            emit(.log("resuming: \(finished.count) of \(plan.ids.count) resources finished in an earlier attempt are skipped"))
        }
        // The instances hold one grant: their OAuth2 refreshes go one at a time.
        let grants = TokenGrants()
        // Connections and catalogs the instances share, closed when the last one ended.
        let scope = RunScope()
        let outcomes: [ResourceOutcome]
        do {
            outcomes = try await withThrowingTaskGroup(of: ResourceOutcome.self) { group in
                var pending = todo.makeIterator()
                for _ in 0..<max(1, options.parallelResources) {
                    guard let id = pending.next() else { break }
                    group.addTask { try await self.readResource(id, base: input, plan: plan, grants: grants, scope: scope) }
                }
                var outcomes: [ResourceOutcome] = []
                while let outcome = try await group.next() {
                    outcomes.append(outcome)
                    if let id = pending.next() { group.addTask { try await self.readResource(id, base: input, plan: plan, grants: grants, scope: scope) } }
                }
                return outcomes
            }
        } catch {
            await scope.close()
            throw error
        }
        await scope.close()
        return try Self.total(of: outcomes, order: todo)
    }

    /// The records read, or the error naming every failed resource (in the plan's order).
    static func total(of outcomes: [ResourceOutcome], order: [String]) throws -> Int {
        var read = 0
        var failures: [String: PanoplyError] = [:]
        for o in outcomes {
            switch o {
            case .done(_, let n): read += n
            case .failed(let id, let n, let e): read += n; failures[id] = e
            }
        }
        let failed = order.filter { failures[$0] != nil }
        guard let first = failed.first.flatMap({ failures[$0] }) else { return read }
        let list = failed.map { "\($0) (\(failures[$0]!.message))" }.joined(separator: "; ")
        throw PanoplyError(
            first.category, "\(failed.count) of \(order.count) resources failed: \(list); a retry reads only the unfinished ones",
            code: first.code, retryable: first.retryable)
    }

    /// Reads one resource to its end with its own instance.
    /// - Throws: only `CancellationError`; a read error is the `.failed` outcome.
    private func readResource(
        _ id: String, base: SourceInput, plan: ResourcePlan, grants: TokenGrants, scope: RunScope
    ) async throws -> ResourceOutcome {
        // From the params saved so far: another resource may have rotated the refresh token.
        let (state, saved, started) = life { $0.resourceStarted(id) }
        let input = plan.input(for: id, base: base, runState: state.map { [id: .object($0)] } ?? [:], savedParams: saved)
        let context = makeContext(input, resource: id, tokenGrants: grants).sharing(scope)
        emitResource(started)
        var records = 0
        do {
            let source = try await withReadRetries { try await self.kind.open(source: input, context: context) }
            do {
                records = try await readInstance(source, id: id, input: input, context: context)
            } catch {
                await source.close()
                throw error
            }
            await source.close()
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            let e = error.asPanoplyError
            emit(.log("\(id) failed: \(e.message)"))
            emitResource(life { $0.resourceFailed(id, error: e) })
            return .failed(id: id, records: records, error: e)
        }
        emitResource(life { $0.resourceFinished(id) })
        return .done(id: id, records: records)
    }

    /// Reads an opened instance's batches until `nil` (an empty batch is not the end).
    private func readInstance(_ source: any DataSource, id: String, input: SourceInput, context: SourceContext) async throws -> Int {
        if let encoded = source as? any EncodedRecordSource {
            return try await readEncoded(encoded, context: context, table: input.destination, resource: id, fields: input.fields) { batch in
                written(batch.count, id: id, context: context)
            }
        }
        var records = 0
        var positions = RecordPositions()
        while true {
            try Task.checkCancellation()
            guard let batch = try await withReadRetries({ try await source.read(self.options.batchSize) }) else { return records }
            try Task.checkCancellation()
            try await write(batch, stateId: context.currentStateId, table: input.destination, resource: id, position: &positions)
            records += batch.count
            written(batch.count, id: id, context: context)
            if batch.isEmpty { await Task.yield() }
        }
    }

    /// A batch of resource `id` is written: its state joins the run's state.
    private func written(_ count: Int, id: String, context: SourceContext) {
        let merged = context.mergedState
        if let update = life({ $0.resourceWritten(id, count: count, state: merged) }) { emitResource(update) }
    }
}
