import PanoplyKit

/// The fields of a file's first records, in the order first seen, each with a type guessed
/// from its values (`integer`, `number`, `boolean`, `string`, `object`, `array`): the
/// `fields` of a file resource. Nulls say nothing; a field whose values disagree is a
/// `string` (integers and decimals together make a `number`).
struct FieldSampler {
    private var names: [String] = []
    private var types: [String: String] = [:]
    private var seen: Set<String> = []

    /// How many records a resource's fields are guessed from.
    static let sampleSize = 100

    mutating func add(_ record: JSONObject) {
        for (name, value) in record { add(name, value) }
    }

    mutating func add(_ name: String, _ value: JSONValue) {
        if seen.insert(name).inserted { names.append(name) }
        guard let t = Self.type(value) else { return }
        switch (types[name], t) {
        case (nil, _): types[name] = t
        case (let old?, _) where old == t: break
        case ("integer", "number"), ("number", "integer"): types[name] = "number"
        default: types[name] = "string"
        }
    }

    var fields: [SourceResource.Field] {
        names.map { SourceResource.Field(name: $0, type: types[$0] ?? "string") }
    }

    private static func type(_ value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .bool: "boolean"
        case .string: "string"
        case .number(let n): n.text.contains(where: { ".eE".contains($0) }) ? "number" : "integer"
        case .object: "object"
        case .array: "array"
        }
    }
}
