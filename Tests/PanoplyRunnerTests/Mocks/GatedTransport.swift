import PanoplyKit
import Synchronization

/// A transport that records every message and acknowledges only while its gate is open.
final class GatedTransport: MessageTransport {
    let maxBatchCount = 1
    let maxBatchBytes = Int.max
    private let state = Mutex(State())

    private struct State {
        var open = true
        var waiting: [CheckedContinuation<Void, Never>] = []
        var bodies: [[UInt8]] = []
    }

    init(open: Bool = true) { state.withLock { $0.open = open } }

    func setOpen(_ open: Bool) {
        let resume = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = open
            guard open else { return [] }
            defer { s.waiting = [] }
            return s.waiting
        }
        for c in resume { c.resume() }
    }

    func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiting.append(c)
                return false
            }
            if go { c.resume() }
        }
        state.withLock { s in for m in messages { s.bodies.append(m.body) } }
        return messages.map { .success("m\($0.number)") }
    }

    /// Every record delivered so far, parsed.
    var records: [JSONObject] {
        let bodies = state.withLock { $0.bodies }
        return bodies.flatMap { body in
            String(decoding: body, as: UTF8.self).split(separator: "\n").compactMap { line in
                (try? JSONParser.parse(String(line)))?.objectValue
            }
        }
    }

    /// Every record delivered so far, as the text it was sent as.
    var recordTexts: [String] {
        state.withLock { $0.bodies }.flatMap { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) }
    }
}
