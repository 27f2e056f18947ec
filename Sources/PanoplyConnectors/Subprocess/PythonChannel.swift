import Foundation
import PanoplyKit

/// One Python interpreter running the embedded runner for a module, spoken to in the
/// protocol of docs/python-protocol.md: a request per line, events and one reply back.
final class PythonChannel: Sendable {
    let module: String
    let process: LineProcess
    /// What the runner said first: which `panoply` module it uses, or the import error.
    let hello: JSONObject
    private let onEvent: @Sendable (JSONObject) -> Void
    /// The longest protocol line (a batch reply) taken from the interpreter: 1 GiB.
    static let maxBatchBytes = 1 << 30
    /// How long a stopped (SIGTERM) interpreter gets before SIGKILL.
    let grace: Duration

    /// Starts the interpreter and imports the module.
    /// - Parameters:
    ///   - onEvent: log, progress, state and fire messages, in order; stderr lines arrive
    ///     as `{"type":"log","message":...,"stream":"stderr"}`.
    /// - Throws: ``PanoplyError`` (config) when the interpreter cannot start or the module
    ///   does not import, with its traceback's last lines.
    init(module: String, interpreter: PythonInterpreter, onEvent: @escaping @Sendable (JSONObject) -> Void) async throws {
        self.module = module
        self.onEvent = onEvent
        grace = interpreter.grace
        // One protocol line holds a whole batch of records (the module decides how many):
        // the cap bounds memory, far above any batch that fits the destination.
        let proc = try LineProcess(
            name: "python:\(module)", executable: try interpreter.executablePath(),
            arguments: PythonRunnerScript.arguments(module: module), environment: interpreter.environment,
            maxLineBytes: Self.maxBatchBytes,
            tooLongAdvice: "that line is one batch of records: lower --batch-size, or have read() return fewer records"
        ) { line in
            onEvent(["type": "log", "message": .string(line), "stream": "stderr"])
        }
        process = proc
        guard let first = try await Self.readMessage(proc, module: module) else {
            let status = await proc.wait()
            throw PanoplyError(.config, "python:\(module): the interpreter ended before the runner started (exit \(status)): \(proc.exitDescription())")
        }
        hello = first
        if let error = first["error"]?.objectValue {
            _ = await proc.wait()
            throw Self.error(error, module: module, onEvent: onEvent)
        }
    }

    /// Sends a request and returns its reply's `ok` value (a batch reply as a whole),
    /// passing events that come first to `onEvent`. Cancelling the task stops the
    /// interpreter (SIGTERM, SIGKILL after the grace period).
    /// - Throws: the module's exception as ``PanoplyError`` (retryable as it says), or a
    ///   non-retryable error when the interpreter crashed, sent a corrupt message or could
    ///   not encode a value; code 501 when the module does not list (or get) resources.
    func request(_ req: JSONObject) async throws -> JSONValue {
        try await request(req, events: onEvent)
    }

    /// ``request(_:)`` with the reply's events (and an error's traceback lines) passed to
    /// `events` instead of `onEvent`: a read-ahead holds them back until its batch is used.
    func request(_ req: JSONObject, events: (JSONObject) -> Void) async throws -> JSONValue {
        var line: [UInt8] = []
        try JSONWriter.write(.object(req), into: &line)
        try process.send(line)
        return try await withTaskCancellationHandler {
            while let msg = try await Self.readMessage(process, module: module) {
                switch msg["type"]?.stringValue {
                case "reply":
                    if let e = msg["error"]?.objectValue { throw Self.error(e, module: module, onEvent: events) }
                    return msg["ok"] ?? .null
                case "batch": return .object(msg)
                default: events(msg)
                }
            }
            if Task.isCancelled { throw CancellationError() }
            _ = await process.wait()
            throw PanoplyError(.internal, "python:\(module) crashed: the interpreter \(process.exitDescription())", retryable: false)
        } onCancel: { [process, grace] in
            process.terminate(grace: grace)
        }
    }

    /// Ends the interpreter: closes its input, waits up to the grace period, then stops it.
    func shutdown() async {
        process.closeInput()
        process.stopReading()
        let p = process
        let stopper = Task {
            try await Task.sleep(for: grace); p.terminate(grace: grace)
        }
        _ = await p.wait()
        stopper.cancel()
    }

    private static func readMessage(_ process: LineProcess, module: String) async throws -> JSONObject? {
        guard let bytes = await process.nextLine() else { return nil }
        guard let v = try? JSONParser.parse(bytes), let o = v.objectValue, o["type"]?.stringValue != nil else {
            process.terminate(grace: .seconds(1))
            let text = String(decoding: bytes.prefix(200), as: UTF8.self)
            throw PanoplyError(.internal, "python:\(module) sent a corrupt protocol message (not a JSON object with a type): \(text)", retryable: false)
        }
        return o
    }

    /// An error reply as a ``PanoplyError``: only a module's exception that says it is
    /// retryable is retried; the runner's own errors (a request it cannot read, a value it
    /// cannot encode) and anything it does not say are not.
    static func error(_ e: JSONObject, module: String, onEvent: (JSONObject) -> Void) -> PanoplyError {
        let tb = e["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for l in tb { onEvent(["type": "log", "message": .string(l), "stream": "traceback"]) }
        let name = e["exception"]?.stringValue ?? "Exception"
        let message = e["message"]?.stringValue ?? ""
        switch e["kind"]?.stringValue {
        case "import":
            return PanoplyError(.config, "python:\(module) does not import: \(name): \(message) (check PYTHONPATH and --python)")
        case "protocol":
            return PanoplyError(.internal, "python:\(module): the runner could not read a request: \(message)", retryable: false)
        case "encoding":
            // The module has moved past the batch: a new read would skip it, so never retried.
            return PanoplyError(.internal, "python:\(module): \(message)", retryable: false)
        case "unsupported":
            return PanoplyError(.config, "python:\(module): \(message)", code: 501, retryable: false)
        default:
            let retryable = e["kind"]?.stringValue == "exception" && e["retryable"]?.boolValue == true
            return PanoplyError(retryable ? .transient : .internal, "\(name): \(message)", retryable: retryable)
        }
    }
}
