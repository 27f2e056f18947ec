/// The source types the CLI and the UI offer, by name.
public struct SourceRegistry: Sendable {
    public private(set) var types: [any DataSource.Type]

    public init(_ types: [any DataSource.Type] = []) { self.types = types }

    public mutating func register(_ type: any DataSource.Type) {
        types.removeAll { $0.type == type.type }
        types.append(type)
    }

    public func type(named name: String) -> (any DataSource.Type)? {
        types.first { $0.type == name }
    }

    public var names: [String] { types.map { $0.type } }

    /// Finds a type or says which exist.
    /// - Throws: ``PanoplyError`` (config) listing the known types.
    public func require(_ name: String) throws -> any DataSource.Type {
        guard let t = type(named: name) else {
            throw PanoplyError.config("unknown source type '\(name)'; available: \(names.joined(separator: ", "))")
        }
        return t
    }
}
