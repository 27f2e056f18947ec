import Synchronization

/// The fields of each resource as its first record in a run shows them (name and JSON type:
/// `string`, `number`, `boolean`, `object`, `array`, `null`), compared with those of the
/// last successful run: a field added, removed or retyped is a warning in the run's log
/// (``RunOptions/schema``). The fields are the source's, before the field settings.
public final class SchemaRecorder: Sendable {
    /// Fields (name → type) by resource id (`""` for a source read as one).
    public typealias Schema = [String: [String: String]]

    /// The schema of the last successful run (empty: none known, nothing to compare).
    public let previous: Schema
    private let seen = Mutex<(schema: Schema, changes: [String])>(([:], []))

    public init(previous: Schema = [:]) { self.previous = previous }

    /// Notes the fields of a resource's first record.
    /// - Returns: the warning when they differ from the last successful run's; nil otherwise
    ///   (also for a resource seen before in this run).
    public func observe(_ resource: String?, _ record: JSONObject) -> String? {
        let id = resource ?? ""
        let fields = Self.fields(of: record)
        return seen.withLock { s -> String? in
            guard s.schema[id] == nil else { return nil }
            s.schema[id] = fields
            guard let old = previous[id], let change = Self.describe(id, old: old, new: fields) else { return nil }
            s.changes.append(change)
            return change
        }
    }

    /// The schema to keep for the next run: the last successful run's, with the resources
    /// seen in this one replaced (a type seen as null keeps its earlier type).
    public var schema: Schema {
        seen.withLock { s in
            var out = previous
            for (id, fields) in s.schema {
                var merged = fields
                for (name, type) in fields where type == "null" { merged[name] = previous[id]?[name] ?? type }
                out[id] = merged
            }
            return out
        }
    }

    /// The warnings of this run, in the order they were given.
    public var changes: [String] { seen.withLock { $0.changes } }

    /// A record's fields and their JSON types, without the keys the runner sets.
    public static func fields(of record: JSONObject) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in record where !EncodedRecords.reservedKeys.contains(k) { out[k] = type(of: v) }
        return out
    }

    static func type(of v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// "warning: the fields of R changed since the last successful run: added a (string); removed b; retyped c (number → string)",
    /// or nil when nothing changed (a null on either side is no change of type).
    public static func describe(_ resource: String, old: [String: String], new: [String: String]) -> String? {
        let added = new.keys.filter { old[$0] == nil }.sorted().map { new[$0] == "null" ? $0 : "\($0) (\(new[$0]!))" }
        let removed = old.keys.filter { new[$0] == nil }.sorted()
        let retyped = new.keys.sorted().compactMap { name -> String? in
            guard let was = old[name], let now = new[name], was != now, was != "null", now != "null" else { return nil }
            return "\(name) (\(was) → \(now))"
        }
        let parts = [("added", added), ("removed", removed), ("retyped", retyped)].filter { !$0.1.isEmpty }
        guard !parts.isEmpty else { return nil }
        let what = resource.isEmpty ? "the fields" : "the fields of \(resource)"
        return "warning: \(what) changed since the last successful run: " + parts.map { "\($0.0) \($0.1.joined(separator: ", "))" }.joined(separator: "; ")
    }
}
