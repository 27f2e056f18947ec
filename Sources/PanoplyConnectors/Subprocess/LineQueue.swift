import Foundation
import Synchronization

/// Lines handed from a reader thread to an async reader. The thread waits while `limit`
/// lines are queued, so a child that writes faster than the run reads is held back by its
/// pipe. ``discard()`` drops what is queued and lets the thread read on to the end.
final class LineQueue: Sendable {
    private struct State {
        var lines: [[UInt8]] = []
        var head = 0
        var finished = false
        var discarding = false
        var producerWaiting = false
        var waiter: CheckedContinuation<[UInt8]?, Never>?
        var queued: Int { lines.count - head }
    }
    private let state = Mutex(State())
    /// Wakes the reader thread when room is made (starts at 0: never "in use" when freed).
    private let room = DispatchSemaphore(value: 0)
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Adds a line (from the reader thread); waits while the queue is full.
    func push(_ line: [UInt8]) {
        while true {
            enum Step { case done, resume(CheckedContinuation<[UInt8]?, Never>), wait }
            let step = state.withLock { s -> Step in
                if s.discarding { return .done }
                if let w = s.waiter {
                    s.waiter = nil
                    return .resume(w)
                }
                guard s.queued < limit else {
                    s.producerWaiting = true
                    return .wait
                }
                s.lines.append(line)
                return .done
            }
            switch step {
            case .done: return
            case .resume(let w): w.resume(returning: line); return
            case .wait: room.wait()
            }
        }
    }

    /// No more lines will come.
    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Drops the queued lines and every later one (the reader no longer wants them).
    func discard() {
        let (wake, waiter) = state.withLock { s -> (Bool, CheckedContinuation<[UInt8]?, Never>?) in
            s.discarding = true
            s.lines = []
            s.head = 0
            defer { s.producerWaiting = false; s.waiter = nil }
            return (s.producerWaiting, s.waiter)
        }
        if wake { room.signal() }
        waiter?.resume(returning: nil)
    }

    /// The next line, or nil when finished (or discarded) and empty.
    func pop() async -> [UInt8]? {
        await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
            let (ready, wake) = state.withLock { s -> ([UInt8]??, Bool) in
                if s.head < s.lines.count {
                    let line = s.lines[s.head]
                    s.head += 1
                    if s.head > 1024 { s.lines.removeFirst(s.head); s.head = 0 }
                    defer { s.producerWaiting = false }
                    return (.some(line), s.producerWaiting)
                }
                if s.finished || s.discarding { return (.some(nil), false) }
                s.waiter = c
                return (nil, false)
            }
            if wake { room.signal() }
            if let ready { c.resume(returning: ready) }
        }
    }
}
