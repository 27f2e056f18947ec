import PanoplyKit
import Synchronization

/// The sources that ship with `panoply`.
public enum BuiltinSources {
    public static var registry: SourceRegistry {
        var r = SourceRegistry([DemoSource.self, CSVSource.self, JSONLSource.self, SQLiteSource.self, PostgresSource.self, HTTPSource.self])
        r.register(prefix: "python") { try PythonSourceKind.kind(module: $0) }
        r.register(prefix: "singer") { try SingerSourceKind.kind(executable: $0) }
        return r
    }
}

/// A test-only failure hook for sources with no natural way to fail halfway (databases):
/// `failAfter(key, reads: k)` makes the (k+1)-th read of the source with that key throw
/// a non-retryable error once, so tests can fail a run on purpose and resume it.
enum ConnectorFaults {
    private static let plans = Mutex<[String: Int]>([:])

    static func failAfter(_ key: String, reads: Int) { plans.withLock { $0[key] = reads } }

    /// Called at the start of a read.
    /// - Throws: the injected failure when it is due.
    static func check(_ key: String) throws {
        let due = plans.withLock { p -> Bool in
            guard let left = p[key] else { return false }
            if left == 0 { p[key] = nil; return true }
            p[key] = left - 1
            return false
        }
        if due { throw PanoplyError(.internal, "injected test failure for \(key)", retryable: false) }
    }
}
