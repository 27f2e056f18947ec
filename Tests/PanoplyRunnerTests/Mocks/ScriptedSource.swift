import PanoplyKit
import Synchronization

/// One step of a scripted source's reads.
enum ScriptStep: Sendable {
    /// Report `state` under `id` and return these records.
    case records([JSONObject], stateId: String, state: JSONObject)
    case fail(PanoplyError)
    /// Wait until cancelled.
    case hang
}

/// A source whose reads follow a script, looked up by the `script` param; it counts reads and closes.
actor ScriptedSource: DataSource {
    static let type = "scripted"
    static let configuration = SourceConfiguration(title: "Scripted", params: [SourceParam("script", required: true)])

    private static let scripts = Mutex<[String: [ScriptStep]]>([:])
    private static let stats = Mutex<[String: (reads: Int, closed: Bool)]>([:])

    static func install(_ steps: [ScriptStep]) -> String {
        let id = "s\(UInt64.random(in: 0...UInt64.max))"
        scripts.withLock { $0[id] = steps }
        stats.withLock { $0[id] = (0, false) }
        return id
    }

    static func reads(_ id: String) -> Int { stats.withLock { $0[id]?.reads ?? 0 } }
    static func closed(_ id: String) -> Bool { stats.withLock { $0[id]?.closed ?? false } }

    private let id: String
    private let context: SourceContext

    init(source: SourceInput, context: SourceContext) async throws {
        id = source.string("script") ?? ""
        self.context = context
    }

    func read(_ n: Int) async throws -> [JSONObject]? {
        Self.stats.withLock { $0[id]?.reads += 1 }
        let step = Self.scripts.withLock { s -> ScriptStep? in
            guard var steps = s[id], !steps.isEmpty else { return nil }
            let first = steps.removeFirst()
            // A failure stays at the head only once: the next read moves on.
            s[id] = steps
            return first
        }
        switch step {
        case nil: return nil
        case .records(let rs, let sid, let st)?:
            context.state(sid, st)
            return rs
        case .fail(let e)?: throw e
        case .hang?:
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
    }

    func close() async { Self.stats.withLock { $0[id]?.closed = true } }
}

func input(_ script: String) -> SourceInput {
    SourceInput(type: "scripted", params: ["script": .string(script)], destination: "t")
}

func testSDK(_ transport: any MessageTransport) throws -> PanoplySDK {
    var c = SDKConfiguration(credentials: nil, destination: .outbox("/nonexistent-unused"))
    c.flushInterval = .milliseconds(20)
    return try PanoplySDK(c, transport: transport)
}

extension RunOptions {
    static var fast: RunOptions { RunOptions(batchSize: 100, readAttempts: 3, retryBase: .milliseconds(5)) }
}
