/// A data source: the Swift form of the original `panoply.DataSource`.
///
/// A type declares its ``configuration`` (title, icon, params); an instance is created
/// from the filled-in ``SourceInput`` and a ``SourceContext`` through which it logs,
/// reports progress and state, and fires events. `read` returns batches until `nil`.
/// Conform with an `actor` (or a final class that protects its own state).
public protocol DataSource: AnyObject, Sendable {
    /// The type name used on the command line and in saved configurations (`csv`, `postgres`).
    static var type: String { get }
    static var configuration: SourceConfiguration { get }
    /// Whether a run after a completed one continues from the committed state (rows after
    /// the last key, bytes after the last offset) rather than starting over. Runs of saved
    /// sources (`panoply run --saved`, Ctrl-S in the UI) follow it; a full refresh starts
    /// over. Default: false.
    static var incremental: Bool { get }

    /// Opens the source. `source.state` holds the committed state when resuming.
    /// - Throws: ``PanoplyError`` (config, auth, not found, ...) with a message for the user.
    init(source: SourceInput, context: SourceContext) async throws

    /// Reads up to about `n` records; `nil` at the end of data. Each record should carry
    /// `__state` with the current state id (the runner adds it when missing).
    /// - Throws: ``PanoplyError``; `retryable` ones are retried by the runner.
    func read(_ n: Int) async throws -> [JSONObject]?

    /// Releases connections, files, temporary data.
    func close() async

    /// Checks that the source can be reached with its params, reading nothing.
    func check() async throws

    /// The resources (tables, endpoints) the source can read, with their fields: the
    /// original `list_resources`.
    static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource]

    /// One resource with its fields: the original `get_resource`. By default, the one
    /// of ``listResources(source:context:)`` with this id.
    /// - Throws: ``PanoplyError`` (not found, 404) when there is no such resource.
    static func resource(id: String, source: SourceInput, context: SourceContext) async throws -> SourceResource

    /// The values a `list` param can take, computed from the other params (which hold at
    /// least the param's ``SourceParam/dependencies``). By default its static `choices`.
    /// - Throws: ``PanoplyError`` when the values cannot be computed (e.g. no connection).
    static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue]
}

extension DataSource {
    public static var incremental: Bool { false }

    public func check() async throws {}

    public static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        throw PanoplyError(.config, "\(type) sources do not list resources", code: 501)
    }

    public static func resource(id: String, source: SourceInput, context: SourceContext) async throws -> SourceResource {
        let all = try await listResources(source: source, context: context)
        guard let r = all.first(where: { $0.id == id }) else {
            throw PanoplyError(.notFound, "\(type) has no resource '\(id)' (it has: \(all.map(\.id).joined(separator: ", ")))")
        }
        return r
    }

    public static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        guard let p = configuration.param(param), p.kind == .list else {
            throw PanoplyError(.config, "\(type) has no list param '\(param)'")
        }
        return p.choices.map { ListValue(name: $0, value: $0) }
    }
}

/// The filled-in configuration a source is created from: the original `source` dict.
public struct SourceInput: Sendable, Equatable {
    /// The source type's name.
    public var type: String
    /// Typed param values (see ``SourceConfiguration/validate(_:)``).
    public var params: [String: JSONValue]
    /// The destination table; defaults to the type's name.
    public var destination: String
    /// The committed state of an earlier run, to resume from.
    public var state: JSONObject?
    /// Extra hints (the original `options`), e.g. incremental keys.
    public var options: JSONObject
    /// The one resource this instance reads, when the runner reads a source resource by
    /// resource (see ``SourceConfiguration/resourcesParam``); then ``state`` is that
    /// resource's part of the run's state. Nil otherwise.
    public var resource: String?
    /// What the run does to the records' fields (exclude, hash, rename): applied by the
    /// runner; a source may leave excluded fields unread (``FieldSettings/fields(for:)``).
    public var fields = FieldSettings()

    public init(
        type: String, params: [String: JSONValue], destination: String? = nil, state: JSONObject? = nil, options: JSONObject = [:], resource: String? = nil
    ) {
        self.resource = resource
        self.type = type
        self.params = params
        self.destination = (destination?.isEmpty == false ? destination! : Self.defaultDestination(type))
        self.state = state
        self.options = options
    }

    /// The table a type's records go to by default: the type itself, or for a type known
    /// at run time its last part made table-safe (`python:acme.orders` gives `orders`,
    /// `singer:tap-jsonl` gives `tap_jsonl`).
    public static func defaultDestination(_ type: String) -> String {
        guard type.contains(":") else { return type }
        let last = type.split(whereSeparator: { ":./".contains($0) }).last.map(String.init) ?? type
        return String(last.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }

    public func string(_ name: String) -> String? {
        guard let v = params[name] else { return nil }
        switch v {
        case .string(let s): return s.isEmpty ? nil : s
        case .null: return nil
        default: return v.displayText
        }
    }

    public func int(_ name: String) -> Int? {
        if let i = params[name]?.intValue { return i }
        return string(name).flatMap { Int($0) }
    }

    public func bool(_ name: String) -> Bool? {
        if let b = params[name]?.boolValue { return b }
        return string(name).map { ["true", "yes", "1", "on"].contains($0.lowercased()) }
    }
}
