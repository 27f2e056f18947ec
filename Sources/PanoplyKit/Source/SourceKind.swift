/// A source type as a value: its name, configuration and how to open it, list its
/// resources and compute list values.
///
/// A built-in type is a Swift type (``init(_:)``); a type known only at run time (a
/// Python module, a Singer tap) builds a kind from closures. The CLI, the UI and
/// ``SourceRunner`` work with kinds, so both run the same way.
public struct SourceKind: Sendable {
    /// The name on the command line (`csv`, `python:my_module`).
    public var type: String
    public var configuration: SourceConfiguration
    /// Whether a run after a completed one continues from its state (``DataSource/incremental``).
    public var incremental: Bool
    public typealias Open = @Sendable (SourceInput, SourceContext) async throws -> any DataSource
    public typealias ListResources = @Sendable (SourceInput, SourceContext) async throws -> [SourceResource]
    public typealias Resource = @Sendable (String, SourceInput, SourceContext) async throws -> SourceResource
    public typealias Values = @Sendable (String, SourceInput, SourceContext) async throws -> [ListValue]
    private let openSource: Open
    private let list: ListResources
    private let one: Resource
    private let listValues: Values

    /// A kind whose behaviour is given by closures (a source known at run time).
    public init(
        type: String, configuration: SourceConfiguration, open: @escaping Open,
        listResources: @escaping ListResources, resource: @escaping Resource, values: @escaping Values,
        incremental: Bool = false
    ) {
        self.type = type
        self.incremental = incremental
        self.configuration = configuration
        openSource = open
        list = listResources
        one = resource
        listValues = values
    }

    /// The kind of a Swift source type.
    public init(_ t: any DataSource.Type) {
        self.init(
            type: t.type, configuration: t.configuration,
            open: { try await t.init(source: $0, context: $1) },
            listResources: { try await t.listResources(source: $0, context: $1) },
            resource: { try await t.resource(id: $0, source: $1, context: $2) },
            values: { try await t.values(param: $0, source: $1, context: $2) }, incremental: t.incremental)
    }

    /// Opens a source: the type's `init(source:context:)`.
    /// - Throws: what the source throws (``PanoplyError``).
    public func open(source: SourceInput, context: SourceContext) async throws -> any DataSource {
        try await openSource(source, context)
    }

    /// The resources the source can read (the original `list_resources`).
    /// - Throws: ``PanoplyError``; code 501 when the type lists none.
    public func listResources(_ source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        try await list(source, context)
    }

    /// One resource with its fields (the original `get_resource`).
    /// - Throws: ``PanoplyError`` (not found) when there is no such resource.
    public func resource(_ id: String, source: SourceInput, context: SourceContext) async throws -> SourceResource {
        try await one(id, source, context)
    }

    /// The values of a `list` param, computed from `source` (which holds its dependencies).
    /// - Throws: ``PanoplyError`` when they cannot be computed.
    public func values(_ param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        try await listValues(param, source, context)
    }
}
