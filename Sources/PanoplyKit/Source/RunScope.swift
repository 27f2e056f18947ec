import Synchronization

/// What the source instances of one run share: a pool of database connections, a catalog
/// read once for every picked table, a listing of a folder. The runner makes one for a run
/// that reads its resources one instance each, hands it to every instance's context
/// (``SourceContext/scope``) and closes it when the run ends, so a connection opened for
/// one resource serves the next.
///
/// An instance outside such a run (a one-table run, `discover`, `check`) has no scope and
/// opens and closes what it needs itself.
public final class RunScope: Sendable {
    private let values = Mutex<[String: any RunScoped]>([:])

    public init() {}

    /// The value under `key`, made by `make` the first time it is asked for.
    /// - Throws: what `make` throws (nothing is kept then).
    public func shared<T: RunScoped>(_ key: String, _ make: () throws -> T) throws -> T {
        try values.withLock { v in
            if let found = v[key] as? T { return found }
            let made = try make()
            v[key] = made
            return made
        }
    }

    /// Closes every value made so far, once; a value asked for later is made anew.
    public func close() async {
        let all = values.withLock { v in
            defer { v = [:] }
            return Array(v.values)
        }
        for value in all { await value.close() }
    }
}

/// A value kept for a run by ``RunScope``: closed when the run ends.
public protocol RunScoped: AnyObject, Sendable {
    func close() async
}
