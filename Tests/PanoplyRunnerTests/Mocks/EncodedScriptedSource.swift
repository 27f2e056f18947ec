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

    /// A script of object steps (``ScriptStep``), each batch's records written as JSON text.
    static func install(_ steps: [ScriptStep]) -> String {
        install(
            steps.map { step -> Step in
                switch step {
                case .records(let rs, let sid, let st): .lines(rs.map { JSONWriter.string(.object($0)) }, stateId: sid, state: st)
                case .fail(let e): .fail(e)
                case .hang: .hang
                }
            })
    }

    /// Reads started so far.
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

/// Acknowledges a message at once when every record in it has an `id` of at most
/// `through`; holds the others until ``release()``.
final class IdGateTransport: MessageTransport {
    let maxBatchCount = 1
    let maxBatchBytes = Int.max
    let through: Int
    private let held = Mutex<(released: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    init(through: Int) { self.through = through }

    func release() {
        let waiting = held.withLock { h -> [CheckedContinuation<Void, Never>] in
            h.released = true
            defer { h.waiting = [] }
            return h.waiting
        }
        for c in waiting { c.resume() }
    }

    func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        let ids = messages.flatMap { m in
            String(decoding: m.body, as: UTF8.self).split(separator: "\n").compactMap { (try? JSONParser.parse(String($0)))?.objectValue?["id"]?.intValue }
        }
        if ids.contains(where: { $0 > through }) {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let go = held.withLock { h -> Bool in
                    if h.released { return true }
                    h.waiting.append(c)
                    return false
                }
                if go { c.resume() }
            }
        }
        return messages.map { .success("m\($0.number)") }
    }
}
