import ArgumentParser
import Foundation
import PanoplyKit

/// `TYPE --param NAME=VALUE ...`, resolved into a validated source input.
struct SourceSelection: ParsableArguments {
    @Argument(help: ArgumentHelp("The source type (see `panoply sources`).", valueName: "TYPE"))
    var type: String?
    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A source param; repeat for each. `destination` names the table (default: TYPE).", valueName: "NAME=VALUE"))
    var params: [String] = []
    @OptionGroup var python: PythonOption

    /// The source type and its validated input, or an exit with every problem listed.
    func resolve(_ registry: SourceRegistry) throws -> (SourceKind, SourceInput) {
        python.apply()
        guard let type else { throw fail("give a source TYPE (see panoply sources)", code: Exit.usage) }
        let found: SourceKind?
        do { found = try registry.kind(named: type) } catch { throw fail("\(error.asPanoplyError.message)", code: Exit.usage) }
        guard let sourceType = found else {
            throw fail("unknown source type '\(type)'; available: \(registry.names.joined(separator: ", "))", code: Exit.usage)
        }
        var values: [String: String]
        do { values = try parseParams(params) } catch { throw fail("\(error)", code: Exit.usage) }
        let table = values.removeValue(forKey: "destination")
        switch sourceType.configuration.validate(values) {
        case .success(let typed):
            OutputRedaction.add(params: typed, of: sourceType.configuration)
            return (sourceType, SourceInput(type: type, params: typed, destination: table))
        case .failure(let errors):
            for p in errors.problems { printError("error: --param \(p.param): \(p.message)") }
            throw ExitCode(Exit.usage)
        }
    }
}

/// `--python PATH`, taken alike by `run`, `check`, `discover`, `sources` and `tui`
/// (`sources add --python` keeps the interpreter with the added type instead).
struct PythonOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The Python interpreter for python:MODULE types not added with their own (default: PANOPLY_PYTHON, else python3).", valueName: "PATH"))
    var python: String?

    /// Makes it the interpreter of python:MODULE types resolved from now on (as
    /// PANOPLY_PYTHON); call before the registry resolves any.
    func apply() {
        if let python { setenv("PANOPLY_PYTHON", python, 1) }
    }
}

/// Masks the values of secret params in an object (for events and logs).
func maskSecrets(_ o: JSONObject, of type: SourceKind) -> JSONObject {
    var out = o
    for p in type.configuration.params where p.isSecret && out[p.name] != nil {
        out[p.name] = "****"
    }
    return out
}
