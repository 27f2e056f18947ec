import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The process's termination signals as one `AsyncStream`: watching starts when the
/// stream is made (the signals' default actions are suspended) and ends, with the default
/// actions back, when the stream's consumer stops. Both the UI loop and the headless
/// commands take their SIGINT/SIGTERM from here.
enum Signals {
    /// - Parameter signals: the signals to deliver (SIGINT and SIGTERM by default).
    static func stream(_ signals: [Int32] = [SIGINT, SIGTERM]) -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "panoply.signals")
        var sources: [any DispatchSourceSignal] = []
        for sig in signals {
            Glibc.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        let watching = Watching(sources: sources)
        continuation.onTermination = { _ in
            for s in watching.sources { s.cancel() }
            for sig in signals { Glibc.signal(sig, SIG_DFL) }
        }
        return stream
    }

    /// `SIGINT`, `SIGTERM`, ... for messages.
    static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(sig)"
        }
    }

    /// Keeps the dispatch sources alive as long as the stream is watched; they are only
    /// touched again to cancel them.
    private final class Watching: @unchecked Sendable {
        let sources: [any DispatchSourceSignal]
        init(sources: [any DispatchSourceSignal]) { self.sources = sources }
    }
}
