import PanoplyKit

extension SingerCatalog {
    /// `catalog` with each excluded property of a stream marked unselected in its field
    /// metadata (`breadcrumb: ["properties", NAME]`, `selected: false`), so a tap that
    /// honours it never reads it; the runner drops it from the records either way.
    static func excluding(_ fields: FieldSettings, in catalog: JSONObject) -> JSONObject {
        guard !fields.isEmpty else { return catalog }
        var out = catalog
        out["streams"] = .array(
            (catalog["streams"]?.arrayValue ?? []).map { value in
                guard var stream = value.objectValue, let excluded = fields.fields(for: id(stream))?.exclude, !excluded.isEmpty else { return value }
                var metadata = stream["metadata"]?.arrayValue ?? []
                for name in excluded {
                    let crumb: JSONValue = ["properties", .string(name)]
                    if let i = metadata.firstIndex(where: { $0.objectValue?["breadcrumb"] == crumb }), var entry = metadata[i].objectValue {
                        var m = entry["metadata"]?.objectValue ?? [:]
                        m["selected"] = false
                        entry["metadata"] = .object(m)
                        metadata[i] = .object(entry)
                    } else {
                        metadata.append(["breadcrumb": crumb, "metadata": ["selected": false]])
                    }
                }
                stream["metadata"] = .array(metadata)
                return .object(stream)
            })
        return out
    }
}
