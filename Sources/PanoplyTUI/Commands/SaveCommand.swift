import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

struct SaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Create or update a saved source from the command line, as the UI's form would.",
        discussion: """
            The params are checked as the form checks them; a `${NAME}` reference is kept as written and \
            read from the environment when the source runs. Updating a source with the same params keeps \
            its committed state; changed params make its next run start over.

            Example:
              panoply save "Orders DB" postgres --param host=db --param database=shop \\
                --param user=reader --param 'password=${PGPASSWORD}' \\
                --param tables=public.orders
            """)

    @Argument(help: ArgumentHelp("The saved source's name.", valueName: "NAME"))
    var name: String
    @Argument(help: ArgumentHelp("The source type (see `panoply sources`).", valueName: "TYPE"))
    var type: String
    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A source param; repeat for each. `destination` names the table (default: TYPE).", valueName: "NAME=VALUE"))
    var params: [String] = []
    @OptionGroup var python: PythonOption
    @OptionGroup var fields: FieldOptions
    @OptionGroup var workspaceOptions: WorkspaceOptions

    func validate() throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("NAME must not be empty") }
    }

    func run() async throws {
        python.apply()
        let (store, registry) = try workspaceOptions.openWithRegistry()
        let kind: SourceKind
        do { kind = try registry.require(type) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        var values: [String: String]
        do { values = try parseParams(params) } catch { throw fail("\(error)", code: Exit.usage) }
        let table = values.removeValue(forKey: "destination")
        let typed: [String: JSONValue]
        switch kind.configuration.validateAllowingReferences(values) {
        case .success(let t): typed = t
        case .failure(let errors):
            for p in errors.problems { printError("error: --param \(p.param): \(p.message)") }
            throw ExitCode(Exit.usage)
        }
        let fieldSettings = try await checkedFields(kind, typed: typed, table: table)
        // Held while the source and its state change: a run that goes on would commit over them.
        let lease: Lease
        do { lease = try store.acquireLease(of: name, holder: .current(origin: "cli"), wait: nil) } catch let busy as LeaseBusy {
            throw fail("\(busy.message); cancel it (panoply cancel \(RunCommand.shellQuoted(name))) or wait for it to end", code: Exit.alreadyRunning)
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        defer { lease.release() }
        var sources: [SavedSource]
        do { sources = try store.loadSources() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        var note = "saved '\(name)' (\(type))"
        if let i = sources.firstIndex(where: { $0.name == name }) {
            let before = sources[i]
            let beforeTyped = try? registry.kind(named: before.type)?.configuration.validateAllowingReferences(before.values).get()
            let changed = before.type != type || beforeTyped != typed
            sources[i].type = type
            sources[i].values = values
            sources[i].table = table ?? (before.type == type ? before.table : "")
            if fields.given { sources[i].fields = fieldSettings }
            if changed {
                do { try store.resetState(of: name) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
                note = "updated '\(name)' (\(type)); its params changed, so its next run starts over"
            } else {
                note = "updated '\(name)' (\(type)); params unchanged, its committed state is kept"
            }
        } else {
            var entry = SavedSource(name: name, type: type, values: values, table: table ?? "")
            entry.fields = fieldSettings
            sources.append(entry)
        }
        do {
            try store.saveSources(sources)
            if let added = try addType(to: store) { note += "; \(added)" }
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        print(note)
    }

    /// The field settings given (nil when none), checked against the source's fields where
    /// it lists them (with `${NAME}` references in the params expanded; the salt stays as typed).
    /// - Throws: an exit with code 2 for settings that cannot work.
    private func checkedFields(_ kind: SourceKind, typed: [String: JSONValue], table: String?) async throws -> FieldSettings? {
        guard fields.given else { return nil }
        guard let resolved = try? EnvReference.resolve(typed, kind.configuration, env: processEnvironment) else {
            return try await fields.settings(kind, input: SourceInput(type: type, params: [:], destination: table))
        }
        let settings = try await fields.settings(kind, input: SourceInput(type: type, params: resolved.params, destination: table))
        return settings.isEmpty && settings.hashSalt == nil ? nil : settings
    }

    /// A `python:` or `singer:` type not yet added to the workspace is added (with
    /// `--python`), so the UI lists the source's type as `panoply sources add` would.
    /// - Returns: what was done, nil when nothing was.
    private func addType(to store: any Workspace) throws -> String? {
        guard type.hasPrefix("python:") || type.hasPrefix("singer:") else { return nil }
        var types = try store.loadAddedTypes()
        guard !types.contains(where: { $0.type == type }) else { return nil }
        types.append(AddedSourceType(type: type, python: type.hasPrefix("python:") ? python.python : nil))
        try store.saveAddedTypes(types)
        return "added the type \(type) to the source types"
    }
}
