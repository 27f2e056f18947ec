import Foundation

/// The source types the CLI and the UI offer, by name: the built-in Swift types, and
/// resolvers for names known only at run time (`python:MODULE`, `singer:EXECUTABLE`).
public struct SourceRegistry: Sendable {
    public private(set) var types: [any DataSource.Type]
    /// Resolvers by prefix (`python` for `python:MODULE`).
    public private(set) var resolvers: [String: @Sendable (String) throws -> SourceKind] = [:]

    public init(_ types: [any DataSource.Type] = []) { self.types = types }

    public mutating func register(_ type: any DataSource.Type) {
        types.removeAll { $0.type == type.type }
        types.append(type)
    }

    /// Registers how to build the kind of `PREFIX:REST` names; the closure gets `REST`.
    public mutating func register(prefix: String, _ resolve: @escaping @Sendable (String) throws -> SourceKind) {
        resolvers[prefix] = resolve
    }

    public func type(named name: String) -> (any DataSource.Type)? {
        types.first { $0.type == name }
    }

    public var names: [String] { types.map { $0.type } + resolvers.keys.sorted().map { "\($0):…" } }

    /// The kinds of the built-in types.
    public var kinds: [SourceKind] { types.map { SourceKind($0) } }

    /// A built-in type's kind, or one a resolver builds for `PREFIX:REST`; nil for an
    /// unknown name.
    /// - Throws: the resolver's error (e.g. a Python module that does not import).
    public func kind(named name: String) throws -> SourceKind? {
        if let t = type(named: name) { return SourceKind(t) }
        guard let colon = name.firstIndex(of: ":"), let resolve = resolvers[String(name[..<colon])] else { return nil }
        return try resolve(String(name[name.index(after: colon)...]))
    }

    /// Finds a type or says which exist.
    /// - Throws: ``PanoplyError`` (config) listing the known types, or the resolver's error.
    public func require(_ name: String) throws -> SourceKind {
        guard let k = try kind(named: name) else {
            throw PanoplyError.config("unknown source type '\(name)'; available: \(names.joined(separator: ", "))")
        }
        return k
    }
}
