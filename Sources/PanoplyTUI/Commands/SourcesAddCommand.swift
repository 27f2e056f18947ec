import ArgumentParser
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace

/// `panoply sources add TYPE`: keeps a Python or Singer type in the config folder, so the
/// UI lists it with the built-in ones.
struct SourcesAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a python:MODULE or singer:EXECUTABLE source type to the UI's list.",
        discussion:
            "The type is loaded first (the module imported, the tap asked for --about), so a type that cannot run is refused. Adding a type again replaces it.")

    @Argument(help: ArgumentHelp("python:MODULE or singer:EXECUTABLE.", valueName: "TYPE"))
    var type: String

    @Option(
        help: ArgumentHelp("The Python interpreter for python:MODULE, kept with the added type (default: PANOPLY_PYTHON, else python3).", valueName: "PATH"))
    var python: String?

    @Option(name: .customLong("config-dir"), help: ArgumentHelp("Where added types are kept (default: the config folder).", valueName: "DIR"))
    var configDir: String?

    func run() throws {
        guard type.hasPrefix("python:") || type.hasPrefix("singer:") else {
            throw fail("'\(type)' is not a type to add: give python:MODULE or singer:EXECUTABLE (built-in types are always listed)", code: Exit.usage)
        }
        if python != nil, !type.hasPrefix("python:") {
            throw fail("--python is for python:MODULE types only", code: Exit.usage)
        }
        let store = Workspaces.folder(configDir)
        do {
            var added = try store.loadAddedTypes()
            added.removeAll { $0.type == type }
            added.append(AddedSourceType(type: type, python: python))
            let kind = try BuiltinSources.registry(added: added).require(type)
            try store.saveAddedTypes(added)
            print("added \(type) (\(kind.configuration.title), \(kind.configuration.params.count) params) to \(store.typesFile)")
        } catch {
            throw fail("cannot add \(type): \(error.asPanoplyError.message)", code: Exit.usage)
        }
    }
}

/// `panoply sources remove TYPE`: takes an added type off the list (saved sources of that
/// type stay, and can run once it is added again).
struct SourcesRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a source type added with `sources add`.")

    @Argument(help: ArgumentHelp("The added type.", valueName: "TYPE"))
    var type: String

    @Option(name: .customLong("config-dir"), help: ArgumentHelp("Where added types are kept (default: the config folder).", valueName: "DIR"))
    var configDir: String?

    func run() throws {
        let store = Workspaces.folder(configDir)
        do {
            var added = try store.loadAddedTypes()
            guard added.contains(where: { $0.type == type }) else {
                let list = added.map(\.type).joined(separator: ", ")
                throw PanoplyError.config("\(type) was not added (added: \(list.isEmpty ? "none" : list))")
            }
            added.removeAll { $0.type == type }
            try store.saveAddedTypes(added)
            print("removed \(type)")
        } catch {
            throw fail(error.asPanoplyError.message, code: Exit.usage)
        }
    }
}
