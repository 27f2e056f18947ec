import PanoplyKit
import Synchronization

/// A source of encoded records (``EncodedRecordSource``) whose reads follow a script of JSON
/// texts, looked up by the `script` param; it counts reads and closes.
actor EncodedScriptedSource: EncodedRecordSource {
    enum Step: Sendable {
        /// These texts as records, the batch reaching state `state` under `id`.
        case lines([String], stateId: String, state: JSONObject)
        case fail(PanoplyError)
        /// Wait until cancelled.
        case hang
    }

    static let type = "encoded-scripted"
    static let configuration = SourceConfiguration(title: "Encoded scripted", params: [SourceParam("script", required: true)])

    private static let scripts = Mutex<[String: [Step]]>([:])
    private static let counts = Mutex<[String: Int]>([:])

    static func install(_ steps: [Step]) -> String {
        let id = "e\(UInt64.random(in: 0...UInt64.max))"
        scripts.withLock { $0[id] = steps }
        return id
    }

    static func reads(_ id: String) -> Int { counts.withLock { $0[id] ?? 0 } }

    private let id: String
    private let context: SourceContext

    init(source: SourceInput, context: SourceContext) async throws {
        id = source.string("script") ?? ""
        self.context = context
    }

    func read(_ n: Int) async throws -> [JSONObject]? {
        try await readEncoded(n)?.decoded(reportingTo: context)
    }

    func readEncoded(_ n: Int) async throws -> EncodedRecords? {
        Self.counts.withLock { $0[id, default: 0] += 1 }
        let step = Self.scripts.withLock { s -> Step? in
            guard var steps = s[id], !steps.isEmpty else { return nil }
            defer { s[id] = steps }
            return steps.removeFirst()
        }
        switch step {
        case nil: return nil
        case .lines(let lines, let sid, let st)?:
            var batch = EncodedRecords()
            for line in lines { precondition(batch.append(json: Array(line.utf8)[...]), "not an object: \(line)") }
            batch.state = (sid, st)
            return batch
        case .fail(let e)?: throw e
        case .hang?:
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
    }

    func close() async {}
}
