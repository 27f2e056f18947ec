/// What a run does to the fields of each resource before its records are encoded:
/// **exclude** a field (never sent), **hash** it (``FieldHash``), **rename** it. Kept with a
/// saved source (`fields` in its JSON) and given on the command line as
/// `--exclude [RESOURCE:]FIELD`, `--hash [RESOURCE:]FIELD`, `--rename [RESOURCE:]FIELD=NEW`.
///
/// The settings of a source without resources, or given without a resource where the
/// resources are not known, are kept under the empty id ``anyResource``.
public struct FieldSettings: Sendable, Equatable, Codable {
    /// The id settings given without a resource are kept under.
    public static let anyResource = ""

    /// The settings of each resource, by its id.
    public var resources: [String: ResourceFields]
    /// The salt of hashed fields (HMAC-SHA256 keyed by its UTF-8 bytes), or nil for plain
    /// SHA-256. Saved as typed (a `${NAME}` reference stays one); a secret: never shown.
    public var hashSalt: String?

    public init(resources: [String: ResourceFields] = [:], hashSalt: String? = nil) {
        self.resources = resources
        self.hashSalt = hashSalt
    }

    /// Whether no field of any resource is excluded, hashed or renamed.
    public var isEmpty: Bool { resources.values.allSatisfy(\.isEmpty) }

    /// The settings that apply to the records of `resource`: its own, else those given
    /// without a resource; for records of no resource, those given without one, else the
    /// settings of the only resource named.
    public func fields(for resource: String?) -> ResourceFields? {
        let found: ResourceFields?
        if let resource, let own = resources[resource] {
            found = own
        } else if let any = resources[Self.anyResource] {
            found = any
        } else if resource == nil, resources.count == 1 {
            found = resources.values.first
        } else {
            found = nil
        }
        return found?.isEmpty == false ? found : nil
    }

    /// Whether any hashed field needs the salt (and the salt is set).
    public var isSalted: Bool { hashSalt.map { !$0.isEmpty } ?? false }

    private enum CodingKeys: String, CodingKey { case resources, hashSalt }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        resources = try c.decodeIfPresent([String: ResourceFields].self, forKey: .resources) ?? [:]
        hashSalt = try c.decodeIfPresent(String.self, forKey: .hashSalt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(resources.filter { !$0.value.isEmpty }, forKey: .resources)
        try c.encodeIfPresent(hashSalt, forKey: .hashSalt)
    }
}

/// The field settings of one resource.
public struct ResourceFields: Sendable, Equatable, Codable {
    /// Fields left out of the records (sorted).
    public var exclude: [String]
    /// Fields whose values are hashed (sorted).
    public var hash: [String]
    /// New names, by field (a hashed field may be renamed too).
    public var rename: [String: String]
    /// Whether the fields were checked against the resource's known fields before the run;
    /// the runner then does not warn of fields missing from the first record. Not saved.
    public var checked = false

    public init(exclude: [String] = [], hash: [String] = [], rename: [String: String] = [:]) {
        self.exclude = exclude
        self.hash = hash
        self.rename = rename
    }

    public var isEmpty: Bool { exclude.isEmpty && hash.isEmpty && rename.isEmpty }

    /// Every field named by a setting, sorted.
    public var named: [String] { Array(Set(exclude).union(hash).union(rename.keys)).sorted() }

    /// "2 excluded, 1 hashed, 1 renamed" (empty when there is nothing).
    public var summary: String {
        [(exclude.count, "excluded"), (hash.count, "hashed"), (rename.count, "renamed")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }

    private enum CodingKeys: String, CodingKey { case exclude, hash, rename }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exclude = try c.decodeIfPresent([String].self, forKey: .exclude) ?? []
        hash = try c.decodeIfPresent([String].self, forKey: .hash) ?? []
        rename = try c.decodeIfPresent([String: String].self, forKey: .rename) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !exclude.isEmpty { try c.encode(exclude, forKey: .exclude) }
        if !hash.isEmpty { try c.encode(hash, forKey: .hash) }
        if !rename.isEmpty { try c.encode(rename, forKey: .rename) }
    }
}

extension FieldSettings {
    /// The settings as a run's history row keeps them: never the salt (a secret); nil when
    /// there are none.
    public var recorded: FieldSettings? {
        var kept = self
        kept.hashSalt = nil
        return kept.isEmpty ? nil : kept
    }
}
