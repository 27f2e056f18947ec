import Synchronization

@testable import PanoplyKit

/// A transport double that acknowledges each message only once the test opens its gate
/// (by message number), so a test decides the order of acknowledgements.
final class GateTransport: MessageTransport {
    let maxBatchCount = 1
    let maxBatchBytes = 1_048_576

    private struct State {
        var open: Set<UInt64> = []
        var allOpen = false
        var arrived: [UInt64] = []
        var waiting: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    /// Message numbers that reached the transport, in order.
    var arrived: [UInt64] { state.withLock { $0.arrived } }

    /// Lets message `n` be acknowledged.
    func open(_ n: UInt64) {
        let c = state.withLock { s in
            s.open.insert(n)
            return s.waiting.removeValue(forKey: n)
        }
        c?.resume()
    }

    /// Lets every message (now and later) be acknowledged.
    func openAll() {
        let cs = state.withLock { s in
            s.allOpen = true
            defer { s.waiting = [:] }
            return Array(s.waiting.values)
        }
        for c in cs { c.resume() }
    }

    func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        for m in messages {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let go = state.withLock { s -> Bool in
                    s.arrived.append(m.number)
                    if s.allOpen || s.open.contains(m.number) { return true }
                    s.waiting[m.number] = c
                    return false
                }
                if go { c.resume() }
            }
        }
        return messages.map { .success("id-\($0.number)") }
    }
}
