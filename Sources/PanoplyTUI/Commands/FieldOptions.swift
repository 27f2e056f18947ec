import ArgumentParser
import PanoplyKit
import PanoplyWorkspace

/// `--exclude`, `--hash`, `--rename`, `--hash-salt`: the field settings of `run`, `preview`,
/// `save` and `check`.
struct FieldOptions: ParsableArguments {
    @Option(
        name: .customLong("exclude"),
        help: ArgumentHelp("Leave a field out of the records (never sent; a database does not read it); repeat for each.", valueName: "[RESOURCE:]FIELD"))
    var exclude: [String] = []
    @Option(
        name: .customLong("hash"),
        help: ArgumentHelp(
            "Send a field's lowercase hex SHA-256 instead of its value (with --hash-salt, HMAC-SHA256); null stays null; repeat for each.",
            valueName: "[RESOURCE:]FIELD"))
    var hash: [String] = []
    @Option(name: .customLong("rename"), help: ArgumentHelp("Send a field under another name; repeat for each.", valueName: "[RESOURCE:]FIELD=NEW"))
    var rename: [String] = []
    @Option(
        name: .customLong("hash-salt"),
        help: ArgumentHelp("The key of hashed fields (HMAC-SHA256); `${NAME}` reads it from the environment. A secret: never shown.", valueName: "VALUE"))
    var hashSalt: String?

    /// Whether any option was given.
    var given: Bool { !exclude.isEmpty || !hash.isEmpty || !rename.isEmpty || hashSalt != nil }

    /// The settings, parsed against the resources the run reads (when it picks them) and
    /// checked against their fields where the source knows them. The salt is kept as typed.
    /// - Throws: an exit with code 2 and the message.
    func settings(_ kind: SourceKind, input: SourceInput) async throws -> FieldSettings {
        guard given else { return FieldSettings() }
        let plan = ResourcePlan(configuration: kind.configuration, input: input)
        let parsed: FieldSettings
        do {
            parsed = try FieldSettings.parse(exclude: exclude, hash: hash, rename: rename, hashSalt: hashSalt, resources: plan?.ids)
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        return try await FieldCheck.validate(parsed, kind: kind, input: input)
    }
}

/// Field settings checked against what the source says of its resources' fields.
enum FieldCheck {
    /// `settings` checked against the fields of the resources the run reads, where the
    /// source lists them (elsewhere the runner warns at the first record).
    /// - Throws: an exit with code 2 naming the resource and the fields it has.
    static func validate(_ settings: FieldSettings, kind: SourceKind, input: SourceInput) async throws -> FieldSettings {
        do { try settings.check() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        guard !settings.isEmpty else { return settings }
        let context = SourceContext(input: input, secrets: kind.configuration.params.filter(\.isSecret).map(\.name))
        var listed: [SourceResource]
        do { listed = try await kind.listResources(input, context: context) } catch {
            let e = error.asPanoplyError
            if e.code != 501 {
                printError("warning: cannot check the field settings against the source's fields (\(e.message)); they are checked at the first record")
            }
            return settings
        }
        if let plan = ResourcePlan(configuration: kind.configuration, input: input) {
            listed = listed.filter { plan.ids.contains($0.id) }
            let named = Set(settings.resources.keys).subtracting([FieldSettings.anyResource])
            // A resource the source offers but the run does not read.
            if let other = named.sorted().first(where: { !plan.ids.contains($0) }) {
                throw fail("the field settings name '\(other)', which the run does not read (it reads: \(plan.ids.joined(separator: ", ")))", code: Exit.usage)
            }
        }
        do { return try settings.validated(against: listed) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
    }

    /// The settings with the salt's `${NAME}` expanded; the salt is masked in all output.
    /// - Throws: an exit with code 2 naming a variable that is not set.
    static func resolvingSalt(_ settings: FieldSettings) throws -> FieldSettings {
        do {
            let (resolved, secrets) = try settings.resolvingSalt(env: processEnvironment)
            OutputRedaction.add(secrets)
            return resolved
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
    }
}
