import Synchronization

@testable import PanoplyKit

/// A transport double: records every `send` call and answers as the test says.
///
/// By default every message succeeds with id `id-<number>`. `respond` replaces the answer;
/// `hold()` makes calls wait until `release()`, so tests can let messages pile up.
final class MockTransport: MessageTransport {
    /// What one call returns: per-message results, or an error for the whole request.
    enum Reply: Sendable {
        case results([Result<String, TransportError>])
        case failure(TransportError)
    }

    let maxBatchCount: Int
    let maxBatchBytes: Int

    private struct State {
        var calls: [[OutgoingMessage]] = []
        var respond: @Sendable (_ call: Int, _ messages: [OutgoingMessage]) -> Reply = { _, ms in
            .results(ms.map { .success("id-\($0.number)") })
        }
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    init(maxBatchCount: Int = 10, maxBatchBytes: Int = 1_048_576) {
        self.maxBatchCount = maxBatchCount
        self.maxBatchBytes = maxBatchBytes
    }

    /// Every call so far, in the order they arrived.
    var calls: [[OutgoingMessage]] { state.withLock { $0.calls } }
    /// Every message sent so far (retries included).
    var sent: [OutgoingMessage] { calls.flatMap { $0 } }

    /// Sets how calls are answered from now on (`call` is 0-based over all calls).
    func respond(_ r: @escaping @Sendable (_ call: Int, _ messages: [OutgoingMessage]) -> Reply) {
        state.withLock { $0.respond = r }
    }

    /// Answers every message of every call with `error`.
    func failAll(_ error: TransportError) {
        respond { _, ms in .results(ms.map { _ in .failure(error) }) }
    }

    /// Answers everything with success again.
    func succeedAll() {
        respond { _, ms in .results(ms.map { .success("id-\($0.number)") }) }
    }

    /// Calls arriving from now on wait until `release()`.
    func hold() { state.withLock { $0.held = true } }

    /// Lets held calls (and later ones) go on.
    func release() {
        let waiting = state.withLock { s in
            s.held = false
            defer { s.waiting = [] }
            return s.waiting
        }
        for c in waiting { c.resume() }
    }

    func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        let (index, respond) = state.withLock { s in
            s.calls.append(messages)
            return (s.calls.count - 1, s.respond)
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { s -> Bool in
                if s.held { s.waiting.append(c) }
                return s.held
            }
            if !wait { c.resume() }
        }
        switch respond(index, messages) {
        case .results(let r): return r
        case .failure(let e): throw e
        }
    }
}
