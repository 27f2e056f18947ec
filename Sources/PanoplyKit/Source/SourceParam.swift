import Foundation

/// One input of a data source's configuration, as in the original `CONFIG["params"]`,
/// plus what a form and a CLI need to validate it.
public struct SourceParam: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case text, secret, number, boolean, choice, path, multiline
        /// Several values, from static ``SourceParam/choices`` or from values the source
        /// computes (``DataSource/values(param:source:context:)``) once the params named
        /// in ``SourceParam/dependencies`` are filled. Typed comma-separated.
        case list
    }

    /// Where a form shows a param: `advanced` ones are folded away until asked for.
    public enum Category: String, Sendable, Codable, CaseIterable {
        case basic, advanced
    }

    public var name: String
    public var title: String
    public var placeholder: String
    public var help: String
    public var kind: Kind
    public var required: Bool
    /// The value used when none is given (as text, the way a user types it).
    public var defaultValue: String?
    /// Allowed values for `.choice`, and the static values of a `.list` (empty: the
    /// source computes them).
    public var choices: [String]
    /// The params that must be filled before the source can compute this list's values.
    public var dependencies: [String]
    /// `advanced` params are folded away in the form.
    public var category: Category
    /// When the param applies: each named param must hold one of the listed values
    /// (`["auth": ["oauth2"]]`); empty means always. A param that does not apply is not
    /// shown in the form, not validated and not saved. Unlike ``dependencies`` (what a
    /// list's values need), this says whether the param is there at all.
    public var visibleWhen: [String: [String]]

    public init(
        _ name: String, title: String? = nil, kind: Kind = .text, required: Bool = false,
        default defaultValue: String? = nil, placeholder: String = "", help: String = "", choices: [String] = [],
        dependencies: [String] = [], category: Category = .basic, visibleWhen: [String: [String]] = [:]
    ) {
        self.visibleWhen = visibleWhen
        self.dependencies = dependencies
        self.category = category
        self.name = name
        self.title = title ?? name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.placeholder = placeholder
        self.help = help
        self.choices = choices
    }

    public var isSecret: Bool { kind == .secret }

    /// This param, shown only when `param` holds one of `values` (see ``visibleWhen``).
    public func visible(when param: String, is values: String...) -> SourceParam {
        var p = self
        p.visibleWhen[param, default: []] += values
        return p
    }

    /// Converts typed text to the param's JSON value, or says why it cannot.
    public func parse(_ text: String) -> Result<JSONValue, ParamProblem> {
        switch kind {
        case .number:
            let t = text.trimmingCharacters(in: .whitespaces)
            guard let n = try? JSONNumber(text: t) else {
                return .failure(ParamProblem(param: name, message: "\(title) must be a number (got '\(t)')"))
            }
            return .success(.number(n))
        case .boolean:
            switch text.lowercased().trimmingCharacters(in: .whitespaces) {
            case "true", "yes", "1", "on": return .success(.bool(true))
            case "false", "no", "0", "off": return .success(.bool(false))
            default: return .failure(ParamProblem(param: name, message: "\(title) must be true or false (got '\(text)')"))
            }
        case .choice:
            guard choices.contains(text) else {
                return .failure(ParamProblem(param: name, message: "\(title) must be one of \(choices.joined(separator: ", ")) (got '\(text)')"))
            }
            return .success(.string(text))
        case .list:
            let items = Self.listItems(text)
            if !choices.isEmpty, let bad = items.first(where: { !choices.contains($0) }) {
                return .failure(ParamProblem(param: name, message: "\(title) takes values from \(choices.joined(separator: ", ")) (got '\(bad)')"))
            }
            return .success(.array(items.map { .string($0) }))
        case .text, .secret, .path, .multiline:
            return .success(.string(text))
        }
    }

    /// The values of a list typed comma-separated (`public.orders, public.users`): trimmed,
    /// empty ones dropped.
    public static func listItems(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A problem with one param's value.
public struct ParamProblem: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var param: String
    public var message: String
    public init(param: String, message: String) {
        self.param = param
        self.message = message
    }
    public var description: String { message }
}
