import PanoplyKit

/// A source type the user added (`panoply sources add python:MODULE [--python PATH]`): it
/// is listed with the built-in types, and a Python one runs with the interpreter it was
/// added with.
public struct AddedSourceType: Codable, Sendable, Equatable {
    /// `python:MODULE` or `singer:EXECUTABLE`.
    public var type: String
    /// The interpreter of a `python:` type (nil: `PANOPLY_PYTHON`, else `python3`).
    public var python: String?

    public init(type: String, python: String? = nil) {
        self.type = type
        self.python = python
    }
}

extension BuiltinSources {
    /// The built-in types, with `python:` modules added by the user resolved with the
    /// interpreter each was added with.
    public static func registry(added: [AddedSourceType]) -> SourceRegistry {
        var r = registry
        let interpreters = Dictionary(
            added.compactMap { a -> (String, String)? in
                guard a.type.hasPrefix("python:"), let p = a.python else { return nil }
                return (String(a.type.dropFirst("python:".count)), p)
            }, uniquingKeysWith: { _, last in last })
        guard !interpreters.isEmpty else { return r }
        r.register(prefix: "python") { module in
            try PythonSourceKind.kind(module: module, interpreter: PythonInterpreter(path: interpreters[module]))
        }
        return r
    }
}
