import Foundation
import PanoplyKit

/// A Singer tap's settings, from its `--about --format json` (a JSON schema of its
/// config): the form's params, and the conversion of typed text to the declared types.
struct SingerSettings: Sendable {
    /// Declared JSON type per setting (`string`, `integer`, `number`, `boolean`, `array`, `object`).
    var types: [String: String]
    var params: [SourceParam]
    /// False when the tap declares no settings: its config is one JSON text (`config`),
    /// required when the tap has no `--about`, optional (`{}` when empty) when its
    /// `--about` lists no settings.
    var declared: Bool

    static let streamsParam = "streams"
    static let configParam = "config"

    init(about: JSONObject?) {
        guard let settings = about?["settings"]?.objectValue, let props = settings["properties"]?.objectValue, !props.isEmpty else {
            types = [:]
            declared = false
            let needsNone = about != nil
            let help =
                needsNone
                ? "The tap lists no settings: leave empty to pass {}, or give its config as one JSON object"
                : "The tap's config as one JSON object (the tap has no --about to list its settings)"
            params = [
                SourceParam(
                    Self.configParam, title: "Config (JSON)", kind: .multiline, required: !needsNone,
                    placeholder: #"{"api_key": "..."}"#, help: help, category: needsNone ? .advanced : .basic)
            ]
            return
        }
        let required = Set(settings["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var types: [String: String] = [:]
        var params: [SourceParam] = []
        for (name, schema) in props {
            guard let s = schema.objectValue else { continue }
            let type = Self.jsonType(s)
            types[name] = type
            params.append(Self.param(name, schema: s, type: type, required: required.contains(name)))
        }
        self.types = types
        self.params = params
        declared = true
    }

    /// The first non-null type of a JSON schema (`["string","null"]` is `string`).
    static func jsonType(_ s: JSONObject) -> String {
        if let t = s["type"]?.stringValue { return t }
        let list = s["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return list.first { $0 != "null" } ?? "string"
    }

    static func param(_ name: String, schema s: JSONObject, type: String, required: Bool) -> SourceParam {
        let secret =
            s["secret"]?.boolValue == true || s["writeOnly"]?.boolValue == true
            || ["password", "secret", "token"].contains { name.lowercased().contains($0) }
        let kind: SourceParam.Kind =
            switch type {
            case "integer", "number": .number
            case "boolean": .boolean
            case "array": .list
            case "object": .multiline
            default: secret ? .secret : .text
            }
        var defaultText: String?
        if let d = s["default"], d != .null, d != .array([]) {
            defaultText = d.arrayValue.map { $0.map(PythonConfig.text).joined(separator: ",") } ?? PythonConfig.text(d)
        }
        var help = s["description"]?.stringValue ?? ""
        if type == "object" { help += help.isEmpty ? "(JSON object)" : " (JSON object)" }
        return SourceParam(
            name, title: s["title"]?.stringValue ?? name, kind: kind, required: required, default: defaultText,
            help: help, category: required || kind == .secret ? .basic : .advanced)
    }

    /// The tap's config file content: each given setting converted to its declared type
    /// (`--param port=5432` reaches the tap as the number 5432).
    /// - Throws: ``PanoplyError`` (config) naming a value that does not convert.
    func config(_ params: [String: JSONValue]) throws -> JSONObject {
        if !declared {
            guard let text = params[Self.configParam]?.stringValue, !text.allSatisfy(\.isWhitespace) else { return [:] }
            guard let o = try? JSONParser.parse(text).objectValue else {
                throw PanoplyError.config("config must be one JSON object, e.g. {\"api_key\": \"...\"}")
            }
            return o
        }
        var out: JSONObject = [:]
        for (name, value) in params.sorted(by: { $0.key < $1.key }) where name != Self.streamsParam {
            guard let type = types[name] else { continue }
            out[name] = try Self.convert(value, to: type, name: name)
        }
        return out
    }

    static func convert(_ value: JSONValue, to type: String, name: String) throws -> JSONValue {
        let text = PythonConfig.text(value)
        switch type {
        case "integer":
            guard let i = Int(text.trimmingCharacters(in: .whitespaces)) else { throw PanoplyError.config("\(name) must be a whole number (got '\(text)')") }
            return .number(JSONNumber(i))
        case "number":
            guard let n = try? JSONNumber(text: text.trimmingCharacters(in: .whitespaces)) else {
                throw PanoplyError.config("\(name) must be a number (got '\(text)')")
            }
            return .number(n)
        case "boolean":
            if let b = value.boolValue { return .bool(b) }
            return .bool(["true", "yes", "1", "on"].contains(text.lowercased()))
        case "array":
            if case .array = value { return value }
            return .array(SourceParam.listItems(text).map { .string($0) })
        case "object":
            guard let o = try? JSONParser.parse(text), o.objectValue != nil else {
                throw PanoplyError.config("\(name) must be a JSON object (got '\(text.prefix(40))')")
            }
            return o
        default:
            return .string(text)
        }
    }
}
