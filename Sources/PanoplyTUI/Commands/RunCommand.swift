import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace
import Synchronization

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a data source once, headless (for cron and CI).",
        discussion: """
            Reads the source to its end and streams its records to the destination. With --state FILE \
            the committed state is saved as the run goes (only once the records before it were \
            acknowledged) and a later run resumes from it. Ends with:
              records=N messages=M bytes=B errors=E retries=R seconds=S

            Examples:
              panoply run demo --param rows=50000 --outbox ./out
              panoply run csv --param path=users.csv --state users.state
              panoply run --saved "Orders DB"      (a source saved in the UI)
              panoply run postgres --param database=shop --param user=reader \\
                --param tables=public.orders,public.customers --parallel-resources 2

            A source with several resources (tables=, files=, endpoints=) sends each resource to \
            TYPE_RESOURCE (postgres_public_orders) unless destination is given; `{resource}` in \
            destination stands for the resource id made table-safe.
            """)

    @OptionGroup var source: SourceSelection
    @OptionGroup var fields: FieldOptions
    @Option(help: ArgumentHelp("Load state from and save committed state to this file.", valueName: "FILE"))
    var state: String?
    @Option(help: ArgumentHelp("Print run events on standard output, one JSON object a line.", valueName: "json"))
    var events: EventFormat?
    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Records asked for per read.", valueName: "N"))
    var batchSize: Int = 1000
    @Option(
        name: .customLong("parallel-resources"),
        help: ArgumentHelp(
            "For a source that reads several resources (e.g. --param tables=public.orders,public.customers): how many to read at once.",
            valueName: "N"))
    var parallelResources: Int = 1
    @Option(
        name: .customLong("commit-interval"),
        help: ArgumentHelp(
            "Write the committed state (--state FILE, or a saved source's) at most once per this many seconds, and at the end of the run; 0 writes it at every commit. A crash or kill costs at most the records after the last durable commit: the next run delivers them again.",
            valueName: "SECONDS"))
    var commitInterval: Double = 1
    @OptionGroup var shutdown: ShutdownOption
    @Option(
        name: .customLong("retry-base-ms"),
        help: ArgumentHelp(
            "How long to wait before retrying a read that failed with a retryable error (a dropped connection, a timeout), in milliseconds; each further retry waits twice as long, up to a minute, for 3 attempts in all (default 1000). Raise it for a source behind a rate limit.",
            valueName: "MS"))
    var retryBaseMs: Int?
    @Option(
        name: .customLong("on-invalid"),
        help: ArgumentHelp(
            "What to do with a record that cannot be sent (larger than a message): fail (stop the run) or skip (log its resource and position, go on).",
            valueName: "fail|skip"))
    var onInvalid: InvalidRecordPolicy = .fail
    @Option(
        help: ArgumentHelp(
            "Run a source saved in the UI by its name, with its params, state and destination (for cron); recorded in its history.", valueName: "NAME"))
    var saved: String?
    @Option(
        name: .customLong("wait"),
        help: ArgumentHelp(
            "With --saved: when the source is already running, wait for that run to end (at most SECONDS; --wait alone: no limit), then start as Ctrl-S would. Without it, a second run is refused with exit 4.",
            valueName: "SECONDS"))
    var wait: WaitLimit?
    @Flag(name: .customLong("full-refresh"), help: "With --saved: start over instead of resuming or continuing from the committed state.")
    var fullRefresh = false
    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var destination: DestinationOptions

    enum EventFormat: String, ExpressibleByArgument { case json }

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard parallelResources >= 1 else { throw ValidationError("--parallel-resources must be at least 1 (got \(parallelResources))") }
        if let retryBaseMs, retryBaseMs < 0 { throw ValidationError("--retry-base-ms must not be negative") }
        do { _ = try commitIntervalDuration() } catch { throw ValidationError(error.asPanoplyError.message) }
        if saved != nil {
            if source.type != nil { throw ValidationError("give a source TYPE or --saved NAME, not both") }
            if !source.params.isEmpty { throw ValidationError("--param does not go with --saved (edit the saved source in the UI)") }
            if state != nil { throw ValidationError("--state does not go with --saved (the saved source's state is used)") }
            if fields.given { throw ValidationError("--exclude, --hash, --rename and --hash-salt do not go with --saved (panoply save changes them)") }
        } else {
            if source.type == nil { throw ValidationError("give a source TYPE (see panoply sources) or --saved NAME (see panoply list)") }
            if fullRefresh { throw ValidationError("--full-refresh goes with --saved NAME") }
            if wait != nil, state == nil { throw ValidationError("--wait goes with --saved NAME or --state FILE") }
        }
    }

    func run() async throws {
        let signals = Signals.stream()  // first, so a signal during start-up is not lost
        if let saved { return try await runSaved(saved, signals: signals) }
        let (_, registry) = try workspaceOptions.openWithRegistry()
        var (sourceType, input) = try source.resolve(registry)
        input.fields = try FieldCheck.resolvingSalt(try await fields.settings(sourceType, input: input))
        let (settings, config) = try destination.configuration()
        if let state { warnIfReadableByOthers(state, what: "state file") }
        // Two runs never share one state file: a lease on FILE.lock (the state file itself is
        // replaced at each commit, which would drop a lock held on it).
        let lease = try state.map { try stateLease($0) }
        defer { lease?.release() }
        let launch = RunLaunch(kind: sourceType, input: input, redactor: OutputRedaction.current, options: runOptions(stateFile: state))
        let sdk = try DestinationOptions.makeHeadlessSDK(config)
        let (code, _) = await deliver(launch, sdk: sdk, spool: settings.spool, signals: signals)
        if code != 0 { throw ExitCode(code) }
    }

    /// The lease on `FILE.lock` beside the state file.
    /// - Throws: an exit with code 4 naming who holds it.
    func stateLease(_ file: String) throws -> Lease {
        do {
            return try LockFile.acquire(file + ".lock", name: file, holder: .current(origin: "cli"), wait: wait?.leaseWait)
        } catch let busy as LeaseBusy {
            let who = busy.holder.map { " (\($0.description))" } ?? ""
            throw fail("the state file \(file) is in use by another run\(who); wait for it with --wait", code: Exit.alreadyRunning)
        } catch {
            throw fail(error.asPanoplyError.message, code: Exit.usage)
        }
    }

    /// The runner's options from the command line.
    func runOptions(stateFile: String?) -> RunOptions {
        var options = RunOptions(batchSize: batchSize, stateFile: stateFile)
        options.onInvalid = onInvalid
        options.parallelResources = parallelResources
        options.commitInterval = (try? commitIntervalDuration()) ?? .seconds(1)
        if let retryBaseMs { options.readRetry.base = .milliseconds(retryBaseMs) }
        return options
    }

    /// `--commit-interval` as a duration.
    /// - Throws: ``PanoplyError`` (config) naming the option and its range.
    func commitIntervalDuration() throws -> Duration {
        try SecondsOption.duration(commitInterval, option: "--commit-interval", in: SecondsOption.commitInterval)
    }

    /// Runs `launch` headless under a supervisor: its events printed (and seen by
    /// `collect`), a signal cancels it and flushes.
    /// - Returns: the exit code, and the runner's summary when it returned.
    func deliver(
        _ launch: RunLaunch, sdk: PanoplySDK, spool: String?, signals: AsyncStream<Int32>,
        collect: (@Sendable (RunEvent) -> Void)? = nil
    ) async -> (code: Int32, summary: RunSummary?) {
        let session = DeliverySession(sdk: sdk, spool: spool, shutdownTimeout: shutdown.duration)
        let json = events == .json, seconds = shutdown.seconds, resourced = launch.resourced
        let (kind, redactor, closeTimeout) = (launch.kind, launch.redactor, shutdown.duration)
        let launched = Mutex<LaunchedRun?>(nil)
        let code = await session.run(signals: signals) { sig in
            printError("\(Signals.name(sig)): cancelling the run and flushing (up to \(seconds)s)")
        } start: { supervisor in
            let run = await launch.start(on: supervisor, id: 0, sdk: sdk, closeTimeout: closeTimeout) { events in
                await Self.printEvents(events, json: json, sourceType: kind, redactor: redactor, collect: collect, resourced: resourced)
            }
            launched.withLock { $0 = run }
            return run?.supervised
        }
        return (code, launched.withLock { $0 }?.summary)
    }

    /// Prints the run's events: JSON lines on standard output with `--events json`, else
    /// logs, retries, progress (at most once a second) and the end on standard error.
    /// `redactor` masks secrets (values expanded from `${NAME}`) first; `collect` sees each
    /// event. In a run read resource by resource (`resourced`), a state event names the
    /// `resources` whose part it changed.
    static func printEvents(
        _ events: AsyncStream<RunEvent>, json: Bool, sourceType: SourceKind,
        redactor: Redactor = Redactor([]), collect: (@Sendable (RunEvent) -> Void)? = nil, resourced: Bool = false
    ) async {
        var lastProgress = ContinuousClock.now - .seconds(10)
        var lastState: JSONObject = [:]
        for await raw in events {
            let e = redactor.event(raw)
            collect?(e)
            if json {
                var line: [UInt8] = []
                var o = eventJSON(e, sourceType: sourceType)
                if case .started(_, let resumed) = e { lastState = resumed ?? [:] }
                if resourced, case .state(let s) = e {
                    o["resources"] = .array(changedResources(s, since: lastState).map { .string($0) })
                    lastState = s
                }
                try? JSONWriter.write(.object(o), into: &line)
                print(String(decoding: line, as: UTF8.self))
                continue
            }
            switch e {
            case .log(let l): printError(l)
            case .retrying(let a, let max, let err, let delay): printError("retrying read (attempt \(a) of \(max)) in \(delay): \(err.message)")
            case .progress(let l, let t, let m):
                guard ContinuousClock.now - lastProgress > .seconds(1) else { continue }
                lastProgress = ContinuousClock.now
                printError(m.isEmpty ? "progress \(l.map(String.init) ?? "?")/\(t.map(String.init) ?? "?")" : m)
            case .failed(let err): printError("error: run failed: \(err.message) (code \(err.code))")
            case .cancelled: printError("run cancelled")
            default: break
            }
        }
    }

    /// One event as a JSON object: `{"event": NAME, ...}`; secrets masked (secret params
    /// in source changes, params saved in the state).
    static func eventJSON(_ e: RunEvent, sourceType: SourceKind) -> JSONObject {
        var o: JSONObject = ["event": .string(e.name)]
        func num(_ i: Int?) -> JSONValue { i.map { .number(JSONNumber($0)) } ?? .null }
        switch e {
        case .started(let attempt, let resumed):
            o["attempt"] = num(attempt)
            o["resumed_from"] = resumed.map { .object(SavedParams.masked($0)) } ?? .null
        case .log(let line): o["message"] = .string(line)
        case .progress(let l, let t, let m):
            o["loaded"] = num(l); o["total"] = num(t); o["message"] = .string(m)
        case .resource(let p):
            o["resource"] = .string(p.id); o["status"] = .string(p.status.rawValue)
            o["loaded"] = num(p.loaded); o["total"] = num(p.total); o["message"] = .string(p.message)
            if p.total != nil { o["estimated"] = .bool(p.estimated) }
            if let err = p.error { o["error"] = errorJSON(err) }
        case .state(let s): o["state"] = .object(SavedParams.masked(s))
        case .sourceChange(let changes): o["changes"] = .object(maskSecrets(changes, of: sourceType))
        case .fired(let type, let data): o["type"] = .string(type); o["data"] = data
        case .counters(let c): o["counters"] = countersJSON(c)
        case .retrying(let a, let max, let err, let delay):
            o["attempt"] = num(a); o["max_attempts"] = num(max); o["error"] = errorJSON(err)
            o["delay_ms"] = num(Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000))
        case .failed(let err): o["error"] = errorJSON(err)
        case .cancelled: break
        case .completed(let s):
            o["records"] = num(s.recordsRead); o["counters"] = countersJSON(s.counters); o["state"] = .object(SavedParams.masked(s.state))
        }
        return o
    }

    /// The resources whose part of the run's state differs from `previous`, or that were
    /// finished since, in the state's order.
    static func changedResources(_ state: JSONObject, since previous: JSONObject) -> [String] {
        let finished = ResourcePlan.finished(in: state), before = Set(ResourcePlan.finished(in: previous))
        var ids = state.keys.filter { !$0.hasPrefix("__") && state[$0] != previous[$0] }
        for id in finished where !before.contains(id) && !ids.contains(id) { ids.append(id) }
        return ids
    }

    static func errorJSON(_ e: PanoplyError) -> JSONValue {
        ["message": .string(e.message), "code": .number(JSONNumber(e.code)), "category": .string(e.category.rawValue), "retryable": .bool(e.retryable)]
    }

    static func countersJSON(_ c: SDKCounters) -> JSONValue {
        func n(_ i: Int) -> JSONValue { .number(JSONNumber(i)) }
        return [
            "records": n(c.records), "delivered": n(c.recordsDelivered), "messages": n(c.messages), "bytes": n(c.bytes),
            "errors": n(c.errors), "retries": n(c.retries), "sends": n(c.sends), "in_flight": n(c.inFlight),
            "buffered": n(c.buffered), "undelivered": n(c.undelivered)
        ]
    }
}

/// Warns when a file that may hold secrets or tokens can be read by other users.
func warnIfReadableByOthers(_ path: String, what: String) {
    var st = stat()
    guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 else { return }
    let mode = String(st.st_mode & 0o777, radix: 8)
    printError("warning: \(what) \(path) is readable by other users (mode \(mode)); it may hold tokens: chmod 600 \(path)")
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension InvalidRecordPolicy: ExpressibleByArgument {}
