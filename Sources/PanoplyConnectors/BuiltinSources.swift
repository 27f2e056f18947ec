import PanoplyKit

/// The sources that ship with `panoply`.
public enum BuiltinSources {
    public static var registry: SourceRegistry {
        SourceRegistry([DemoSource.self])
    }
}
