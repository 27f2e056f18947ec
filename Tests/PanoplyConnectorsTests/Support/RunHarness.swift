import Foundation
import PanoplyKit
import Synchronization

@testable import PanoplyConnectors

/// Runs a source through ``SourceRunner`` into an outbox folder and reads back what was
/// delivered: the same path `panoply run TYPE --outbox DIR` takes.
struct RunHarness {
    let outbox: String
    let stateFile: String
    let scratch: String

    init() throws {
        scratch = NSTemporaryDirectory() + "panoply-conn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        outbox = scratch + "/outbox"
        stateFile = scratch + "/state.json"
    }

    struct Outcome {
        var summary: RunSummary
        var events: [RunEvent]
        var sourceChanges: [JSONObject] {
            events.compactMap { if case .sourceChange(let o) = $0 { return o } else { return nil } }
        }
        var logs: [String] { events.compactMap { if case .log(let l) = $0 { return l } else { return nil } } }
        var progress: [(Int?, Int?)] {
            events.compactMap { if case .progress(let l, let t, _) = $0 { return (l, t) } else { return nil } }
        }
    }

    /// Validates `params` like the CLI does, then runs the source to its end.
    func run(_ type: any DataSource.Type, _ params: [String: String], batchSize: Int = 100, readAttempts: Int = 3) async throws -> Outcome {
        try await run(SourceKind(type), params, batchSize: batchSize, readAttempts: readAttempts)
    }

    /// Runs a source kind (a Python module, a Singer tap); `watch` sees every event with
    /// the runner (to cancel it at a given point).
    func run(
        _ kind: SourceKind, _ params: [String: String], batchSize: Int = 100, readAttempts: Int = 3,
        options sourceOptions: JSONObject = [:], parallelResources: Int = 1,
        watch: @escaping @Sendable (RunEvent, SourceRunner) -> Void = { _, _ in }
    ) async throws -> Outcome {
        let values = try kind.configuration.validate(params).get()
        var config = SDKConfiguration(credentials: nil, destination: .outbox(outbox))
        config.flushInterval = .milliseconds(20)
        let sdk = try PanoplySDK(config)
        var options = RunOptions(batchSize: batchSize, readAttempts: readAttempts, retryBase: .milliseconds(20), stateFile: stateFile)
        options.countersInterval = .milliseconds(50)
        options.parallelResources = parallelResources
        let input = SourceInput(type: kind.type, params: values, options: sourceOptions)
        let runner = SourceRunner(kind, input: input, sdk: sdk, options: options)
        let collector = Task {
            var all: [RunEvent] = []; for await e in runner.events { watch(e, runner); all.append(e) }; return all
        }
        let summary = await runner.run()
        try await sdk.close()
        return Outcome(summary: summary, events: await collector.value)
    }

    /// Every record in the outbox, in delivery order.
    func delivered() throws -> [JSONObject] {
        guard FileManager.default.fileExists(atPath: outbox) else { return [] }
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".ndjson") }.sorted()
        var out: [JSONObject] = []
        for f in files {
            let text = try String(contentsOfFile: outbox + "/" + f, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.isEmpty {
                if case .object(let o) = try JSONParser.parse(String(line)) { out.append(o) }
            }
        }
        return out
    }

    /// The `id` of every delivered record, as integers.
    func deliveredIds() throws -> [Int] { try delivered().compactMap { $0["id"]?.intValue } }

    func savedState() throws -> JSONObject? { try StateFile.load(stateFile) }

    func path(_ name: String) -> String { scratch + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: scratch) }
}

/// Whether `ids` holds each of 1...n exactly once.
func holdsEachOnce(_ ids: [Int], _ n: Int) -> Bool { ids.count == n && Set(ids) == Set(1...max(n, 1)) }

/// The `id` of each record, read from text (CSV) or numbers.
func ids(_ records: [JSONObject]) -> [Int] {
    records.compactMap { $0["id"]?.intValue ?? $0["id"]?.stringValue.flatMap { Int($0) } }
}

/// The value of a test service's variable, or nil (the test then skips).
func serviceEnv(_ name: String) -> String? {
    let v = ProcessInfo.processInfo.environment[name]
    return v?.isEmpty == false ? v : nil
}

extension RunHarness {
    /// Every record line in the outbox as it was written, in delivery order.
    func deliveredLines() throws -> [String] {
        guard FileManager.default.fileExists(atPath: outbox) else { return [] }
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".ndjson") }.sorted()
        return try files.flatMap { f in
            try String(contentsOfFile: outbox + "/" + f, encoding: .utf8).split(separator: "\n").map(String.init)
        }
    }
}
