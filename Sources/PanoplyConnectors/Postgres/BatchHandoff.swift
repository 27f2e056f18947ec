import Synchronization

/// One slot between a producing task and a consumer: `put` waits while the slot is full,
/// `take` while it is empty, so the producer works on the next value while the consumer
/// uses this one, and memory stays bounded at one value in the slot. `close` wakes both.
final class BatchHandoff<Value: Sendable>: Sendable {
    private struct State {
        var slot: Value?
        var taker: CheckedContinuation<Value?, Never>?
        /// A put waiting for the slot, with its value.
        var putter: (CheckedContinuation<Bool, Never>, Value)?
        var closed = false
    }
    private let state = Mutex(State())

    /// Hands `value` over, waiting while the slot is full.
    /// - Returns: false when the handoff was closed (the value is dropped).
    func put(_ value: Value) async -> Bool {
        await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let taker = state.withLock { s -> CheckedContinuation<Value?, Never>?? in
                if s.closed { return .some(nil) }
                if let t = s.taker {
                    s.taker = nil
                    return .some(t)
                }
                if s.slot == nil {
                    s.slot = value
                    return .some(nil)
                }
                s.putter = (c, value)
                return .none
            }
            switch taker {
            case .none: break  // waits for a take
            case .some(let t?):
                t.resume(returning: value)
                c.resume(returning: true)
            case .some(nil):
                c.resume(returning: !state.withLock { $0.closed })
            }
        }
    }

    /// The next value, waiting while the slot is empty; nil once closed.
    func take() async -> Value? {
        await withCheckedContinuation { (c: CheckedContinuation<Value?, Never>) in
            let now = state.withLock { s -> (Value?, CheckedContinuation<Bool, Never>?, Bool) in
                if let v = s.slot {
                    s.slot = nil
                    if let (p, next) = s.putter {
                        s.slot = next
                        s.putter = nil
                        return (v, p, true)
                    }
                    return (v, nil, true)
                }
                if s.closed { return (nil, nil, true) }
                s.taker = c
                return (nil, nil, false)
            }
            guard now.2 else { return }
            now.1?.resume(returning: true)
            c.resume(returning: now.0)
        }
    }

    /// Wakes a waiting put (false) and take (nil); later calls return at once.
    func close() {
        let (t, p) = state.withLock { s -> (CheckedContinuation<Value?, Never>?, CheckedContinuation<Bool, Never>?) in
            s.closed = true
            s.slot = nil
            defer { s.taker = nil; s.putter = nil }
            return (s.taker, s.putter?.0)
        }
        t?.resume(returning: nil)
        p?.resume(returning: false)
    }
}
