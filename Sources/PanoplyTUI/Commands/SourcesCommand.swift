import ArgumentParser
import PanoplyKit

struct SourcesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "List the source types and their params.")

    @Flag(help: "Print JSON (types with their params) instead of text.")
    var json = false

    func run() throws {
        if json {
            let list: [JSONValue] = registry.types.map { .object(Self.typeJSON($0)) }
            print(JSONWriter.string(.array(list)))
            return
        }
        for t in registry.types {
            let c = t.configuration
            print("\(t.type)  \(c.title)\(c.summary.isEmpty ? "" : " - \(c.summary)")")
            for p in c.params {
                var line = "    \(p.name) (\(p.kind.rawValue)\(p.required ? ", required" : ""))"
                if let d = p.defaultValue { line += " default \(d)" }
                if !p.choices.isEmpty { line += " one of \(p.choices.joined(separator: "|"))" }
                if !p.help.isEmpty { line += ": \(p.help)" }
                print(line)
            }
        }
    }

    static func typeJSON(_ t: any DataSource.Type) -> JSONObject {
        let c = t.configuration
        let params: [JSONValue] = c.params.map { p in
            .object([
                "name": .string(p.name), "title": .string(p.title), "placeholder": .string(p.placeholder),
                "help": .string(p.help), "kind": .string(p.kind.rawValue), "required": .bool(p.required),
                "default": p.defaultValue.map { .string($0) } ?? .null,
                "choices": .array(p.choices.map { .string($0) }),
            ])
        }
        return ["type": .string(t.type), "title": .string(c.title), "icon": .string(c.icon),
                "summary": .string(c.summary), "params": .array(params)]
    }
}
