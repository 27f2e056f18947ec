import PanoplyKit

extension FieldSettings {
    /// The settings with the salt's `${NAME}` references expanded, and the values to mask
    /// (the salt is a secret: never logged or shown).
    /// - Throws: ``PanoplyError`` (config) naming a variable that is not set.
    package func resolvingSalt(env: [String: String]) throws -> (settings: FieldSettings, secrets: [String]) {
        guard let salt = hashSalt, !salt.isEmpty else { return (self, []) }
        let (text, missing) = EnvReference.expand(salt, env: env)
        if let missing {
            throw PanoplyError.config("--hash-salt: the environment variable \(missing) is not set (the salt refers to ${\(missing)}); export it")
        }
        var out = self
        out.hashSalt = text
        return (out, text.count >= 3 ? [text] : [])
    }

    /// The settings as `list --json` and `status --json` show them: per resource its
    /// excluded, hashed and renamed fields, and whether a salt is set (never the salt).
    package var json: JSONValue {
        var resources = JSONObject()
        for (id, f) in self.resources.sorted(by: { $0.key < $1.key }) where !f.isEmpty {
            var o: JSONObject = [
                "exclude": .array(f.exclude.map { .string($0) }), "hash": .array(f.hash.map { .string($0) })
            ]
            o["rename"] = .object(JSONObject(f.rename.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
            resources[id] = .object(o)
        }
        return ["resources": .object(resources), "salted": .bool(isSalted)]
    }
}
