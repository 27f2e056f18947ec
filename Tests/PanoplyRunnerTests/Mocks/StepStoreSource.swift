import PanoplyKit
import Synchronization

/// A ``StateStore`` in memory that records every save it is asked for, and throws
/// ``LostLease`` on its `lostAt`-th save (counting from 1).
final class MemoryStateStore: StateStore {
    let location = "memory store"
    let lostAt: Int?
    private let state = Mutex<(stored: JSONObject?, attempts: [JSONObject])>((nil, []))

    static let lost = LostLease(message: "lost lease: source 'Demo' was taken by pid 4242 on host-b (epoch 8 > 7)")

    init(_ stored: JSONObject? = nil, lostAt: Int? = nil) {
        self.lostAt = lostAt
        state.withLock { $0.stored = stored }
    }

    func load() throws -> JSONObject? { state.withLock { $0.stored } }

    func save(_ new: JSONObject) throws {
        let n = state.withLock { s in
            s.attempts.append(new)
            return s.attempts.count
        }
        if n == lostAt { throw Self.lost }
        state.withLock { $0.stored = new }
    }

    /// The state stored now (the last save that did not throw).
    var stored: JSONObject? { state.withLock { $0.stored } }
    /// Every state the runner asked to save, in order (the one that threw too).
    var attempts: [JSONObject] { state.withLock { $0.attempts } }
}

/// A source that returns its script's batches in order, the batch `k` (from 0) only once
/// its store saw `k` saves (so each batch's state is saved on its own); after the last
/// batch it waits until cancelled. It records the state it was opened with.
actor StepStoreSource: DataSource {
    static let type = "step-store"
    static let configuration = SourceConfiguration(title: "Step store", params: [SourceParam("script", required: true)])

    struct Script: Sendable {
        var batches: [[JSONObject]]
        var store: MemoryStateStore
        /// Then return nil (the end) rather than wait to be cancelled.
        var ends = false
    }

    private static let scripts = Mutex<[String: Script]>([:])
    private static let opened = Mutex<[String: JSONObject?]>([:])

    static func install(_ script: Script) -> String {
        let id = "s\(UInt64.random(in: 0...UInt64.max))"
        scripts.withLock { $0[id] = script }
        return id
    }

    /// The state the source was opened with (nil when none), `.none` when it was not opened.
    static func openedState(_ id: String) -> JSONObject?? { opened.withLock { $0[id] } }

    private let script: Script
    private let context: SourceContext
    private var next = 0
    private var loaded: Int

    init(source: SourceInput, context: SourceContext) async throws {
        let id = source.string("script") ?? ""
        guard let script = Self.scripts.withLock({ $0[id] }) else { throw PanoplyError.config("no script \(id)") }
        Self.opened.withLock { $0[id] = .some(source.state) }
        self.script = script
        self.context = context
        loaded = source.state?["loaded"]?.intValue ?? 0
    }

    func read(_ n: Int) async throws -> [JSONObject]? {
        let deadline = ContinuousClock.now + .seconds(20)
        while script.store.attempts.count < next {
            guard ContinuousClock.now < deadline else { throw PanoplyError(.internal, "no save of batch \(next) within 20 s", retryable: false) }
            try await Task.sleep(for: .milliseconds(2))
        }
        guard next < script.batches.count else {
            if script.ends { return nil }
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
        let batch = script.batches[next]
        next += 1
        loaded += batch.count
        context.state("b\(next)", ["loaded": .number(JSONNumber(loaded))])
        return batch
    }

    func close() async {}
}

func storeInput(_ script: String) -> SourceInput {
    SourceInput(type: StepStoreSource.type, params: ["script": .string(script)], destination: "t")
}
