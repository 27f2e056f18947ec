import Dispatch
import Foundation
import Synchronization

/// For the UI: turns SIGINT, SIGTERM and SIGHUP into a flag the main loop checks, so the UI leaves
/// through its normal path: runs cancelled, SDKs closed, terminal restored.
final class TUISignals: Sendable {
    private let fired = Atomic<Int32>(0)
    private let sources: Mutex<[any DispatchSourceSignal]> = Mutex([])

    init() {
        let queue = DispatchQueue(label: "panoply.signals")
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [fired] in fired.store(sig, ordering: .relaxed) }
            source.resume()
            made.append(source)
        }
        signal(SIGPIPE, SIG_IGN)
        sources.withLock { $0 = made }
    }

    /// The signal received, if any.
    var signal: Int32? {
        let s = fired.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Stops watching and restores the default actions.
    func stop() {
        sources.withLock { list in
            for s in list { s.cancel() }
            list = []
        }
        for sig in [SIGINT, SIGTERM, SIGHUP] { Foundation.signal(sig, SIG_DFL) }
    }
}
