import Foundation
import PanoplyKit
import PanoplyTUICore

/// A saved source made ready for a headless run (`panoply run --saved NAME`): its params
/// validated and `${NAME}` references expanded, the values to mask, and where it starts.
struct SavedSourceRun {
    let store: ConfigStore
    let source: SavedSource
    let kind: SourceKind
    let input: SourceInput
    let redactor: Redactor
    /// Whether the run continues from the committed state (``StartPlan``).
    let resumes: Bool
    let note: String

    /// - Throws: an exit with code 2 and a message that says what to fix.
    init(name: String, store: ConfigStore, fullRefresh: Bool, environment: [String: String]) throws {
        self.store = store
        let sources: [SavedSource]
        do { sources = try store.loadSources() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        guard let src = sources.first(where: { $0.name == name }) else {
            let names = sources.map { "'\($0.name)'" }.joined(separator: ", ")
            throw fail(
                "no saved source named '\(name)' in \(store.directory)"
                    + (names.isEmpty ? " (none saved yet: save one in the UI)" : "; saved: \(names) (see panoply list)"), code: Exit.usage)
        }
        source = src
        do {
            guard let k = try registry.kind(named: src.type) else { throw PanoplyError.config("unknown source type '\(src.type)' (saved as \(name))") }
            kind = k
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        let typed: [String: JSONValue]
        switch kind.configuration.validateAllowingReferences(src.values) {
        case .success(let p): typed = p
        case .failure(let errors):
            for p in errors.problems { printError("error: \(name): \(p.param): \(p.message) (fix it in the UI: Enter on the source)") }
            throw fail("the saved source '\(name)' has invalid params", code: Exit.usage)
        }
        do {
            let resolved = try EnvReference.resolve(typed, kind.configuration, env: environment)
            redactor = Redactor(params: resolved.params, kind.configuration, extra: resolved.secrets)
            input = SourceInput(type: src.type, params: resolved.params, destination: src.table.isEmpty ? nil : src.table)
        } catch { throw fail("\(name): \(error.asPanoplyError.message)", code: Exit.usage) }
        let last = (try? store.history.load(name))?.last?.status ?? src.lastStatus
        resumes = StartPlan.resumes(lastStatus: last, incremental: kind.incremental, fullRefresh: fullRefresh)
        note = StartPlan.note(resumes: resumes, lastStatus: last, fullRefresh: fullRefresh)
    }

    var stateFile: String { store.stateFile(for: source.name) }

    /// Makes the state file ready: trimmed to the saved params when the run starts over.
    func prepareState() throws {
        guard !resumes else { return }
        do { try store.resetState(of: source.name) } catch { throw fail("cannot start over: \(error.asPanoplyError.message)", code: Exit.usage) }
    }

    /// The destination: the options given, else the one saved in the UI, else the outbox
    /// folder saved with the source, else the default outbox. Its outbox folder is created
    /// when missing, said on stderr.
    func destination(_ options: DestinationOptions) throws -> DestinationSettings {
        let settings: DestinationSettings
        if !options.isDefault() {
            settings = options.settings()
        } else {
            let saved: DestinationSettings?
            do { saved = try store.loadDestination() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
            settings = saved ?? SavedOutbox.destination(for: source, given: options.settings(), explicit: false)
        }
        if let created = OutboxFolder.prepare(settings) { printError("\(source.name): \(created)") }
        return settings
    }
}

/// The lines of a headless run's log, kept for its history record (last 200, as the UI shows them).
final class RunLogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private let started = ContinuousClock.now

    func add(_ e: RunEvent) {
        guard let text = Self.text(e) else { return }
        let elapsed = (ContinuousClock.now - started).seconds
        lock.withLock {
            lines.append("[\(Format.clock(elapsed))] " + text)
            if lines.count > RunRecord.keptLogLines { lines.removeFirst(lines.count - RunRecord.keptLogLines) }
        }
    }

    var tail: [String] { lock.withLock { lines } }

    private static func text(_ e: RunEvent) -> String? {
        switch e {
        case .log(let l): l
        case .retrying(let a, let max, let err, let delay): "read attempt \(a)/\(max) in \(Format.duration(delay)) after: \(err.message)"
        case .failed(let err): "failed: \(err.message)"
        case .cancelled: "cancelled; committed state kept for the next run"
        case .completed(let s): "completed: \(s.recordsRead) records read, \(s.counters.recordsDelivered) delivered in \(Format.seconds(s.seconds))"
        case .sourceChange(let c): "source changed: \(c.keys.joined(separator: ", "))"
        default: nil
        }
    }
}
