import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Stream NDJSON records (one JSON object a line) to the destination.",
        discussion: """
            Each line becomes a record of TABLE ("__table" is set). Numbers pass through exactly as \
            written. Ends with:
              records=N messages=M bytes=B errors=E retries=R seconds=S

            Examples:
              panoply send users --file users.ndjson --outbox ./out
              cat events.ndjson | panoply send events --api-key "$KEY" --api-secret "$SECRET"
            """)

    @Argument(help: "The destination table.")
    var table: String
    @Option(help: ArgumentHelp("Read records from this file (default: standard input).", valueName: "F"))
    var file: String?
    @Option(
        name: .customLong("on-invalid"),
        help: ArgumentHelp("What to do with a line that is not a JSON object: fail (stop, exit 2) or skip (warn and go on).", valueName: "fail|skip"))
    var onInvalid: InvalidPolicy = .fail
    @OptionGroup var shutdown: ShutdownOption
    @OptionGroup var destination: DestinationOptions

    enum InvalidPolicy: String, ExpressibleByArgument { case fail, skip }

    func validate() throws {
        guard !table.isEmpty else { throw ValidationError("TABLE must not be empty") }
    }

    func run() async throws {
        let signals = Signals.stream()  // first, so a signal during start-up is not lost
        let (settings, config) = try destination.configuration()
        let reader: NDJSONReader
        do { reader = try NDJSONReader.open(file) } catch { throw fail("\(error)", code: Exit.usage) }
        let sdk = try DestinationOptions.makeHeadlessSDK(config)
        let session = DeliverySession(sdk: sdk, spool: settings.spool, shutdownTimeout: shutdown.duration)
        let stopReading = Once<Void>()
        let (table, onInvalid, seconds) = (table, onInvalid, shutdown.seconds)
        // Once stopped, send returns 0 (what it read is delivered by the close) even while
        // its read of an idle standard input has not returned.
        let code = await session.run(signals: signals) { sig in
            printError("\(Signals.name(sig)): flushing (up to \(seconds)s) before exit")
        } start: { supervisor in
            await supervisor.start(0, sdk: sdk, closeTimeout: nil, codeWhenStopped: Exit.success) {
                stopReading.set(())
            } work: {
                await Self.send(reader, to: sdk, table: table, onInvalid: onInvalid, stop: stopReading)
            }
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Message buffers (256 KiB) are allocated on one thread and freed on another; with
    /// glibc's sliding mmap threshold they stay in per-thread arenas and peak memory
    /// grows. A fixed threshold maps and unmaps them (measured: 62 -> 49 MiB for 1M records).
    static func tuneMalloc() {
        #if canImport(Glibc)
            if let sym = dlsym(nil, "mallopt") {  // malloc.h is not in the Glibc module
                typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
                _ = unsafeBitCast(sym, to: Mallopt.self)(-3 /* M_MMAP_THRESHOLD */, 128 * 1024)
            }
        #endif
    }

    struct LineError: Error { var message: String }

    /// Writes one NDJSON line; numbers keep their text (see ``PanoplySDK/write(_:ndjsonLine:)``).
    static func writeLine(_ line: ArraySlice<UInt8>, table: String, sdk: PanoplySDK) throws {
        do { try sdk.write(table, ndjsonLine: line) } catch let e as PanoplyError where e.code == 422 || e.category == .config {
            throw LineError(message: e.message)
        }
    }
}
