import ArgumentParser
import PanoplyKit

struct SourcesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "List the source types and their params.")

    @Flag(help: "Print JSON (types with their params) instead of text.")
    var json = false

    @Argument(help: ArgumentHelp("Types to show (default: the built-in ones), e.g. python:MODULE or singer:EXECUTABLE.", valueName: "TYPE"))
    var types: [String] = []

    func run() throws {
        let kinds: [SourceKind]
        do { kinds = types.isEmpty ? registry.kinds : try types.map { try registry.require($0) } } catch {
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
            ])
        }
        return ["type": .string(t.type), "title": .string(c.title), "icon": .string(c.icon),
                "summary": .string(c.summary), "params": .array(params),
                "resourcesParam": c.resourcesParam.map { .string($0) } ?? .null]
    }
}
