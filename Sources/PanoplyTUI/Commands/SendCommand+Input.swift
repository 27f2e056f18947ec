import Foundation
import PanoplyKit

extension SendCommand {
    /// Reads `reader` to its end (or until `stop` is set) and writes each line to `sdk`.
    /// - Returns: the exit code the input earned: 0, or 2 when a bad line stopped it
    ///   (nothing after it was read).
    static func send(
        _ reader: NDJSONReader, to sdk: PanoplySDK, table: String, onInvalid: InvalidPolicy,
        stop: Once<Void>
    ) async -> Int32 {
        var lineNo = 0
        var skipped = 0
        var inputError: String?
        do {
            try await reader.forEachLine { line in
                if stop.isSet { return .stop }
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
        guard let inputError, !stop.isSet else { return Exit.success }
        printError("error: \(inputError); records before it are delivered, nothing after it was read (use --on-invalid skip to go on past bad lines)")
        return Exit.usage
    }
}
