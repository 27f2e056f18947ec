import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// For the UI: turns SIGINT, SIGTERM and SIGHUP into a flag the main loop checks, so the UI leaves
/// through its normal path: runs cancelled, SDKs closed, terminal restored.
final class TUISignals: @unchecked Sendable {
    private let fired = Atomic<Int32>(0)
    // Set in init, cleared in stop(); both on the main actor.
    private var sources: [any DispatchSourceSignal] = []

    init() {
        let queue = DispatchQueue(label: "panoply.signals")
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            Glibc.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [self] in self.fired.store(sig, ordering: .relaxed) }
            source.resume()
            made.append(source)
        }
        Glibc.signal(SIGPIPE, SIG_IGN)
        sources = made
    }

    /// The signal received, if any.
    var signal: Int32? {
        let s = fired.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Stops watching and restores the default actions.
    func stop() {
        for s in sources { s.cancel() }
        sources = []
        for sig in [SIGINT, SIGTERM, SIGHUP] { Glibc.signal(sig, SIG_DFL) }
    }
}
