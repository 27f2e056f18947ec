import Foundation
import Synchronization

/// Lines handed from a reader thread to an async reader. The thread blocks while `limit`
/// lines wait, so a child that writes faster than the run reads is held back by its pipe.
final class LineQueue: Sendable {
    private struct State {
        var lines: [[UInt8]] = []
        var head = 0
        var finished = false
        var waiter: CheckedContinuation<[UInt8]?, Never>?
    }
    private let state = Mutex(State())
    private let room: DispatchSemaphore
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
        room = DispatchSemaphore(value: limit)
    }

    /// Adds a line (from the reader thread); waits while the queue is full.
    func push(_ line: [UInt8]) {
        room.wait()
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.lines.append(line)
            return nil
        }
        if let waiter {
            room.signal()
            waiter.resume(returning: line)
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

    /// The next line, or nil when finished and empty.
    func pop() async -> [UInt8]? {
        await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
            let ready = state.withLock { s -> [UInt8]?? in
                if s.head < s.lines.count {
                    let line = s.lines[s.head]
                    s.head += 1
                    if s.head > 1024 { s.lines.removeFirst(s.head); s.head = 0 }
                    return .some(line)
                }
                if s.finished { return .some(nil) }
                s.waiter = c
                return nil
            }
            if let ready {
                if ready != nil { room.signal() }
                c.resume(returning: ready)
            }
        }
    }
}
