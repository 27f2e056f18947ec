import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a callback (run once), so commands can flush before exiting.
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let fired = NSLock()
    private var done = false

    init(_ signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { [weak self] in
                guard let self else { return }
                self.fired.lock()
                let first = !self.done
                self.done = true
                self.fired.unlock()
                if first {
                    handler(sig)
                } else {
                    // A second signal: stop waiting.
                    printError("interrupted again; exiting without waiting")
                    exit(Exit.undelivered)
                }
            }
            s.resume()
            sources.append(s)
        }
    }

    static func name(_ sig: Int32) -> String { sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal \(sig)" }
}
