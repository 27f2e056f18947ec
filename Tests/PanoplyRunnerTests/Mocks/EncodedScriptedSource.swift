import PanoplyKit
import Synchronization

/// A source of encoded batches (``EncodedRecordSource``) that follows a script of
/// `.records` steps, each batch carrying its state; it counts its reads.
actor EncodedScriptedSource: EncodedRecordSource {
    static let type = "encoded-scripted"
    static let configuration = SourceConfiguration(title: "Encoded scripted", params: [SourceParam("script", required: true)])

    private static let scripts = Mutex<[String: [ScriptStep]]>([:])
    private static let readCounts = Mutex<[String: Int]>([:])

    static func install(_ steps: [ScriptStep]) -> String {
        let id = "e\(UInt64.random(in: 0...UInt64.max))"
        scripts.withLock { $0[id] = steps }
        readCounts.withLock { $0[id] = 0 }
        return id
    }

    /// Reads that returned so far.
    static func reads(_ id: String) -> Int { readCounts.withLock { $0[id] ?? 0 } }

    private let id: String
    private let context: SourceContext

    init(source: SourceInput, context: SourceContext) async throws {
        id = source.string("script") ?? ""
        self.context = context
    }

    func close() async {}

    func read(_ n: Int) async throws -> [JSONObject]? {
        try await readEncoded(n)?.decoded(reportingTo: context)
    }

    func readEncoded(_ n: Int) async throws -> EncodedRecords? {
        let step = Self.scripts.withLock { s -> ScriptStep? in
            guard var steps = s[id], !steps.isEmpty else { return nil }
            defer { s[id] = steps }
            return steps.removeFirst()
        }
        defer { Self.readCounts.withLock { $0[id, default: 0] += 1 } }
        switch step {
        case nil: return nil
        case .records(let rs, let sid, let st)?:
            var batch = EncodedRecords()
            for r in rs { batch.append { try? JSONWriter.write(.object(r), into: &$0) } }
            batch.state = (sid, st)
            return batch
        case .fail(let e)?: throw e
        case .hang?:
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
    }
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
