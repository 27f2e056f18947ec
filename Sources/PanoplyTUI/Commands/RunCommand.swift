import ArgumentParser
import Foundation
import PanoplyKit
import Synchronization

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a data source once, headless (for cron and CI).",
        discussion: """
        Reads the source to its end and streams its records to the destination. With --state FILE
        the committed state is saved as the run goes (only once the records before it were
        acknowledged) and a later run resumes from it. Ends with:
        records=N messages=M bytes=B errors=E retries=R seconds=S

        Examples:
          panoply run demo --param rows=50000 --outbox ./out
          panoply run csv --param path=users.csv --param destination=users --state users.state
        """)

    @OptionGroup var source: SourceSelection
    @Option(help: ArgumentHelp("Load state from and save committed state to this file.", valueName: "FILE"))
    var state: String?
    @Option(help: ArgumentHelp("Print run events on standard output, one JSON object a line.", valueName: "json"))
    var events: EventFormat?
    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Records asked for per read (default 1000).", valueName: "N"))
    var batchSize: Int = 1000
    @Option(name: .customLong("shutdown-timeout"), help: ArgumentHelp("On SIGINT/SIGTERM, wait at most this long for delivery.", valueName: "SECONDS"))
    var shutdownTimeout: Double = 30
    @Option(name: .customLong("on-invalid"), help: ArgumentHelp("What to do with a record that cannot be sent (larger than a message): fail (stop the run) or skip (log its resource and position, go on).", valueName: "fail|skip"))
    var onInvalid: InvalidRecordPolicy = .fail
    @OptionGroup var destination: DestinationOptions

    enum EventFormat: String, ExpressibleByArgument { case json }

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard shutdownTimeout > 0 else { throw ValidationError("--shutdown-timeout must be positive") }
    }

    func run() async throws {
        let (sourceType, input) = try source.resolve()
        let settings = destination.settings()
        let sdk: PanoplySDK
        do { sdk = try PanoplySDK(settings.sdkConfiguration()) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        if destination.isDefault() {
            printError("no credentials given: writing to the local outbox \(settings.outbox) (use --api-key/--api-secret for Panoply)")
        }
        var options = RunOptions(batchSize: batchSize, stateFile: state)
        options.onInvalid = onInvalid
        if let s = ProcessInfo.processInfo.environment["PANOPLY_RETRY_BASE_MS"], let ms = Int(s) { options.retryBase = .milliseconds(ms) }
        if let state { warnIfReadableByOthers(state, what: "state file") }
        let runner = SourceRunner(sourceType, input: input, sdk: sdk, options: options)
        let timeout = Duration.milliseconds(Int64(shutdownTimeout * 1000))
        let shutdown = ShutdownDeadline()
        let spool = settings.spool
        let watcher = SignalWatcher { sig in
            printError("\(SignalWatcher.name(sig)): cancelling the run and flushing (up to \(shutdownTimeout)s)")
            shutdown.signalled()
            runner.cancel()
            // The runner's own flush waits for the retry policy; the deadline does not.
            Task {
                try? await Task.sleep(for: timeout)
                guard shutdown.claim(byDeadline: true) else { return }
                // Seals the open message (into the spool, if any) before giving up.
                var error: Error?
                do { try await sdk.close(timeout: .milliseconds(200)) } catch let e { error = e }
                let c = sdk.counters
                printError(undeliveredMessage(c.records - c.recordsDelivered, spool: spool,
                                              reason: error?.asPanoplyError.message ?? "the shutdown timeout of \(shutdownTimeout)s passed"))
                print(summaryLine(c, seconds: (ContinuousClock.now - shutdown.started).seconds))
                fflush(nil)
                Foundation.exit(Exit.undelivered)
            }
        }
        defer { withExtendedLifetime(watcher) {} }

        let json = events == .json
        let printer = Task { [sourceType] in
            var lastProgress = ContinuousClock.now - .seconds(10)
            for await e in runner.events {
                if json {
                    var line: [UInt8] = []
                    try? JSONWriter.write(.object(Self.eventJSON(e, sourceType: sourceType)), into: &line)
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
        let summary = await runner.run()
        await printer.value
        guard shutdown.claim(byDeadline: false) else {
            // The shutdown deadline passed: it reports and exits.
            await withCheckedContinuation { c in shutdown.park(c) }
            return
        }
        var code: Int32
        switch summary.status {
        case .done: code = Exit.success
        case .cancelled: code = Exit.success
        default: code = Exit.runFailed
        }
        do {
            try await sdk.close(timeout: shutdown.remaining(of: timeout))
        } catch {
            let c = sdk.counters
            printError(undeliveredMessage(c.records - c.recordsDelivered, spool: spool, reason: error.asPanoplyError.message))
            code = Exit.undelivered
        }
        if summary.status == .cancelled, summary.counters.undelivered > 0 { code = Exit.undelivered }
        print(summaryLine(sdk.counters, seconds: summary.seconds))
        if code != 0 { throw ExitCode(code) }
    }

    /// One event as a JSON object: `{"event": NAME, ...}`; secrets masked (secret params
    /// in source changes, params saved in the state).
    static func eventJSON(_ e: RunEvent, sourceType: any DataSource.Type) -> JSONObject {
        var o: JSONObject = ["event": .string(e.name)]
        func num(_ i: Int?) -> JSONValue { i.map { .number(JSONNumber($0)) } ?? .null }
        switch e {
        case .started(let attempt, let resumed):
            o["attempt"] = num(attempt)
            o["resumed_from"] = resumed.map { .object(SavedParams.masked($0)) } ?? .null
        case .log(let line): o["message"] = .string(line)
        case .progress(let l, let t, let m):
            o["loaded"] = num(l); o["total"] = num(t); o["message"] = .string(m)
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

    static func errorJSON(_ e: PanoplyError) -> JSONValue {
        ["message": .string(e.message), "code": .number(JSONNumber(e.code)), "category": .string(e.category.rawValue), "retryable": .bool(e.retryable)]
    }

    static func countersJSON(_ c: SDKCounters) -> JSONValue {
        func n(_ i: Int) -> JSONValue { .number(JSONNumber(i)) }
        return ["records": n(c.records), "delivered": n(c.recordsDelivered), "messages": n(c.messages), "bytes": n(c.bytes),
                "errors": n(c.errors), "retries": n(c.retries), "sends": n(c.sends), "in_flight": n(c.inFlight),
                "buffered": n(c.buffered), "undelivered": n(c.undelivered)]
    }
}

/// Who ends a `run` after SIGINT/SIGTERM: the run itself, or the shutdown deadline.
final class ShutdownDeadline: Sendable {
    private struct State {
        var signalledAt: ContinuousClock.Instant?
        var claimed = false
        var parked: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    let started = ContinuousClock.now

    func signalled() { state.withLock { if $0.signalledAt == nil { $0.signalledAt = .now } } }

    /// True for the first claimant only.
    func claim(byDeadline: Bool) -> Bool {
        state.withLock { s in
            if s.claimed { return false }
            if byDeadline && s.signalledAt == nil { return false }
            s.claimed = true
            return true
        }
    }

    /// Time left of `timeout` since the signal (all of it when there was none).
    func remaining(of timeout: Duration) -> Duration {
        guard let at = state.withLock({ $0.signalledAt }) else { return timeout }
        return max(timeout - (ContinuousClock.now - at), .milliseconds(200))
    }

    /// Parks a caller that lost the claim; the winner exits the process.
    func park(_ c: CheckedContinuation<Void, Never>) { state.withLock { $0.parked.append(c) } }
}

/// "N records were not delivered; they stay in the spool DIR ...: reason"
func undeliveredMessage(_ records: Int, spool: String?, reason: String) -> String {
    let where_ = spool.map { "; they stay in the spool \($0) and are sent on the next start" }
        ?? " (no --spool: they are lost; use --spool DIR to keep them across restarts)"
    var reason = reason
    if let r = reason.range(of: #"^\d+ records were not delivered: "#, options: .regularExpression) { reason.removeSubrange(r) }
    return "error: \(records) records were not delivered\(where_): \(reason)"
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
