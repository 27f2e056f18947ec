import Foundation
import PanoplyKit

/// The one run of a headless command (`run`, `send`) under a ``RunSupervisor``: the first
/// SIGINT/SIGTERM shuts the supervisor down with `--shutdown-timeout` as its grace, a
/// second gives up at once. It prints what stayed undelivered and the summary line, and
/// gives the exit code; it never exits the process (`main` does).
struct DeliverySession {
    let sdk: PanoplySDK
    let spool: String?
    let shutdownTimeout: Duration

    /// Runs what `start` starts on a new supervisor (one run, whose work writes into
    /// ``sdk``), until it ended and the SDK closed, or the supervisor gave up.
    /// - Parameters:
    ///   - signals: SIGINT/SIGTERM, as they arrive.
    ///   - onSignal: told of the first signal (to say what happens next).
    /// - Returns: the exit code of the command.
    func run(
        signals: AsyncStream<Int32>, onSignal: @escaping @Sendable (Int32) -> Void,
        start: (RunSupervisor) async -> SupervisedRun?
    ) async -> Int32 {
        let started = ContinuousClock.now
        let supervisor = RunSupervisor()
        guard let run = await start(supervisor) else { return Exit.runFailed }
        let grace = shutdownTimeout
        let watcher = Task {
            var first = true
            for await sig in signals {
                if first {
                    first = false
                    onSignal(sig)
                    Task { _ = await supervisor.shutdown(grace: grace) }
                } else {
                    printError("interrupted again; exiting without waiting")
                    await supervisor.giveUpAll(reason: "interrupted again")
                }
            }
        }
        let ending = await run.ending.value
        watcher.cancel()
        let c = sdk.counters
        if let problem = ending.undelivered {
            printError(undeliveredMessage(c.records - c.recordsDelivered, spool: spool, reason: problem))
        }
        if let note = ending.didNotEndNote { printError(note) }
        print(summaryLine(c, seconds: (ContinuousClock.now - started).seconds))
        fflush(nil)
        return ending.code
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
