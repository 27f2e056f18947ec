import Foundation
import PanoplyKit
import Synchronization

/// Owns the SDK of one `run` or `send`. It runs the work that writes the records, then
/// closes the SDK once: after the work, or at the latest `--shutdown-timeout` after a
/// SIGINT/SIGTERM (a second signal stops waiting). It prints what stayed undelivered and
/// the summary line, and gives the exit code; it never exits the process (`main` does).
///
/// When it stops waiting (``giveUp(reason:)``) the code is 3 if records stayed
/// undelivered, else the work's own code once the work has returned, else 1: a run that
/// did not end (a source whose `close()` hangs) never exits 0.
final class DeliverySession: Sendable {
    let sdk: PanoplySDK
    let spool: String?
    let shutdownTimeout: Duration
    private let started = ContinuousClock.now
    private let outcome = Once<Int32>()
    /// The code the work returned, once it has.
    private let workCode = Mutex<Int32?>(nil)
    /// The code a signal settled (see `codeWhenStopped`), once one arrived.
    private let stoppedCode = Mutex<Int32?>(nil)

    init(sdk: PanoplySDK, spool: String?, shutdownTimeout: Duration) {
        self.sdk = sdk
        self.spool = spool
        self.shutdownTimeout = shutdownTimeout
    }

    /// Runs `work`, then closes the SDK.
    /// - Parameters:
    ///   - closeTimeout: how long the close after the work may wait (nil: as long as the
    ///     retry policy). A signal bounds it by the shutdown timeout.
    ///   - signals: SIGINT/SIGTERM, as they arrive.
    ///   - codeWhenStopped: the code the work ends with once the first signal stopped it,
    ///     for work that may not return after that (`send` waiting on an idle standard
    ///     input): then giving up is not a run that did not end. nil: until the work
    ///     returns, the run has not ended.
    ///   - onSignal: told of the first signal, to stop the work (stop reading, cancel).
    ///   - work: writes the records; returns the exit code the input earned.
    /// - Returns: the exit code of the command.
    func run(
        closeTimeout: Duration?, signals: AsyncStream<Int32>, codeWhenStopped: Int32? = nil,
        onSignal: @escaping @Sendable (Int32) -> Void,
        work: @escaping @Sendable () async -> Int32
    ) async -> Int32 {
        let watcher = Task {
            var first = true
            for await sig in signals {
                if first {
                    first = false
                    onSignal(sig)
                    if let codeWhenStopped { self.stoppedCode.withLock { $0 = codeWhenStopped } }
                    self.startDeadline()
                } else {
                    printError("interrupted again; exiting without waiting")
                    await self.giveUp(reason: "interrupted again")
                }
            }
        }
        Task {
            let code = await work()
            self.workCode.withLock { $0 = code }
            await self.close(inputCode: code, timeout: closeTimeout)
        }
        let code = await outcome.value
        watcher.cancel()
        return code
    }

    private func close(inputCode: Int32, timeout: Duration?) async {
        do {
            try await sdk.close(timeout: timeout)
            finish(inputCode, problem: nil)
        } catch {
            finish(Exit.undelivered, problem: error.asPanoplyError.message)
        }
    }

    private func startDeadline() {
        Task {
            try? await Task.sleep(for: shutdownTimeout)
            await giveUp(reason: "the shutdown timeout of \(shutdownTimeout.seconds)s passed")
        }
    }

    /// Stops waiting for delivery: seals the open message (into the spool, if any), ends
    /// whatever close is still waiting, and reports what was not delivered, or that the
    /// work never ended.
    private func giveUp(reason: String) async {
        guard !outcome.isSet else { return }
        do { try await sdk.close(timeout: .milliseconds(200)) } catch {
            return finish(Exit.undelivered, problem: reason)
        }
        guard let code = workCode.withLock({ $0 }) ?? stoppedCode.withLock({ $0 }) else {
            return finish(
                Exit.runFailed, problem: nil,
                note: "error: the run did not end (\(reason)); its records were delivered, but it may not have closed its source or saved its last state")
        }
        finish(code, problem: nil)
    }

    /// The one place that reports the outcome: at most once.
    private func finish(_ code: Int32, problem: String?, note: String? = nil) {
        outcome.set(code) {
            let c = sdk.counters
            if let problem { printError(undeliveredMessage(c.records - c.recordsDelivered, spool: spool, reason: problem)) }
            if let note { printError(note) }
            print(summaryLine(c, seconds: (ContinuousClock.now - started).seconds))
            fflush(nil)
        }
    }
}

/// "N records were not delivered; they stay in the spool DIR ...: reason"
func undeliveredMessage(_ records: Int, spool: String?, reason: String) -> String {
    let where_ =
        spool.map { "; they stay in the spool \($0) and are sent on the next start" }
        ?? " (no --spool: they are lost; use --spool DIR to keep them across restarts)"
    var reason = reason
    if let r = reason.range(of: #"^\d+ records were not delivered: "#, options: .regularExpression) { reason.removeSubrange(r) }
    return "error: \(records) records were not delivered\(where_): \(reason)"
}
