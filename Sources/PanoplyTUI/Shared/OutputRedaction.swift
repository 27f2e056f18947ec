import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// The values no command may print: secret params, values expanded from `${NAME}`, and the
/// destination's secrets. Each command adds them as soon as it knows them; every line
/// ``printError(_:)`` writes, every run event and the final error go through ``current``.
enum OutputRedaction {
    /// Rebuilt (sorted longest first) only when values are added, not per printed line.
    private static let redactor = Mutex(Redactor([]))

    /// Masks `values` from now on (short values are left, as ``Redactor`` does).
    static func add(_ values: [String]) {
        guard !values.isEmpty else { return }
        redactor.withLock { $0 = Redactor($0.secrets + values) }
    }

    /// Masks the secret params of a run of `config`.
    static func add(params: [String: JSONValue], of config: SourceConfiguration) {
        add(Redactor(params: params, config).secrets)
    }

    /// The redactor of everything added so far.
    static var current: Redactor { redactor.withLock { $0 } }

    /// `line` with every known secret masked.
    static func text(_ line: String) -> String { current.text(line) }
}
