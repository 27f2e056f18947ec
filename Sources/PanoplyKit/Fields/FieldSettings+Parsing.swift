/// Field settings from the command line (`[RESOURCE:]FIELD`, `[RESOURCE:]FIELD=NEW`), and
/// their checks: reserved keys, names given twice, fields a resource does not have.
extension FieldSettings {
    /// The settings of `--exclude`, `--hash`, `--rename` and `--hash-salt`.
    /// - Parameters:
    ///   - known: the ids of the resources the source reads, when known: a setting without
    ///     a resource then belongs to the only one (an error when there are several), and
    ///     `RESOURCE:FIELD` is split at the last `:` that leaves a known id. Nil when not
    ///     known: split at the last `:`, or kept under ``anyResource``.
    /// - Throws: ``PanoplyError`` (config) saying what is wrong and how to write it.
    public static func parse(
        exclude: [String], hash: [String], rename: [String], hashSalt: String?, resources known: [String]?
    ) throws -> FieldSettings {
        var settings = FieldSettings(hashSalt: hashSalt)
        for spec in exclude {
            let (r, f) = try split(spec, option: "--exclude", known: known)
            settings.resources[r, default: ResourceFields()].exclude.append(f)
        }
        for spec in hash {
            let (r, f) = try split(spec, option: "--hash", known: known)
            settings.resources[r, default: ResourceFields()].hash.append(f)
        }
        for spec in rename {
            guard let eq = spec.lastIndex(of: "=") else {
                throw PanoplyError.config("--rename \(spec): write it as [RESOURCE:]FIELD=NEW")
            }
            let (r, f) = try split(String(spec[..<eq]), option: "--rename", known: known)
            let new = String(spec[spec.index(after: eq)...])
            guard !new.isEmpty else { throw PanoplyError.config("--rename \(spec): the new name is empty (write [RESOURCE:]FIELD=NEW)") }
            if let before = settings.resources[r]?.rename[f], before != new {
                throw PanoplyError.config("--rename: '\(f)'\(of(r)) is renamed twice ('\(before)' and '\(new)')")
            }
            settings.resources[r, default: ResourceFields()].rename[f] = new
        }
        for (id, var fields) in settings.resources {
            fields.exclude = Array(Set(fields.exclude)).sorted()
            fields.hash = Array(Set(fields.hash)).sorted()
            settings.resources[id] = fields
        }
        try settings.check()
        return settings
    }

    /// `[RESOURCE:]FIELD` as its resource id and field.
    static func split(_ spec: String, option: String, known: [String]?) throws -> (String, String) {
        guard !spec.isEmpty else { throw PanoplyError.config("\(option): the field is empty (write [RESOURCE:]FIELD)") }
        let colons = spec.indices.filter { spec[$0] == ":" }.reversed()
        guard let known, !known.isEmpty else {
            guard let last = colons.first else { return (anyResource, spec) }
            return (String(spec[..<last]), String(spec[spec.index(after: last)...]))
        }
        for c in colons where known.contains(String(spec[..<c])) {
            return (String(spec[..<c]), String(spec[spec.index(after: c)...]))
        }
        if known.count == 1 { return (known[0], spec) }
        let list = known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", ..." : "")
        if let last = colons.first {
            throw PanoplyError.config("\(option) \(spec): the run reads no resource '\(spec[..<last])' (it reads: \(list))")
        }
        throw PanoplyError.config("\(option) \(spec): this source reads several resources; name one as RESOURCE:FIELD (\(list))")
    }

    /// " of R" for a setting of resource R (nothing for ``anyResource``).
    static func of(_ resource: String) -> String { resource == anyResource ? "" : " of \(resource)" }

    /// Checks what needs no knowledge of the fields: reserved keys, a field both excluded
    /// and hashed or renamed, two fields renamed to one name.
    /// - Throws: ``PanoplyError`` (config) naming the resource and the fields.
    public func check() throws {
        for (id, f) in resources.sorted(by: { $0.key < $1.key }) {
            let reserved = EncodedRecords.reservedKeys
            for name in f.named + f.rename.values.sorted() where reserved.contains(name) || name.isEmpty {
                throw PanoplyError.config(
                    name.isEmpty
                        ? "a field name\(Self.of(id)) is empty"
                        : "'\(name)'\(Self.of(id)) is a key the runner sets (__table, __state, __resource): it cannot be excluded, hashed or renamed")
            }
            for name in f.exclude where f.hash.contains(name) || f.rename[name] != nil {
                throw PanoplyError.config("'\(name)'\(Self.of(id)) is excluded: it cannot be hashed or renamed too")
            }
            var targets: [String: String] = [:]
            for (old, new) in f.rename.sorted(by: { $0.key < $1.key }) {
                if let other = targets[new] {
                    throw PanoplyError.config("'\(other)' and '\(old)'\(Self.of(id)) are both renamed to '\(new)': two fields cannot have one name")
                }
                targets[new] = old
            }
        }
    }

    /// Checks the settings against the resources' fields, where the source knows them, and
    /// marks those resources checked (``ResourceFields/checked``).
    /// - Parameter known: the resources the run reads, with their fields (a resource with
    ///   no fields is one whose fields are known only from its records).
    /// - Throws: ``PanoplyError`` (config) naming the resource, the unknown fields and the
    ///   fields it has; or a field renamed onto one that is kept.
    public func validated(against known: [SourceResource]) throws -> FieldSettings {
        try check()
        var out = self
        for (id, f) in resources.sorted(by: { $0.key < $1.key }) where !f.isEmpty {
            let resource = id == Self.anyResource ? (known.count == 1 ? known.first : nil) : known.first { $0.id == id }
            guard let resource, !resource.fields.isEmpty else { continue }
            let names = resource.fields.map(\.name)
            let unknown = f.named.filter { !names.contains($0) }
            if !unknown.isEmpty {
                let list = unknown.map { "'\($0)'" }.joined(separator: ", ")
                throw PanoplyError.config(
                    "\(resource.id) has no field \(list) (its fields: \(names.joined(separator: ", ")))")
            }
            for (old, new) in f.rename.sorted(by: { $0.key < $1.key })
            where names.contains(new) && !f.exclude.contains(new) && f.rename[new] == nil {
                throw PanoplyError.config("renaming '\(old)' of \(resource.id) to '\(new)' gives two fields named '\(new)' (exclude or rename '\(new)' too)")
            }
            out.resources[id]?.checked = true
        }
        return out
    }
}
