import Synchronization

/// The field settings (``SourceInput/fields``) applied by the runner to every record before
/// it is encoded, on both paths (objects: ``FieldsOfRecords``; encoded batches here). Where a
/// resource's fields were not checked before the run, its first record is checked: a named
/// field it lacks is a warning in the log, a field renamed onto one it has (and keeps) an error.
extension FieldTransform {
    /// `batch` with the settings applied; `first` is whether it holds the resource's first
    /// records in this run.
    /// - Throws: ``PanoplyError`` (config) for a rename onto a field of the first record.
    func apply(_ batch: EncodedRecords, first: Bool, resource: String?, warn: (String) -> Void) throws -> EncodedRecords {
        if first, !fields.checked, !batch.isEmpty {
            if !fields.rename.isEmpty, let error = collision(in: batch.object(at: 0)?.keys ?? [], resource: resource) { throw error }
            let missing = missing(in: batch, at: 0)
            if !missing.isEmpty {
                let keys = (try? batch.objects().first?.keys) ?? []
                warnMissing(missing, resource: nil, has: keys ?? [], warn)
            }
        }
        return apply(batch)
    }

    func warnMissing(_ missing: [String], resource: String?, has keys: [String], _ warn: (String) -> Void) {
        guard !missing.isEmpty else { return }
        let list = missing.map { "'\($0)'" }.joined(separator: ", ")
        let shown = keys.filter { !EncodedRecords.reservedKeys.contains($0) }
        warn(
            "warning: \(resource.map { "\($0): " } ?? "")the field settings name \(list), which the first record does not have (it has: \(shown.joined(separator: ", ")))"
        )
    }
}

extension SourceRunner {
    /// Notes the fields of a resource's first record (``RunOptions/schema``); a change since
    /// the last successful run is a warning in the log.
    func noteSchema(_ record: JSONObject, resource: String?) {
        guard let schema = options.schema else { return }
        if let warning = schema.observe(resource ?? record[SourceResource.recordKey]?.stringValue, record) { emit(.log(warning)) }
    }
}

extension SourceRunner {
    /// The next batch of `source`, with `shaping` applied.
    func readShaped(_ source: any EncodedRecordSource, _ size: Int, _ shaping: BatchShaping?) async throws -> EncodedRecords? {
        guard let batch = try await withReadRetries({ try await source.readEncoded(size) }) else { return nil }
        return try shaping?.apply(batch) ?? batch
    }
}

/// What the runner does to each encoded batch of one instance before writing it: notes the
/// fields of its first record (``RunOptions/schema``) and applies the field settings. Runs in
/// the read-ahead task, one batch at a time, so it costs the writer nothing.
final class BatchShaping: Sendable {
    private let runner: SourceRunner
    private let resource: String?
    private let transform: FieldTransform?
    /// Whether a record was seen (the first one is checked).
    private let seen = Mutex(false)

    /// Nil when there is nothing to do (no settings apply, no schema noted).
    /// - Parameter fields: the run's settings (checked before the run where the source lists its fields).
    init?(_ runner: SourceRunner, fields: FieldSettings, resource: String?) {
        transform = FieldTransform(fields, resource: resource)
        guard transform != nil || runner.options.schema != nil else { return nil }
        self.runner = runner
        self.resource = resource
    }

    func apply(_ batch: EncodedRecords) throws -> EncodedRecords {
        var batch = batch
        let first = seen.withLock { seen in
            defer { seen = seen || !batch.isEmpty }
            return !seen && !batch.isEmpty
        }
        if first, runner.options.schema != nil, let record = batch.object(at: 0) { runner.noteSchema(record, resource: resource) }
        guard let transform else { return batch }
        let out = try transform.apply(batch, first: first, resource: resource) { runner.emit(.log($0)) }
        batch.recycle()
        return out
    }
}

extension EncodedRecords {
    /// Record `i` as an object (nil past the end).
    func object(at i: Int) -> JSONObject? {
        guard i < count, case .object(let o)? = try? JSONParser.parse(Array(self[i])) else { return nil }
        return o
    }
}

extension RecordPositions {
    /// Whether no record of `record`'s resource was written yet.
    func isFirst(_ record: JSONObject, resource: String?) -> Bool {
        (counts[resource ?? record[SourceResource.recordKey]?.stringValue ?? ""] ?? 0) == 0
    }
}
