import PanoplyKit

/// A Singer catalog (`--discover`): its streams are the source's resources, picked by
/// `tap_stream_id` and marked `selected` for `--catalog`.
struct SingerCatalog: Sendable {
    var catalog: JSONObject

    init(_ catalog: JSONObject) { self.catalog = catalog }

    var streams: [JSONObject] { (catalog["streams"]?.arrayValue ?? []).compactMap(\.objectValue) }

    static func id(_ stream: JSONObject) -> String {
        stream["tap_stream_id"]?.stringValue ?? stream["stream"]?.stringValue ?? ""
    }

    /// The stream's root metadata (`breadcrumb: []`).
    static func root(_ stream: JSONObject) -> JSONObject {
        for m in stream["metadata"]?.arrayValue ?? [] {
            if let o = m.objectValue, o["breadcrumb"]?.arrayValue?.isEmpty == true { return o["metadata"]?.objectValue ?? [:] }
        }
        return [:]
    }

    /// Whether the catalog selects the stream by default (`selected`, else `selected-by-default`).
    static func selectedByDefault(_ stream: JSONObject) -> Bool {
        let m = root(stream)
        return m["selected"]?.boolValue ?? m["selected-by-default"]?.boolValue ?? stream["schema"]?.objectValue?["selected"]?.boolValue ?? false
    }

    var resources: [SourceResource] {
        streams.map { s in
            let props = s["schema"]?.objectValue?["properties"]?.objectValue ?? [:]
            let keys = Set(Self.root(s)["table-key-properties"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let fields = props.map { name, schema in
                SourceResource.Field(name: name, type: schema.objectValue.map(SingerSettings.jsonType) ?? "", mandatory: keys.contains(name))
            }
            return SourceResource(
                id: Self.id(s), title: s["stream"]?.stringValue ?? Self.id(s), fields: fields,
                available: Self.root(s)["inclusion"]?.stringValue != "unsupported")
        }
    }

    var values: [ListValue] {
        resources.map { ListValue(name: $0.title == $0.id ? $0.id : "\($0.title) (\($0.id))", value: $0.id, disabled: !$0.available) }
    }

    /// The catalog with exactly the picked streams selected (none picked: the default ones).
    /// - Throws: ``PanoplyError`` (config) naming a picked stream the catalog lacks.
    func selecting(_ picked: [String]) throws -> (catalog: JSONObject, selected: [String]) {
        let ids = streams.map(Self.id)
        if let bad = picked.first(where: { !ids.contains($0) }) {
            throw PanoplyError.config("streams: the tap has no stream '\(bad)' (it has: \(ids.joined(separator: ", ")))")
        }
        var out = catalog
        var selected: [String] = []
        let list: [JSONValue] = streams.map { s in
            let id = Self.id(s)
            let on = picked.isEmpty ? Self.selectedByDefault(s) : picked.contains(id)
            if on { selected.append(id) }
            var s = s
            var metadata = s["metadata"]?.arrayValue ?? []
            if let i = metadata.firstIndex(where: { $0.objectValue?["breadcrumb"]?.arrayValue?.isEmpty == true }),
                var entry = metadata[i].objectValue
            {
                var m = entry["metadata"]?.objectValue ?? [:]
                m["selected"] = .bool(on)
                entry["metadata"] = .object(m)
                metadata[i] = .object(entry)
            } else {
                metadata.append(["breadcrumb": [], "metadata": ["selected": .bool(on)]])
            }
            s["metadata"] = .array(metadata)
            if var schema = s["schema"]?.objectValue {
                schema["selected"] = .bool(on)
                s["schema"] = .object(schema)
            }
            return .object(s)
        }
        out["streams"] = .array(list)
        return (out, selected)
    }
}
