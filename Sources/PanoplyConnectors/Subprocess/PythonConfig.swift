import PanoplyKit

/// Maps a module's `CONFIG` (as the runner reports it) to a ``SourceConfiguration``.
enum PythonConfig {
    /// Param types that configure Panoply's destination, not the source: shown as
    /// advanced, never required, passed through when given.
    static let platformTypes: Set<String> = [
        "schema", "destination", "primary-key", "incremental-key", "exclude",
        "parse-string", "truncate-table"
    ]

    static func configuration(_ config: JSONObject, module: String) -> SourceConfiguration {
        let params = (config["params"]?.arrayValue ?? []).compactMap { $0.objectValue.flatMap(param) }
        let icon = config["icon"]?.stringValue ?? ""
        return SourceConfiguration(
            title: config["title"]?.stringValue ?? module,
            icon: icon.hasPrefix("data:") ? "" : icon,
            summary: "Python module \(module)", params: params)
    }

    static func param(_ p: JSONObject) -> SourceParam? {
        guard let name = p["name"]?.stringValue, !name.isEmpty else { return nil }
        let type = p["type"]?.stringValue ?? "text"
        let platform = platformTypes.contains(type)
        var help = p["help"]?.stringValue ?? ""
        let kind: SourceParam.Kind
        switch type {
        case "password": kind = .secret
        case "number": kind = .number
        case "list", "dynamic-list": kind = .list
        case "boolean", "checkbox": kind = .boolean
        case "text", "string", "": kind = .text
        default:
            kind = .text
            help = help.isEmpty ? "(\(type))" : "\(help) (\(type))"
        }
        let values = p["values"]?.arrayValue ?? []
        let choices = values.compactMap { v -> String? in v.objectValue?["value"].map(text) ?? v.stringValue }
        let category: SourceParam.Category = platform || p["category"]?.stringValue == "advanced" ? .advanced : .basic
        return SourceParam(
            name, title: p["title"]?.stringValue ?? name, kind: kind,
            required: !platform && (p["required"]?.boolValue ?? false),
            default: p["default"].flatMap { $0 == .null ? nil : text($0) },
            placeholder: p["placeholder"]?.stringValue ?? "", help: help, choices: choices,
            dependencies: p["dependencies"]?.arrayValue?.compactMap(\.stringValue) ?? [], category: category)
    }

    /// A value as the user would type it.
    static func text(_ v: JSONValue) -> String {
        if let s = v.stringValue { return s }
        return v.displayText
    }

    /// The params as the platform passes them: typed text stays a string (numbers too),
    /// booleans stay booleans, lists stay lists of the values typed (the runner matches
    /// them to the value objects).
    static func platformValues(_ params: [String: JSONValue]) -> JSONObject {
        var out = JSONObject()
        for (k, v) in params.sorted(by: { $0.key < $1.key }) {
            if case .number(let n) = v { out[k] = .string(n.text) } else { out[k] = v }
        }
        return out
    }
}
