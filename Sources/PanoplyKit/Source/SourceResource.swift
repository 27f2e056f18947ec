/// A table, file or endpoint a source can read: the original `Resource`
/// (`id`, `title`, `fields`, `available`, `required`, `requires`).
public struct SourceResource: Sendable, Equatable, Codable {
    /// The key a record carries to name its resource (`"__resource": "public.orders"`).
    public static let recordKey = "__resource"

    /// Stable id: `schema.name` for PostgreSQL, a file's relative path, a Singer `tap_stream_id`.
    public var id: String
    public var title: String
    public var fields: [Field]
    /// False when the user may not read it (no permission): shown greyed, not pickable.
    public var available: Bool
    /// True when it is always read.
    public var required: Bool
    /// The ids of resources that must be read with this one.
    public var requires: [String]
    /// How many rows it holds by the source's cheap estimate (PostgreSQL's `reltuples`,
    /// SQLite's `sqlite_stat1` or rowid range), when it has one: shown in the picker.
    public var estimatedRows: Int?

    /// A column or attribute of a resource: the original `Field`.
    public struct Field: Sendable, Equatable, Codable {
        public var name: String
        public var type: String
        /// The original `is_mandatory`: always read.
        public var mandatory: Bool
        /// The original `is_available`.
        public var available: Bool
        public init(name: String, type: String, mandatory: Bool = false, available: Bool = true) {
            self.name = name
            self.type = type
            self.mandatory = mandatory
            self.available = available
        }
    }

    public init(
        id: String, title: String? = nil, fields: [Field] = [], available: Bool = true,
        required: Bool = false, requires: [String] = [], estimatedRows: Int? = nil
    ) {
        self.id = id
        self.title = title ?? id
        self.fields = fields
        self.available = available
        self.required = required
        self.requires = requires
        self.estimatedRows = estimatedRows
    }

    /// The earlier shape: a resource named by its id.
    public init(name: String, fields: [Field]) { self.init(id: name, fields: fields) }

    /// The id (the earlier name of this property).
    public var name: String {
        get { id }
        set { id = newValue }
    }
}

/// One value a `list` param can take, in the original UI format
/// `{name, value, disabled, requires}`.
public struct ListValue: Sendable, Equatable {
    /// What the user sees.
    public var name: String
    /// What is stored and matched (`--param tables=public.orders` matches `value`).
    public var value: String
    public var disabled: Bool
    /// Values picked along with this one.
    public var requires: [String]
    /// The whole value object as the source gave it (a Python source gets it back as is).
    public var raw: JSONValue?

    public init(name: String, value: String, disabled: Bool = false, requires: [String] = [], raw: JSONValue? = nil) {
        self.name = name
        self.value = value
        self.disabled = disabled
        self.requires = requires
        self.raw = raw
    }
}
