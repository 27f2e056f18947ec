import ArgumentParser
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace

struct SourcesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "List the source types and their params; add or remove Python and Singer types.",
        discussion: "With no subcommand, lists the types (as `sources list`).",
        subcommands: [SourcesListCommand.self, SourcesAddCommand.self, SourcesRemoveCommand.self],
        defaultSubcommand: SourcesListCommand.self)
}

struct SourcesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the source types (built-in and added) and their params.")

    @Flag(help: "Print JSON (types with their params) instead of text.")
    var json = false

    @Argument(
        help: ArgumentHelp(
            "Types to show (default: the built-in ones and those added with `sources add`), e.g. python:MODULE or singer:EXECUTABLE.", valueName: "TYPE"))
    var types: [String] = []

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @OptionGroup var python: PythonOption

    func run() throws {
        python.apply()
        let kinds: [SourceKind]
        let (store, registry) = try workspaceOptions.openWithRegistry()
        do {
            if types.isEmpty {
                var added: [SourceKind] = []
                for t in try store.loadAddedTypes() {
                    do { added.append(try registry.require(t.type)) } catch {
                        printError("warning: the added type \(t.type) cannot be loaded: \(error.asPanoplyError.message)")
                    }
                }
                kinds = registry.kinds + added
            } else {
                kinds = try types.map { try registry.require($0) }
            }
        } catch {
            throw fail("\(error.asPanoplyError.message)", code: Exit.usage)
        }
        if json {
            let list: [JSONValue] = kinds.map { .object(Self.typeJSON($0)) }
            print(JSONWriter.string(.array(list)))
            return
        }
        for t in kinds {
            let c = t.configuration
            print("\(t.type)  \(c.title)\(c.summary.isEmpty ? "" : " - \(c.summary)")")
            if let r = c.resourcesParam { print("    (reads each of its \(r) as a resource: panoply discover \(t.type) lists them)") }
            for p in c.params {
                var line = "    \(p.name) (\(p.kind.rawValue)\(p.required ? ", required" : ""))"
                if let d = p.defaultValue { line += " default \(d)" }
                if !p.choices.isEmpty { line += " one of \(p.choices.joined(separator: "|"))" }
                if !p.dependencies.isEmpty { line += " after \(p.dependencies.joined(separator: ", "))" }
                if p.category == .advanced { line += " [advanced]" }
                if !p.visibleWhen.isEmpty {
                    line += " when " + p.visibleWhen.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.joined(separator: "|"))" }.joined(separator: ", ")
                }
                if !p.help.isEmpty { line += ": \(p.help)" }
                print(line)
            }
        }
    }

    static func typeJSON(_ t: SourceKind) -> JSONObject {
        let c = t.configuration
        let params: [JSONValue] = c.params.map { p in
            .object([
                "name": .string(p.name), "title": .string(p.title), "placeholder": .string(p.placeholder),
                "help": .string(p.help), "kind": .string(p.kind.rawValue), "required": .bool(p.required),
                "default": p.defaultValue.map { .string($0) } ?? .null,
                "choices": .array(p.choices.map { .string($0) }),
                "dependencies": .array(p.dependencies.map { .string($0) }), "category": .string(p.category.rawValue),
                "visibleWhen": .object(JSONObject(p.visibleWhen.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .string($0) })) }))
            ])
        }
        return [
            "type": .string(t.type), "title": .string(c.title), "icon": .string(c.icon),
            "summary": .string(c.summary), "params": .array(params),
            "resourcesParam": c.resourcesParam.map { .string($0) } ?? .null
        ]
    }
}
