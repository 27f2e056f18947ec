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
    /// A STATE came after the records last handed over: the runner takes it with the next
    /// batch, so a tap that ends with a STATE ends with an empty batch, then nil.
    private var stateToHand = false
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
            guard !ids.isEmpty else {
                throw PanoplyError.config("streams: no stream picked and the catalog selects none by default; pick some with --param streams=ID,ID")
            }
            context.log("singer:\(tap.name) reads \(ids.joined(separator: ", "))")
            try files.write(.object(SingerCatalog.excluding(source.fields, in: selected)), to: files.catalog)
            var args = ["--config", files.config, SingerTap.catalogFlag(about), files.catalog]
            if let state = source.state?[Self.stateKey], state != .null {
                try files.write(state, to: files.state)
                args += ["--state", files.state]
                context.log("singer:\(tap.name) resumes from its saved state")
            }
            process = try LineProcess(
                name: "singer:\(tap.name)", executable: tap.path, arguments: args,
                environment: tap.environment, maxQueuedLines: 4096, coalesce: true
            ) { line in context.log(line) }
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
        // A message that does not read: the lines after it (their states) are not taken.
        let broken = await withTaskCancellationHandler { () async -> PanoplyError? in
            while out.count < n {
                // A line read already is taken without suspending.
                guard let line = process.readyLine() else {
                    guard let line = await process.nextLine() else { break }
                    if let e = handle(line, into: &out) { return e }
                    continue
                }
                if let e = handle(line, into: &out) { return e }
            }
            return nil
        } onCancel: {
            process.terminate(grace: grace)
        }
        try Task.checkCancellation()
        if let broken {
            ended = true
            process.terminate(grace: grace)
            // What was read before it (records, a STATE) is handed over first.
            guard !out.isEmpty || stateToHand else { throw broken }
            failure = broken
        } else if out.count < n {
            do { try await finish() } catch {
                guard !out.isEmpty || stateToHand else { throw error }
                failure = error.asPanoplyError
            }
        }
        loaded += out.count
        context.progress(loaded, nil, "\(loaded) records")
        if out.isEmpty && ended && !stateToHand { return nil }
        stateToHand = false
        return out
    }

    /// Takes one stdout line: a RECORD into `out`, a STATE or SCHEMA noted, a line that is
    /// not JSON logged. A line that starts with `{` is a message: when it does not read
    /// (or is a RECORD whose `record` is not an object) it is returned as the error that
    /// stops the run, so no STATE after it is committed. Bare NaN, Infinity and -Infinity
    /// (Python's `json.dumps` writes them) are read as the strings "NaN", "Infinity" and
    /// "-Infinity", as the PostgreSQL source writes them.
    private func handle(_ line: [UInt8], into out: inout [JSONObject]) -> PanoplyError? {
        guard !line.isEmpty else { return nil }
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(line, nonFiniteAsStrings: true) } catch {
            guard Self.looksLikeMessage(line) else {
                context.log("singer:\(tap.name): not a Singer message: \(Self.start(line))")
                return nil
            }
            return brokenMessage("is not valid JSON (\(error))", line)
        }
        guard case .object(var msg) = consume parsed else {
            context.log("singer:\(tap.name): not a Singer message: \(Self.start(line))")
            return nil
        }
        switch msg["type"]?.stringValue {
        case "RECORD":
            // Taken out of the message first, so adding the key does not copy the record.
            let record = msg["record"]
            msg["record"] = nil
            guard case .object(var r)? = consume record else { return brokenMessage("is a RECORD whose record is not an object", line) }
            r[SourceResource.recordKey] = msg["stream"] ?? .null
            out.append(r)
        case "STATE":
            stateCount += 1
            stateToHand = true
            context.state("singer-\(stateCount)", [Self.stateKey: msg["value"] ?? .null])
        case "SCHEMA":
            schema(msg)
        default:
            break
        }
        return nil
    }

    /// Whether a line that does not parse was meant as a message: its first character
    /// (after blanks) is `{`. Other lines (a library printing to stdout) are logged.
    static func looksLikeMessage(_ line: [UInt8]) -> Bool {
        line.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D } == UInt8(ascii: "{")
    }

    static func start(_ line: [UInt8]) -> String {
        String(decoding: line.prefix(200), as: UTF8.self) + (line.count > 200 ? "…" : "")
    }

    private func brokenMessage(_ what: String, _ line: [UInt8]) -> PanoplyError {
        PanoplyError(
            .internal,
            "singer:\(tap.name) wrote a message that \(what); the run stops there, so no state after it is "
                + "committed (fix the tap, then retry): \(Self.start(line))", retryable: false)
    }

    private func schema(_ msg: JSONObject) {
        guard let stream = msg["stream"]?.stringValue else { return }
        let keys = Set(msg["key_properties"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let props = msg["schema"]?.objectValue?["properties"]?.objectValue ?? [:]
        schemas[stream] = props.map { name, s in
            SourceResource.Field(name: name, type: s.objectValue.map(SingerSettings.jsonType) ?? "", mandatory: keys.contains(name))
        }
        context.log("singer:\(tap.name): stream \(stream) has fields \(schemas[stream]!.map(\.name).joined(separator: ", "))")
    }

    /// The tap closed its output: a non-zero exit fails the run with its stderr tail.
    private func finish() async throws {
        ended = true
        let status = await process.wait()
        if let tooLong = process.lineLimitError { throw tooLong }
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
