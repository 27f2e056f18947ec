import Foundation

/// The field settings of one resource made ready for its records: what each named key
/// becomes, worked out once (the keys as the writer encodes them, the hash's key state),
/// then applied to every record before it is encoded, as an object or as the JSON text of
/// an encoded batch (``EncodedRecords``), which is rewritten key by key without building
/// an object.
public struct FieldTransform: Sendable {
    let fields: ResourceFields
    let hasher: FieldHash
    /// The named keys as the writer encodes them (`"email"`), and what becomes of them.
    let keys: KeyTable

    /// The transform of `settings` for the records of `resource`; nil when nothing applies.
    public init?(_ settings: FieldSettings, resource: String?) {
        guard let fields = settings.fields(for: resource) else { return nil }
        self.init(fields, salt: settings.hashSalt)
    }

    public init(_ fields: ResourceFields, salt: String?) {
        self.fields = fields
        hasher = FieldHash(salt: salt)
        keys = KeyTable(fields)
    }

    /// Applies the settings to one record: excluded keys removed, hashed values hashed,
    /// renamed keys renamed in place.
    public func apply(_ record: inout JSONObject) {
        guard record.keys.contains(where: { fields.exclude.contains($0) || fields.hash.contains($0) || fields.rename[$0] != nil }) else { return }
        var out = JSONObject()
        for (k, v) in record {
            if fields.exclude.contains(k) { continue }
            let value = fields.hash.contains(k) ? hasher.hash(v) : v
            out[fields.rename[k] ?? k] = value
        }
        record = out
    }

    /// The named fields that `record` lacks (for a warning at a resource's first record,
    /// where its fields were not known before reading).
    public func missing(in record: JSONObject) -> [String] {
        fields.named.filter { record[$0] == nil }
    }

    /// The config error of a rename onto a field that `keys` (a resource's first record, where
    /// its fields were not known before reading) has and keeps under its name: two fields of
    /// one name, which the object would overwrite and the encoded text would write twice.
    public func collision(in keys: [String], resource: String?) -> PanoplyError? {
        let present = Set(keys)
        for (old, new) in fields.rename.sorted(by: { $0.key < $1.key })
        where present.contains(old) && present.contains(new) && !fields.exclude.contains(new) && fields.rename[new] == nil {
            let of = resource.map { " of \($0)" } ?? ""
            return .config("renaming '\(old)'\(of) to '\(new)' gives two fields named '\(new)' (exclude or rename '\(new)' too)")
        }
        return nil
    }

    /// The named fields that record `i` of `batch` lacks.
    public func missing(in batch: EncodedRecords, at i: Int) -> [String] {
        var seen = Set<Int>()
        let record = Array(batch[i])
        record.withUnsafeBufferPointer { p in
            FieldScanner.members(p) { key, _ in
                if let a = keys.index(of: key) { seen.insert(a) }
            }
        }
        return keys.entries.indices.filter { !seen.contains($0) }.map { fields.named[$0] }
    }
}
