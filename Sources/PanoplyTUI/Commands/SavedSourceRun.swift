import Foundation
import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// A saved source made ready for a headless run (`panoply run --saved NAME`): its params
/// validated and `${NAME}` references expanded, the values to mask, and where it starts.
struct SavedSourceRun {
    let store: any Workspace
    let source: SavedSource
    let kind: SourceKind
    let input: SourceInput
    let redactor: Redactor
    /// Whether the run continues from the committed state (``StartPlan``).
    let resumes: Bool
    let note: String

    /// - Throws: an exit with code 2 and a message that says what to fix.
    init(name: String, store: any Workspace, registry: SourceRegistry, fullRefresh: Bool, environment: [String: String]) throws {
        self.store = store
        let src = try Self.find(name, in: store)
        source = src
        // Its secrets are sealed and no workspace key was given: say so, not "wrong password".
        if let locked = src.lockedSecretsError { throw fail(locked.message, code: Exit.usage) }
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
            let fields = try (src.fields ?? FieldSettings()).resolvingSalt(env: environment)
            redactor = Redactor(params: resolved.params, kind.configuration, extra: resolved.secrets + fields.secrets)
            var input = SourceInput(type: src.type, params: resolved.params, destination: src.table.isEmpty ? nil : src.table)
            input.fields = fields.settings
            self.input = input
        } catch { throw fail("\(name): \(error.asPanoplyError.message)", code: Exit.usage) }
        let last = (try? store.history(of: name))?.last?.status ?? src.lastStatus
        resumes = StartPlan.resumes(lastStatus: last, incremental: kind.incremental, fullRefresh: fullRefresh)
        var note = StartPlan.note(resumes: resumes, lastStatus: last, fullRefresh: fullRefresh)
        // A state reset since (its params changed with `save`), or never committed: nothing to resume.
        if resumes, ((try? store.loadState(of: name)) ?? nil).map({ $0.keys.allSatisfy { $0 == SavedParams.stateKey } }) ?? true {
            note = "starting: no committed state to resume from (reset since the last run, or never saved)"
        }
        self.note = note
    }

    /// The saved source named `name`.
    /// - Throws: an exit with code 2 listing the saved sources when there is none by that name.
    static func find(_ name: String, in store: any Workspace) throws -> SavedSource {
        let sources: [SavedSource]
        do { sources = try store.loadSources() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        guard let src = sources.first(where: { $0.name == name }) else {
            let names = sources.map { "'\($0.name)'" }.joined(separator: ", ")
            throw fail(
                "no saved source named '\(name)' in \(store.location)"
                    + (names.isEmpty ? " (none saved yet: save one in the UI)" : "; saved: \(names) (see panoply list)"), code: Exit.usage)
        }
        return src
    }

    /// The run: from the committed state when it resumes, else from a state trimmed to the
    /// params the source saved (``StartPlan``). Its state store commits under `lease`.
    func launch(_ options: RunOptions, lease: Lease) -> RunLaunch {
        var options = options
        options.stateStore = store.stateStore(for: source.name, lease: lease)
        var launch = RunLaunch(kind: kind, input: input, redactor: redactor, options: options)
        if !resumes { launch.startsOver = (store, source.name) }
        return launch
    }

    /// The destination: the options given, else the one saved in the UI, else the outbox
    /// folder saved with the source, else the default outbox. Its outbox folder is created
    /// when missing, said on stderr; a folder a shared workspace named (each host makes its
    /// own) is said to be this host's.
    func destination(_ options: DestinationOptions) throws -> DestinationSettings {
        let settings: DestinationSettings
        var named = false
        if !options.isDefault() {
            settings = options.settings()
        } else {
            let saved: DestinationSettings?
            do { saved = try store.loadDestination() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
            settings = saved ?? SavedOutbox.destination(for: source, given: options.settings(), explicit: false)
            named = saved != nil || source.outbox?.isEmpty == false
        }
        let shared = named && !(store is FolderWorkspace)
        if let created = OutboxFolder.prepare(settings, shared: shared) { printError("\(source.name): \(created)") }
        return settings
    }
}

/// The lines of a headless run's log, kept for its history record (last 200, as the UI shows them).
final class RunLogCollector: Sendable {
    private let lines = Mutex<[String]>([])
    private let started = ContinuousClock.now

    func add(_ e: RunEvent) {
        guard !e.isLogLineOnlyInUI, let text = RunLogLine.text(e) else { return }
        let elapsed = (ContinuousClock.now - started).seconds
        lines.withLock {
            $0.appendLogLine(text, elapsed: elapsed)
        }
    }

    var tail: [String] { lines.withLock { $0 } }
}

extension RunEvent {
    /// Lines the UI's log shows that a headless history record has always left out (the
    /// resume point is in the run's note, a fired event's payload in the event stream).
    fileprivate var isLogLineOnlyInUI: Bool {
        switch self {
        case .started, .fired: true
        default: false
        }
    }
}
