import ArgumentParser
import Foundation
import PanoplyKit

struct DiscoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "List a source's resources with their fields, and the values of its list params.",
        discussion:
            "Only the params a list depends on are needed for its values; a missing one is named. A source that does not list its resources (a Python module keeping the base list_resources) offers them as a list's values: those are printed as its resources, as the UI's picker shows them."
    )

    @Argument(help: ArgumentHelp("The source type (a built-in type, python:MODULE or singer:EXECUTABLE).", valueName: "TYPE"))
    var type: String
    @Option(name: .customLong("param"), help: ArgumentHelp("A source param; repeat for each.", valueName: "NAME=VALUE"))
    var params: [String] = []
    @OptionGroup var python: PythonOption
    @Flag(help: "Print JSON ({resources, values}) instead of text.")
    var json = false

    func run() async throws {
        python.apply()
        let (_, registry) = try Workspaces.open(url: nil, keyFile: nil, configDir: nil)
        let kind: SourceKind
        do { kind = try registry.require(type) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        var given: [String: String]
        do { given = try parseParams(params) } catch { throw fail("\(error)", code: Exit.usage) }
        given["destination"] = nil
        // Nothing is required to discover: a source says what it misses.
        var lenient = kind.configuration
        lenient.params = lenient.params.map {
            var p = $0; p.required = false; return p
        }
        let typed: [String: JSONValue]
        switch lenient.validate(given) {
        case .success(let t): typed = t
        case .failure(let e): throw fail(e.description, code: Exit.usage)
        }
        let input = SourceInput(type: kind.type, params: typed)
        let secrets = kind.configuration.params.filter(\.isSecret).map(\.name)
        let context = SourceContext(input: input, secrets: secrets) { if case .log(let l) = $0 { printError(l) } }
        var resources: [SourceResource] = []
        var listed = true
        do { resources = try await kind.listResources(input, context: context) } catch {
            let e = error.asPanoplyError
            if e.code != 501 { throw fail("\(kind.type): \(e.message)", code: e.category == .config ? Exit.usage : Exit.runFailed) }
            listed = false
        }
        var values: [String: [ListValue]] = [:]
        for p in kind.configuration.params where p.kind == .list {
            let missing = p.dependencies.filter { typed[$0] == nil }
            guard missing.isEmpty else {
                printError("\(p.name): give \(missing.joined(separator: ", ")) to list its values")
                continue
            }
            do { values[p.name] = try await kind.values(p.name, source: input, context: context) } catch {
                throw fail("\(p.name): \(error.asPanoplyError.message)", code: Exit.runFailed)
            }
        }
        if !listed { resources = Self.resources(from: values, of: kind.configuration) }
        print(json ? JSONWriter.string(.object(Self.json(resources, values))) : Self.text(resources, values))
    }

    /// The resources of a source that does not list them (code 501): the values of its
    /// `resourcesParam`, else of each list param whose values come from the source (no
    /// fixed choices), e.g. a database module's `tables` dynamic-list, as the picker shows
    /// them: id the value, title the name, no fields.
    static func resources(from values: [String: [ListValue]], of configuration: SourceConfiguration) -> [SourceResource] {
        let params =
            configuration.resourcesParam.map { [$0] }
            ?? configuration.params.filter { $0.kind == .list && $0.choices.isEmpty }.map(\.name)
        return params.flatMap { values[$0] ?? [] }.map {
            SourceResource(id: $0.value, title: $0.name, available: !$0.disabled, requires: $0.requires)
        }
    }

    static func json(_ resources: [SourceResource], _ values: [String: [ListValue]]) -> JSONObject {
        let rs: [JSONValue] = resources.map { r in
            var o: JSONObject = [
                "id": .string(r.id), "title": .string(r.title), "available": .bool(r.available), "required": .bool(r.required),
                "requires": .array(r.requires.map { .string($0) }),
                "fields": .array(
                    r.fields.map {
                        .object([
                            "name": .string($0.name), "type": .string($0.type),
                            "mandatory": .bool($0.mandatory), "available": .bool($0.available)
                        ])
                    })
            ]
            if let n = r.estimatedRows { o["estimated_rows"] = .number(JSONNumber(n)) }
            return .object(o)
        }
        let vs = JSONObject(
            values.sorted { $0.key < $1.key }.map { name, list in
                (
                    name,
                    JSONValue.array(
                        list.map {
                            .object([
                                "name": .string($0.name), "value": .string($0.value),
                                "disabled": .bool($0.disabled), "requires": .array($0.requires.map { .string($0) })
                            ])
                        })
                )
            })
        return ["resources": .array(rs), "values": .object(vs)]
    }

    static func text(_ resources: [SourceResource], _ values: [String: [ListValue]]) -> String {
        var lines: [String] = []
        for r in resources {
            lines.append("\(r.id)\(r.title == r.id ? "" : "  \(r.title)")\(r.available ? "" : "  (unavailable)")")
            for f in r.fields { lines.append("    \(f.name) \(f.type)\(f.mandatory ? " (mandatory)" : "")\(f.available ? "" : " (unavailable)")") }
        }
        for (name, list) in values.sorted(by: { $0.key < $1.key }) {
            lines.append("\(name): " + list.map { $0.disabled ? "(\($0.value))" : $0.value }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
