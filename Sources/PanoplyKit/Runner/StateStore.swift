/// Where a run's committed state lives: a file (``StateFileStore``), or a workspace's rows.
///
/// A ``SourceRunner`` loads the state to resume from with ``load()`` (when its input has
/// none) and saves every committed state with ``save(_:)``, one save at a time and always
/// the newest. A store that fences its writes (a shared workspace whose lease another run
/// took) throws ``LostLease`` from `save`: the run then stops reading, saves nothing more,
/// delivers what it read and ends failed with that message.
public protocol StateStore: Sendable {
    /// Names the store in messages: the file's path, or `source 'X' in workspace postgres://…`.
    var location: String { get }

    /// The committed state, nil when there is none.
    /// - Throws: ``PanoplyError`` (config) naming ``location`` when it cannot be read.
    func load() throws -> JSONObject?

    /// Saves the committed state: the whole merged object (a store may write only the
    /// top-level keys that changed since its last save).
    /// - Parameter state: the committed state.
    /// - Throws: ``LostLease`` when the run lost the right to commit; any other error when
    ///   the state could not be written (the run logs it and goes on).
    func save(_ state: JSONObject) throws

    /// The run ended (after its last save): a store may tidy what it keeps
    /// (``StateFileStore`` writes its file whole again). A store can still be used after it.
    /// - Throws: when tidying failed (the run logs it; what was saved stays loadable).
    func close() throws
}

extension StateStore {
    /// Nothing to tidy.
    public func close() throws {}
}

/// Thrown by a fenced ``StateStore`` when the run lost the right to commit (another run
/// took its lease, or the lease could not be confirmed): the run must stop committing.
public struct LostLease: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened, starting with `lost lease:`
    /// (`lost lease: source 'X' was taken by … (epoch 8 > 7)`).
    public var message: String

    /// - Parameter message: what happened, starting with `lost lease:`.
    public init(message: String) { self.message = message }

    public var description: String { message }

    /// The error the run ends with: not retryable (another run holds the source now).
    public var asRunError: PanoplyError { PanoplyError(.transient, message, retryable: false) }
}
