import Foundation
import PanoplyTestSupport
import Synchronization

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// An in-memory ``Terminal`` for whole-program tests (in the style of bubbletea's
/// teatest): the test scripts keys and resizes, the app's frames are kept, and the test
/// waits for a frame that shows what it expects, with a deadline.
final class MemoryTerminal: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [TerminalInput] = []
    private var currentSize: (width: Int, height: Int)
    private var started = false
    private var stopped = false

    private struct Waiter {
        var id: Int
        var what: String
        var match: @Sendable (Screen) -> Bool
        var continuation: CheckedContinuation<Screen, Error>
    }
    private struct Frames {
        var last: Screen?
        var count = 0
        var nextWaiter = 0
        var waiters: [Waiter] = []
    }
    private let frames = Mutex(Frames())

    init(width: Int = 80, height: Int = 24) { currentSize = (width, height) }

    // MARK: The test's side

    var isStarted: Bool { condition.lock(); defer { condition.unlock() }; return started }
    var isStopped: Bool { condition.lock(); defer { condition.unlock() }; return stopped }
    var frameCount: Int { frames.withLock { $0.count } }
    var lastFrame: Screen? { frames.withLock { $0.last } }

    func press(_ keys: Key...) {
        condition.lock(); defer { condition.unlock() }
        pending += keys.map { .key($0) }
        condition.broadcast()
    }

    func type(_ text: String) {
        condition.lock(); defer { condition.unlock() }
        pending += text.map { .key(.char($0)) }
        condition.broadcast()
    }

    func resize(width: Int, height: Int) {
        condition.lock(); defer { condition.unlock() }
        currentSize = (width, height)
        pending.append(.resize)
        condition.broadcast()
    }

    /// The first frame (the latest one, or one still to come) that `match`es.
    /// - Throws: ``TestFailure`` naming `what` and showing the last frame when none did
    ///   within `limit`.
    @discardableResult
    func waitForFrame(
        _ what: String, within limit: Duration = .seconds(30),
        _ match: @escaping @Sendable (Screen) -> Bool
    ) async throws -> Screen {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Screen, Error>) in
            let id = frames.withLock { f -> Int? in
                if let last = f.last, match(last) { return nil }
                f.nextWaiter += 1
                f.waiters.append(Waiter(id: f.nextWaiter, what: what, match: match, continuation: c))
                return f.nextWaiter
            }
            guard let id else { return c.resume(returning: lastFrame!) }
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                self?.expire(id, limit)
            }
        }
    }

    /// Waits for a frame whose text contains every one of `texts`.
    @discardableResult
    func waitForText(_ texts: String..., within limit: Duration = .seconds(30)) async throws -> Screen {
        try await waitForFrame(texts.joined(separator: " + "), within: limit) { screen in
            let t = screen.text
            return texts.allSatisfy { t.contains($0) }
        }
    }

    private func expire(_ id: Int, _ limit: Duration) {
        let waiter = frames.withLock { f -> (Waiter, Screen?)? in
            guard let i = f.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return (f.waiters.remove(at: i), f.last)
        }
        guard let (w, last) = waiter else { return }
        w.continuation.resume(throwing: TestFailure("no frame showed \(w.what) within \(limit); the last one was:\n\(last?.text ?? "(none)")"))
    }
}

/// The terminal side, called by the app loop.
extension MemoryTerminal: Terminal {
    func start() throws {
        condition.lock(); defer { condition.unlock() }
        started = true
    }

    func stop() {
        condition.lock(); defer { condition.unlock() }
        stopped = true
    }

    var size: (width: Int, height: Int) {
        condition.lock(); defer { condition.unlock() }
        return currentSize
    }

    /// Blocks for input at most `timeoutMs`, as a terminal read does.
    func read(timeoutMs: Int32) -> TerminalInput? {
        condition.lock(); defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)
        while pending.isEmpty, timeoutMs > 0, condition.wait(until: deadline) {}
        return pending.isEmpty ? nil : pending.removeFirst()
    }

    func draw(_ screen: Screen) {
        let ready = frames.withLock { f -> [(CheckedContinuation<Screen, Error>, Screen)] in
            f.last = screen
            f.count += 1
            let matched = f.waiters.filter { $0.match(screen) }
            f.waiters.removeAll { $0.match(screen) }
            return matched.map { ($0.continuation, screen) }
        }
        for (c, s) in ready { c.resume(returning: s) }
    }
}

/// The app's exit code once it ended, or a ``TestFailure`` after `limit` showing `terminal`'s
/// last frame. Unlike a task group, which waits for every child before it returns, this
/// does not hang when the app never ends.
func exitCode(of app: Task<Int32, Error>, within limit: Duration, terminal: MemoryTerminal) async throws -> Int32 {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int32, Error>) in
        let once = ResumeOnce(c)
        Task { once.resume(with: await app.result) }
        Task {
            try? await Task.sleep(for: limit)
            once.resume(with: .failure(TestFailure("the app did not end within \(limit); last frame:\n\(terminal.lastFrame?.text ?? "")")))
        }
    }
}

/// A continuation resumed by whichever answer comes first.
final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Int32, Error>?>
    init(_ c: CheckedContinuation<Int32, Error>) { continuation = Mutex(c) }
    func resume(with r: Result<Int32, Error>) {
        continuation.withLock { c in
            defer { c = nil }
            return c
        }?.resume(with: r)
    }
}
