/// The field settings (``SourceInput/fields``) applied to records given as objects, each by
/// the settings of its resource (of the instance, or the `__resource` the source tagged it with). Where a resource's
/// fields were not checked before the run (not known until read), its first record is
/// checked: a named field it lacks is a warning in the log, a field renamed onto one it has
/// (and keeps) an error.
public struct FieldsOfRecords {
    private let settings: FieldSettings
    private let resource: String?
    private let active: Bool
    /// The transform of each resource met in the batch (records tagged by the source).
    private var cache: [String: FieldTransform?] = [:]

    public init(_ settings: FieldSettings, resource: String?) {
        self.settings = settings
        self.resource = resource
        active = !settings.isEmpty
    }

    /// Applies the settings of the record's resource; `first` is whether it is the first
    /// record of its resource in this run.
    /// - Throws: ``PanoplyError`` (config) when the first record has a field another is
    ///   renamed to (``FieldTransform/collision(in:resource:)``).
    public mutating func apply(_ record: inout JSONObject, first: Bool, warn: (String) -> Void) throws {
        guard active else { return }
        let id = resource ?? record[SourceResource.recordKey]?.stringValue
        let transform: FieldTransform?
        if let cached = cache[id ?? ""] {
            transform = cached
        } else {
            transform = FieldTransform(settings, resource: id)
            cache[id ?? ""] = transform
        }
        guard let transform else { return }
        if first, !transform.fields.checked {
            if let error = transform.collision(in: record.keys, resource: id) { throw error }
            transform.warnMissing(transform.missing(in: record), resource: id, has: record.keys, warn)
        }
        transform.apply(&record)
    }
}
