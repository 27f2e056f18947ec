import PanoplyKit

/// The sources that ship with `panoply`.
public enum BuiltinSources {
    public static var registry: SourceRegistry {
        var r = SourceRegistry([DemoSource.self, CSVSource.self, JSONLSource.self, SQLiteSource.self, PostgresSource.self, HTTPSource.self])
        r.register(prefix: "python") { try PythonSourceKind.kind(module: $0) }
        r.register(prefix: "singer") { try SingerSourceKind.kind(executable: $0) }
        return r
    }
}
