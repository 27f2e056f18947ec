import PanoplyKit

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
