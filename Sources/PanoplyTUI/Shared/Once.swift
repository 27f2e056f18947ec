import Synchronization

/// A value that is set once and awaited by any number of tasks: the run-once latch of
/// the process lifecycle. The first ``set(_:announcing:)`` wins; later ones are ignored.
final class Once<Value: Sendable>: Sendable {
    private enum State {
        case open([CheckedContinuation<Value, Never>])
        /// Claimed by the winner, which is announcing; waiters keep waiting.
        case claimed([CheckedContinuation<Value, Never>])
        case set(Value)
    }
    private let state = Mutex(State.open([]))

    /// True once a value was claimed (it may still be announcing).
    var isSet: Bool {
        state.withLock {
            if case .open = $0 { return false }; return true
        }
    }

    /// Sets the value: runs `announce` (for the winner only), then wakes every waiter, so
    /// no waiter sees the value before the announcement is made.
    /// - Returns: true for the call that set it, false when it was already set.
    @discardableResult
    func set(_ value: Value, announcing announce: () -> Void = {}) -> Bool {
        let won = state.withLock { s -> Bool in
            guard case .open(let waiters) = s else { return false }
            s = .claimed(waiters)
            return true
        }
        guard won else { return false }
        announce()
        let waiters = state.withLock { s -> [CheckedContinuation<Value, Never>] in
            guard case .claimed(let w) = s else { return [] }
            s = .set(value)
            return w
        }
        for w in waiters { w.resume(returning: value) }
        return true
    }

    /// The value, once it is set (and announced).
    var value: Value {
        get async {
            await withCheckedContinuation { c in
                let now = state.withLock { s -> Value? in
                    switch s {
                    case .set(let v): return v
                    case .open(let w): s = .open(w + [c])
                    case .claimed(let w): s = .claimed(w + [c])
                    }
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        }
    }
}
