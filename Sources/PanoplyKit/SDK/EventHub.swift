import Synchronization

/// Fans SDK events out to `on(_:_:)` handlers and to every `events()` stream.
final class EventHub<Event: Sendable, Kind: Hashable & Sendable>: Sendable {
    private struct State {
        var handlers: [Kind: [@Sendable (Event) -> Void]] = [:]
        var streams: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextId = 0
        var finished = false
    }
    private let state = Mutex(State())

    func on(_ kind: Kind, _ handler: @escaping @Sendable (Event) -> Void) {
        state.withLock { $0.handlers[kind, default: []].append(handler) }
    }

    /// A new stream of events from now on; it keeps the newest `buffer` events for a slow reader.
    func stream(buffer: Int) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let finished = state.withLock { s -> Bool in
            if s.finished { return true }
            let id = s.nextId
            s.nextId += 1
            s.streams[id] = continuation
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.streams.removeValue(forKey: id) }
            }
            return false
        }
        if finished { continuation.finish() }
        return stream
    }

    func emit(_ event: Event, kind: Kind) {
        let (handlers, streams) = state.withLock { ($0.handlers[kind] ?? [], Array($0.streams.values)) }
        for h in handlers { h(event) }
        for c in streams { c.yield(event) }
    }

    func finish() {
        let streams = state.withLock { s -> [AsyncStream<Event>.Continuation] in
            s.finished = true
            defer { s.streams = [:] }
            return Array(s.streams.values)
        }
        for c in streams { c.finish() }
    }
}
