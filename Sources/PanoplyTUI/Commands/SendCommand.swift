import ArgumentParser
import Foundation
import PanoplyKit
import Synchronization

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Stream NDJSON records (one JSON object a line) to the destination.",
        discussion: """
        Each line becomes a record of TABLE ("__table" is set). Numbers pass through exactly as
        written. Ends with: records=N messages=M bytes=B errors=E retries=R seconds=S

        Examples:
          panoply send users --file users.ndjson --outbox ./out
          cat events.ndjson | panoply send events --api-key "$KEY" --api-secret "$SECRET"
        """)

    @Argument(help: "The destination table.")
    var table: String
    @Option(help: ArgumentHelp("Read records from this file (default: standard input).", valueName: "F"))
    var file: String?
    @Option(name: .customLong("on-invalid"), help: ArgumentHelp("What to do with a line that is not a JSON object: fail (stop, exit 2) or skip (warn and go on).", valueName: "fail|skip"))
    var onInvalid: InvalidPolicy = .fail
    @Option(name: .customLong("shutdown-timeout"), help: ArgumentHelp("On SIGINT/SIGTERM, wait at most this long for delivery.", valueName: "SECONDS"))
    var shutdownTimeout: Double = 30
    @OptionGroup var destination: DestinationOptions

    enum InvalidPolicy: String, ExpressibleByArgument { case fail, skip }

    func validate() throws {
        guard !table.isEmpty else { throw ValidationError("TABLE must not be empty") }
        guard shutdownTimeout > 0 else { throw ValidationError("--shutdown-timeout must be positive") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        #if canImport(Glibc)
        // Message buffers (256 KiB) are allocated on one thread and freed on another; with
        // glibc's sliding mmap threshold they stay in per-thread arenas and peak memory
        // grows. A fixed threshold maps and unmaps them (measured: 62 -> 49 MiB for 1M records).
        if let sym = dlsym(nil, "mallopt") {  // malloc.h is not in the Glibc module
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            _ = unsafeBitCast(sym, to: Mallopt.self)(-3 /* M_MMAP_THRESHOLD */, 128 * 1024)
        }
        #endif
        let settings = destination.settings()
        var config: SDKConfiguration
        do { config = try settings.sdkConfiguration() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        // send waits for capacity instead of failing, so a buffer of 8 MiB (32 messages of
        // 256 KiB ahead of the destination) keeps it at full speed with a lower memory peak.
        config.maxBufferedBytes = min(config.maxBufferedBytes, 8 * 1_048_576)
        if destination.isDefault() {
            printError("no credentials given: writing to the local outbox \(settings.outbox) (use --api-key/--api-secret for Panoply)")
        }
        let reader: NDJSONReader
        do { reader = try NDJSONReader.open(file) } catch { throw fail("\(error)", code: Exit.usage) }
        let sdk: PanoplySDK
        do { sdk = try PanoplySDK(config) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }

        let finisher = Finisher(sdk: sdk, started: started, spool: config.spoolDirectory)
        let timeout = Duration.milliseconds(Int64(shutdownTimeout * 1000))
        let watcher = SignalWatcher { sig in
            Task {
                printError("\(SignalWatcher.name(sig)): flushing (up to \(shutdownTimeout)s) before exit")
                await finisher.finish(timeout: timeout, inputCode: Exit.success)
            }
        }
        defer { withExtendedLifetime(watcher) {} }

        var lineNo = 0
        var skipped = 0
        var inputError: String?
        do {
            try await reader.forEachLine { line in
                if finisher.isFinishing { return .stop }
                if !sdk.hasCapacity {
                    if let stuck = sdk.stuckError {
                        inputError = "the destination does not accept messages, stopped reading: \(stuck.message)"
                        return .stop
                    }
                    return .waitAndRetry
                }
                lineNo += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .next }
                do {
                    try Self.writeLine(line, table: table, sdk: sdk)
                } catch let e as LineError {
                    let msg = "line \(lineNo): \(e.message)"
                    if onInvalid == .skip {
                        skipped += 1
                        printError("skipped \(msg)")
                        return .next
                    }
                    inputError = msg
                    return .stop
                }
                return .next
            } wait: {
                await sdk.waitForCapacity()
            }
        } catch {
            inputError = "\(error)"
        }
        if skipped > 0 { printError("\(skipped) invalid lines skipped") }
        if let inputError, !finisher.isFinishing {
            printError("error: \(inputError); records before it are delivered, nothing after it was read (use --on-invalid skip to go on past bad lines)")
        }
        await finisher.finish(timeout: nil, inputCode: inputError == nil ? Exit.success : Exit.usage)
    }

    struct LineError: Error { var message: String }

    /// Writes one NDJSON line; numbers keep their text (see ``PanoplySDK/write(_:ndjsonLine:)``).
    static func writeLine(_ line: ArraySlice<UInt8>, table: String, sdk: PanoplySDK) throws {
        do { try sdk.write(table, ndjsonLine: line) } catch let e as PanoplyError where e.code == 422 || e.category == .config {
            throw LineError(message: e.message)
        }
    }
}

/// Closes the SDK once (from the end of input or from a signal), prints the summary line
/// and exits with the right code.
final class Finisher: Sendable {
    let sdk: PanoplySDK
    let started: ContinuousClock.Instant
    let spool: String?
    private let once = Mutex(false)
    /// Callers that came second: parked until the first caller exits the process.
    private let parked = Mutex<[CheckedContinuation<Void, Never>]>([])

    init(sdk: PanoplySDK, started: ContinuousClock.Instant, spool: String?) {
        self.sdk = sdk
        self.started = started
        self.spool = spool
    }

    var isFinishing: Bool { once.withLock { $0 } }

    func finish(timeout: Duration?, inputCode: Int32) async {
        let first = once.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else {
            // The first caller (e.g. the signal handler) is flushing and will exit the
            // process; returning here would end `run()` and exit 0 before it is done.
            await withCheckedContinuation { c in parked.withLock { $0.append(c) } }
            return
        }
        var code = inputCode
        do {
            try await sdk.close(timeout: timeout)
        } catch {
            let c = sdk.counters
            printError(undeliveredMessage(c.records - c.recordsDelivered, spool: spool, reason: error.asPanoplyError.message))
            code = Exit.undelivered
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(summaryLine(sdk.counters, seconds: seconds))
        fflush(nil)
        exit(code)
    }
}
