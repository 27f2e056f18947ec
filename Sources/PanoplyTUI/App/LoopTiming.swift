/// The UI loop's timing decisions, as a pure value: how long to wait for a key, when a
/// tick is due, when a frame may be drawn, and when to stop waiting for runs to close
/// after quitting. Time comes in as seconds since the loop started.
struct LoopTiming: Sendable, Equatable {
    /// Frames are drawn at most this often.
    static let frameInterval = 1.0 / 30
    /// After a quit, how long the loop waits for the runs' SDKs to close.
    static let quitGrace = 30.0
    /// The same after SIGINT/SIGTERM/SIGHUP, which ask for a faster exit.
    static let signalGrace = 10.0

    private(set) var lastFrame = -1.0
    private(set) var lastTick = 0.0
    private(set) var quitDeadline: Double?

    /// Milliseconds to wait for a key: short while a frame is pending, about a frame while
    /// runs stream events (so frames keep coming), a quarter second when idle.
    static func readTimeout(dirty: Bool, busy: Bool) -> Int32 { dirty ? 5 : busy ? 33 : 250 }

    /// True when a tick is due (and it is counted as sent): with any other event, and
    /// else four times a second while busy (elapsed, rate, ETA move) or once a second idle.
    mutating func tickDue(now: Double, busy: Bool, hasEvents: Bool) -> Bool {
        guard hasEvents || now - lastTick >= (busy ? 0.25 : 1) else { return false }
        lastTick = now
        return true
    }

    /// True when a pending frame may be drawn now (and it is counted as drawn).
    mutating func frameDue(now: Double, dirty: Bool) -> Bool {
        guard dirty, now - lastFrame >= Self.frameInterval else { return false }
        lastFrame = now
        return true
    }

    /// True when the loop should end: a quit was asked for and either no run's SDK is
    /// open any more or the grace period (counted from the first call) has passed.
    mutating func shouldExit(now: Double, quitting: Bool, signalled: Bool, sdksOpen: Bool) -> Bool {
        guard quitting else { return false }
        let deadline = quitDeadline ?? now + (signalled ? Self.signalGrace : Self.quitGrace)
        quitDeadline = deadline
        return !sdksOpen || now > deadline
    }
}
