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

    /// Adds the lines of one read at once, from the reader thread (one lock, at most one
    /// wake-up); waits while the queue is full.
    func push(contentsOf batch: [[UInt8]]) {
        guard let first = batch.first else { return }
        while true {
            enum Step { case done, resume(CheckedContinuation<[UInt8]?, Never>), wait }
            let step = state.withLock { s -> Step in
                if s.discarding { return .done }
                guard s.queued < limit else {
                    s.producerWaiting = true
                    return .wait
                }
                if let w = s.waiter {
                    s.waiter = nil
                    s.lines.append(contentsOf: batch.dropFirst())
                    return .resume(w)
                }
                s.lines.append(contentsOf: batch)
                return .done
            }
            switch step {
            case .done: return
            case .resume(let w): w.resume(returning: first); return
            case .wait: room.wait()
            }
        }
    }

    /// The next line if one is queued, without waiting (nil when none is).
    func popReady() -> [UInt8]? {
        let (line, wake) = state.withLock { s -> ([UInt8]?, Bool) in
            guard s.head < s.lines.count else { return (nil, false) }
            let line = s.lines[s.head]
            s.head += 1
            if s.head > 1024 { s.lines.removeFirst(s.head); s.head = 0 }
            defer { s.producerWaiting = false }
            return (line, s.producerWaiting)
        }
        if wake { room.signal() }
        return line
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
