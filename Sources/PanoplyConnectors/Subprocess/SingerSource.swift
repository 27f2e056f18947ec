import Foundation
import PanoplyKit

/// A `singer:EXECUTABLE` source: the tap runs with `--config`, `--catalog` (the picked
/// streams selected) and, when resuming, `--state`. RECORD lines become records of their
/// stream's resource, STATE lines the run's state (under `singer`, committed after the
/// records before it are acknowledged), SCHEMA lines the resource's fields.
actor SingerSource: DataSource {
    static let type = "singer"
    static let configuration = SourceConfiguration(title: "Singer tap", summary: "singer:EXECUTABLE", params: [])
    /// The state key holding the tap's own state.
    static let stateKey = "singer"

    private let tap: SingerTap
    private let process: LineProcess
    private let files: SingerFiles
    private let context: SourceContext
    private let grace: Duration
    private var stateCount = 0
    private var loaded = 0
    private var ended = false
    /// A failed exit, thrown after the records read before it are handed over.
    private var failure: PanoplyError?
    /// SCHEMA fields per stream, as the tap sent them.
    private(set) var schemas: [String: [SourceResource.Field]] = [:]

    init(source: SourceInput, context: SourceContext) async throws {
        throw PanoplyError.config("use the type singer:EXECUTABLE (e.g. singer:tap-jsonl)")
    }

    init(tap: SingerTap, settings: SingerSettings, about: JSONObject?, source: SourceInput, context: SourceContext) async throws {
        self.tap = tap
        self.context = context
        grace = PythonInterpreter.grace(tap.environment)
        let files = try SingerFiles(config: try settings.config(context.params))
        self.files = files
        do {
            let catalog = try tap.discover(config: try settings.config(context.params))
            let picked = context.params[SingerSettings.streamsParam]?.arrayValue?.compactMap(\.stringValue) ?? []
            let (selected, ids) = try catalog.selecting(picked)
            guard !ids.isEmpty else { throw PanoplyError.config("streams: no stream picked and the catalog selects none by default; pick some with --param streams=ID,ID") }
            context.log("singer:\(tap.name) reads \(ids.joined(separator: ", "))")
            try files.write(.object(selected), to: files.catalog)
            var args = ["--config", files.config, SingerTap.catalogFlag(about), files.catalog]
            if let state = source.state?[Self.stateKey], state != .null {
                try files.write(state, to: files.state)
                args += ["--state", files.state]
                context.log("singer:\(tap.name) resumes from its saved state")
            }
            process = try LineProcess(name: "singer:\(tap.name)", executable: tap.path, arguments: args,
                                      environment: tap.environment, maxQueuedLines: 4096, coalesce: true) { line in context.log(line) }
        } catch {
            files.remove()
            throw error
        }
    }

    func read(_ n: Int) async throws -> [JSONObject]? {
        if let failure {
            self.failure = nil
            throw failure
        }
        if ended { return nil }
        var out: [JSONObject] = []
        out.reserveCapacity(min(n, 10_000))
        let process = process, grace = grace
        try await withTaskCancellationHandler {
            while out.count < n {
                // A line read already is taken without suspending.
                guard let line = process.readyLine() else {
                    guard let line = await process.nextLine() else { break }
                    try handle(line, into: &out)
                    continue
                }
                try handle(line, into: &out)
            }
        } onCancel: {
            process.terminate(grace: grace)
        }
        try Task.checkCancellation()
        if out.count < n {
            do { try await finish() } catch {
                guard !out.isEmpty else { throw error }
                failure = error.asPanoplyError
            }
        }
        loaded += out.count
        context.progress(loaded, nil, "\(loaded) records")
        return out.isEmpty && ended ? nil : out
    }

    private func handle(_ line: [UInt8], into out: inout [JSONObject]) throws {
        guard !line.isEmpty else { return }
        guard var msg = try? JSONParser.parse(line).objectValue else {
            context.log("singer:\(tap.name): not a Singer message: \(String(decoding: line.prefix(200), as: UTF8.self))")
            return
        }
        switch msg["type"]?.stringValue {
        case "RECORD":
            // Taken out of the message first, so adding the key does not copy the record.
            let record = msg["record"]
            msg["record"] = nil
            guard case .object(var r)? = consume record else { return }
            r[SourceResource.recordKey] = msg["stream"] ?? .null
            out.append(r)
        case "STATE":
            stateCount += 1
            context.state("singer-\(stateCount)", [Self.stateKey: msg["value"] ?? .null])
        case "SCHEMA":
            guard let stream = msg["stream"]?.stringValue else { return }
            let keys = Set(msg["key_properties"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let props = msg["schema"]?.objectValue?["properties"]?.objectValue ?? [:]
            schemas[stream] = props.map { name, s in
                SourceResource.Field(name: name, type: s.objectValue.map(SingerSettings.jsonType) ?? "", mandatory: keys.contains(name))
            }
            context.log("singer:\(tap.name): stream \(stream) has fields \(schemas[stream]!.map(\.name).joined(separator: ", "))")
        default:
            break
        }
    }

    /// The tap closed its output: a non-zero exit fails the run with its stderr tail.
    private func finish() async throws {
        ended = true
        let status = await process.wait()
        guard status == 0 else {
            throw PanoplyError(.internal, "singer:\(tap.name) exited with code \(status): \(process.stderrTail)", retryable: false)
        }
    }

    func close() async {
        process.terminate(grace: grace)
        _ = await process.wait()
        files.remove()
    }
}
