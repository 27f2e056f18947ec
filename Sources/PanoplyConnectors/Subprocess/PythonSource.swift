import Foundation
import PanoplyKit

/// A `python:MODULE` source: a module written for the original Python SDK (`Stream` and
/// `CONFIG`), run unchanged by the embedded runner in its own interpreter.
actor PythonSource: DataSource {
    static let type = "python"
    static let configuration = SourceConfiguration(title: "Python module", summary: "python:MODULE", params: [])

    private let channel: PythonChannel
    /// Passes the runner's events to the context.
    private let forward: @Sendable (JSONObject) -> Void
    /// The next batch, asked for when the last one arrived.
    private var ahead: PythonReadAhead?
    private var closed = false

    init(source: SourceInput, context: SourceContext) async throws {
        throw PanoplyError.config("use the type python:MODULE (e.g. python:my_source)")
    }

    init(module: String, interpreter: PythonInterpreter, source: SourceInput, context: SourceContext) async throws {
        let forward = Self.forward(to: context)
        let channel = try await PythonChannel(module: module, interpreter: interpreter, onEvent: forward)
        self.channel = channel
        self.forward = forward
        context.log("python:\(module) runs with \(channel.hello["sdk"]?.stringValue ?? "?") (Python \(channel.hello["python"]?.stringValue ?? "?"))")
        do {
            _ = try await channel.request([
                "op": "open", "source": .object(Self.sourceObject(source, params: context.params)),
                "options": .object(source.options)
            ])
        } catch {
            await channel.shutdown()
            throw error
        }
    }

    /// Returns the batch asked for ahead (or asks now), with the events that came with it,
    /// and asks for the next one, so the interpreter reads while the run writes. An error
    /// of a batch read ahead is thrown here, where it came without reading ahead; a
    /// retried read asks anew.
    func read(_ n: Int) async throws -> [JSONObject]? {
        let pending = ahead ?? PythonReadAhead(channel, n: n, forward: forward)
        ahead = nil
        let records = try await pending.batch()
        try Task.checkCancellation()
        if records != nil { ahead = PythonReadAhead(channel, n: n, forward: forward) }
        return records
    }

    func close() async {
        guard !closed else { return }
        closed = true
        // A module whose read() or close() hangs is stopped after a while, not waited on forever.
        let process = channel.process, grace = channel.grace
        let stopper = Task {
            try await Task.sleep(for: .seconds(30)); process.terminate(grace: grace)
        }
        await ahead?.drop()
        ahead = nil
        if process.isRunning { _ = try? await channel.request(["op": "close"]) }
        stopper.cancel()
        await channel.shutdown()
    }

    /// The source dict the module gets: the params as the platform passes them, plus
    /// `type`, `destination` and (when resuming) `state`.
    static func sourceObject(_ input: SourceInput, params: [String: JSONValue]) -> JSONObject {
        var o = PythonConfig.platformValues(params)
        o["type"] = .string(input.type)
        if o["destination"] == nil { o["destination"] = .string(input.destination) }
        if let state = input.state {
            var s = state
            s[SavedParams.stateKey] = nil
            o["state"] = .object(s)
        }
        return o
    }

    /// Turns the runner's events into the context's log, progress, state and fire calls.
    static func forward(to context: SourceContext) -> @Sendable (JSONObject) -> Void {
        { msg in
            switch msg["type"]?.stringValue {
            case "log": context.log(msg["message"]?.stringValue ?? "")
            case "progress":
                context.progress(msg["loaded"]?.intValue, msg["total"]?.intValue, msg["message"]?.stringValue ?? "")
            case "state":
                context.state(msg["id"]?.stringValue ?? "", msg["state"]?.objectValue ?? [:])
            case "fire":
                context.fire(msg["event"]?.stringValue ?? "", msg["data"] ?? .null)
            default:
                context.log("python: unknown message \(JSONWriter.string(.object(msg)).prefix(200))")
            }
        }
    }
}
