import PanoplyKit
import Synchronization

/// One step of a resource's reads in a ``ResourcedSource`` script.
enum ResourceStep: Sendable {
    /// Report `state` under a generated id and return these records (may be empty).
    case records([JSONObject], state: JSONObject)
    case fail(PanoplyError)
    /// Wait until every resource of the script named in `meet` reached such a step.
    case meet(Int)
    /// Wait until cancelled.
    case hang
}

/// A source that reads one resource per instance (`resourcesParam: "items"`): each
/// resource follows its own script; it remembers the state each instance was opened with.
actor ResourcedSource: DataSource {
    static let type = "resourced"
    static let configuration = SourceConfiguration(
        title: "Resourced", params: [SourceParam("script", required: true), SourceParam("items", kind: .list)], resourcesParam: "items")

    private static let scripts = Mutex<[String: [ResourceStep]]>([:])
    private static let openedWith = Mutex<[String: [JSONObject?]]>([:])
    private static let meeting = Mutex<[String: Int]>([:])

    /// Installs a script per resource; returns the script id for the `script` param.
    static func install(_ steps: [String: [ResourceStep]]) -> String {
        let id = "r\(UInt64.random(in: 0...UInt64.max))"
        scripts.withLock { s in for (r, st) in steps { s["\(id)/\(r)"] = st } }
        return id
    }

    /// The states the instances of `resource` were opened with, in order.
    static func opened(_ script: String, _ resource: String) -> [JSONObject?] { openedWith.withLock { $0["\(script)/\(resource)"] ?? [] } }

    private let key: String
    private let script: String
    private let context: SourceContext
    private var reads = 0

    init(source: SourceInput, context: SourceContext) async throws {
        script = source.string("script") ?? ""
        key = "\(script)/\(source.resource ?? "-")"
        self.context = context
        let state = source.state
        Self.openedWith.withLock { [key] in $0[key, default: []].append(state) }
    }

    func read(_ n: Int) async throws -> [JSONObject]? {
        reads += 1
        let step = Self.scripts.withLock { [key] s -> ResourceStep? in
            guard var steps = s[key], !steps.isEmpty else { return nil }
            defer { s[key] = steps }
            return steps.removeFirst()
        }
        switch step {
        case nil: return nil
        case .records(let rs, let st)?:
            context.state("\(key)-\(reads)", st)
            return rs
        case .fail(let e)?: throw e
        case .meet(let parties)?:
            Self.meeting.withLock { [script] in $0[script, default: 0] += 1 }
            while Self.meeting.withLock({ [script] in $0[script] ?? 0 }) < parties { try await Task.sleep(for: .milliseconds(2)) }
            return []
        case .hang?:
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
    }

    func close() async {}
}

func resourcedInput(_ script: String, _ items: [String], destination: String? = nil, state: JSONObject? = nil) -> SourceInput {
    SourceInput(
        type: "resourced", params: ["script": .string(script), "items": .array(items.map { .string($0) })],
        destination: destination, state: state)
}
