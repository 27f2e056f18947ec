/// The UI loop's timing decisions, as a pure value: how long to wait for a key, when a
/// tick is due, and when a frame may be drawn. Time comes in as seconds since the loop
/// started. (How long a quit waits for runs is the run supervisor's: `--shutdown-timeout`.)
struct LoopTiming: Sendable, Equatable {
    /// Frames are drawn at most this often.
    static let frameInterval = 1.0 / 30

    private(set) var lastFrame = -1.0
    private(set) var lastTick = 0.0

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
}
