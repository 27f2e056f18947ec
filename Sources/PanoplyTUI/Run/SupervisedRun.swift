import PanoplyKit
import Synchronization

/// One run under a ``RunSupervisor``: its SDK, how to ask it to stop, its task, and the
/// ending that is settled once.
final class SupervisedRun: Sendable {
    let id: Int
    let sdk: PanoplySDK
    private let stopWork: @Sendable () -> Void
    private let codeWhenStopped: Int32?
    private let state = Mutex(Progress())
    let ending = Once<RunEnding>()
    private let task = Mutex<Task<Void, Never>?>(nil)

    private struct Progress {
        var workCode: Int32?
        var stopRequested = false
        var taskCancelled = false
    }

    init(id: Int, sdk: PanoplySDK, codeWhenStopped: Int32?, stop: @escaping @Sendable () -> Void) {
        self.id = id
        self.sdk = sdk
        self.codeWhenStopped = codeWhenStopped
        self.stopWork = stop
    }

    /// Runs `work`, then closes the SDK (at most `closeTimeout`), and settles the ending.
    func launch(closeTimeout: Duration?, work: @escaping @Sendable () async -> Int32) {
        let t = Task {
            let code = await work()
            let cancelled = self.state.withLock { p in
                p.workCode = code
                return p.taskCancelled
            }
            // A task of its own: a cancelled work task must not cut the close short.
            let sdk = self.sdk
            let closing = Task { () -> String? in
                do { try await sdk.close(timeout: closeTimeout) } catch { return error.asPanoplyError.message }
                return nil
            }
            let undelivered = await closing.value
            self.settle(cancelled ? .cancelledAfterGrace : .finished, workCode: code, undelivered: undelivered)
        }
        task.withLock { $0 = t }
    }

    /// Asks the work to stop (stop reading, deliver, commit): once.
    func requestStop() {
        let first = state.withLock { p in
            defer { p.stopRequested = true }
            return !p.stopRequested
        }
        if first { stopWork() }
    }

    /// Cancels the work's task, for work that did not heed ``requestStop()``.
    func cancelTask() {
        state.withLock { $0.taskCancelled = true }
        task.withLock { $0 }?.cancel()
    }

    /// Stops waiting: seals what is buffered (a second `close` with a short deadline ends a
    /// first one still waiting), and settles the ending with what is known now.
    func giveUp(reason: String) async {
        guard !ending.isSet else { return }
        var undelivered: String?
        do { try await sdk.close(timeout: .milliseconds(200)) } catch { undelivered = reason }
        let (returned, stopped) = state.withLock { ($0.workCode, $0.stopRequested) }
        let code = returned ?? (stopped ? codeWhenStopped : nil)
        settle(returned == nil ? .gaveUp : .cancelledAfterGrace, workCode: code, undelivered: undelivered, reason: reason)
    }

    private func settle(_ kind: RunEnding.Kind, workCode: Int32?, undelivered: String?, reason: String? = nil) {
        ending.set(RunEnding(kind: kind, workCode: workCode, undelivered: undelivered, reason: reason))
    }
}
