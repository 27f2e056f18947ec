/// The field settings (``SourceInput/fields``) applied by the runner to every record before
/// it is encoded, on both paths (objects: ``FieldsOfRecords``; encoded batches here). Where a
/// resource's fields were not checked before the run, its first record is checked: a named
/// field it lacks is a warning in the log.
extension FieldTransform {
    /// `batch` with the settings applied; `first` is whether it holds the resource's first
    /// records in this run.
    func apply(_ batch: EncodedRecords, first: Bool, warn: (String) -> Void) -> EncodedRecords {
        if first, !fields.checked, !batch.isEmpty {
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

    /// Whether no record of `resource` was written yet.
    func isFirst(resource: String?) -> Bool { (counts[resource ?? ""] ?? 0) == 0 }
}
