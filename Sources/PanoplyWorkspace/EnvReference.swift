import Foundation
import PanoplyKit

/// `${NAME}` references to environment variables in saved params, so a secret can stay
/// in the environment and out of the file. They are kept as typed everywhere (the form,
/// `sources.json`) and expanded only when a run or a check starts. Pure: the environment
/// is given.
package enum EnvReference {
    /// Whether `text` holds a `${NAME}` reference.
    package static func contains(_ text: String) -> Bool { !names(in: text).isEmpty }

    /// The variable names `text` refers to, in order.
    package static func names(in text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = String(after[..<close])
            if isName(name) { out.append(name) }
            rest = after[after.index(after: close)...]
        }
        return out
    }

    /// `text` with each reference replaced by its variable's value.
    /// - Returns: nil and the first missing name when a variable is not set.
    package static func expand(_ text: String, env: [String: String]) -> (text: String, missing: String?) {
        var out = text
        for name in names(in: text) {
            guard let value = env[name] else { return (text, name) }
            out = out.replacingOccurrences(of: "${\(name)}", with: value)
        }
        return (out, nil)
    }

    /// The typed params of a run with their references expanded and converted to the
    /// param's kind, and the values that came from the environment (to mask).
    /// - Throws: ``PanoplyError`` (config) naming the param and the missing variable, or
    ///   the param whose expanded value is not of its kind.
    package static func resolve(
        _ params: [String: JSONValue], _ config: SourceConfiguration,
        env: [String: String]
    ) throws -> (params: [String: JSONValue], secrets: [String]) {
        var out = params
        var secrets: [String] = []
        for (name, value) in params {
            switch value {
            case .string(let s) where contains(s):
                let text = try expandOrThrow(s, param: name, env: env, into: &secrets)
                guard let p = config.param(name) else { out[name] = .string(text); continue }
                switch p.parse(text) {
                case .success(let v): out[name] = v
                case .failure(let problem):
                    throw PanoplyError.config(
                        "\(problem.param): the value of \(names(in: s).joined(separator: ", ")) is not valid here: \(p.isSecret ? "\(p.title) has the wrong kind" : problem.message)"
                    )
                }
            case .array(let items):
                out[name] = .array(
                    try items.map { item in
                        guard case .string(let s) = item, contains(s) else { return item }
                        return .string(try expandOrThrow(s, param: name, env: env, into: &secrets))
                    })
            default: continue
            }
        }
        return (out, secrets)
    }

    private static func expandOrThrow(_ s: String, param: String, env: [String: String], into secrets: inout [String]) throws -> String {
        let (text, missing) = expand(s, env: env)
        if let missing {
            throw PanoplyError.config(
                "\(param): the environment variable \(missing) is not set (the param refers to ${\(missing)}); export it or change the param")
        }
        secrets += names(in: s).compactMap { env[$0] }.filter { $0.count >= 3 }
        return text
    }

    private static func isName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic, first.isASCII else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}

extension SourceConfiguration {
    /// As ``validate(_:)``, but a value holding a `${NAME}` reference is not checked (it is
    /// checked once expanded, when the run starts) and passes through as a string.
    package func validateAllowingReferences(_ values: [String: String]) -> Result<[String: JSONValue], ParamErrors> {
        let refs = values.filter { v in EnvReference.contains(v.value) && (param(v.key).map { isVisible($0, values) } ?? true) }
        guard !refs.isEmpty else { return validate(values) }
        let rest = SourceConfiguration(title: title, params: params.filter { refs[$0.name] == nil })
        let known = values.filter { refs[$0.key] == nil || param($0.key) == nil }
        return rest.validate(known.filter { refs[$0.key] == nil }).map { typed in
            typed.merging(refs.map { ($0.key, JSONValue.string($0.value)) }) { _, ref in ref }
        }
    }
}
