import Foundation
import PanoplyKit

/// A `python:MODULE` source: a module written for the original Python SDK (`Stream` and
/// `CONFIG`), run unchanged by the embedded runner in its own interpreter.
actor PythonSource: DataSource {
    static let type = "python"
    static let configuration = SourceConfiguration(title: "Python module", summary: "python:MODULE", params: [])

    private let channel: PythonChannel
    private var closed = false

    init(source: SourceInput, context: SourceContext) async throws {
        throw PanoplyError.config("use the type python:MODULE (e.g. python:my_source)")
    }

    init(module: String, interpreter: PythonInterpreter, source: SourceInput, context: SourceContext) async throws {
        let channel = try await PythonChannel(module: module, interpreter: interpreter, onEvent: Self.forward(to: context))
        self.channel = channel
        context.log("python:\(module) runs with \(channel.hello["sdk"]?.stringValue ?? "?") (Python \(channel.hello["python"]?.stringValue ?? "?"))")
        do {
            _ = try await channel.request(["op": "open", "source": .object(Self.sourceObject(source, params: context.params)),
                                           "options": .object(source.options)])
        } catch {
            await channel.shutdown()
            throw error
        }
    }

    func read(_ n: Int) async throws -> [JSONObject]? {
        let reply = try await channel.request(["op": "read", "n": .number(JSONNumber(n))])
        guard let records = reply.objectValue?["records"] else {
            throw PanoplyError(.internal, "python:\(channel.module): a read reply without records", retryable: false)
        }
        if records == .null { return nil }
        guard let list = records.arrayValue else {
            throw PanoplyError(.internal, "python:\(channel.module): read() must return a list of dicts or None", retryable: false)
        }
        var out: [JSONObject] = []
        out.reserveCapacity(list.count)
        for r in list {
            guard let o = r.objectValue else {
                throw PanoplyError(.internal, "python:\(channel.module): read() returned a \(JSONWriter.string(r).prefix(40)) where a dict belongs", retryable: false)
            }
            out.append(o)
        }
        return out
    }

    func close() async {
        guard !closed else { return }
        closed = true
        if channel.process.isRunning {
            // A module whose close() hangs is stopped after a while, not waited on forever.
            let process = channel.process, grace = channel.grace
            let stopper = Task { try await Task.sleep(for: .seconds(30)); process.terminate(grace: grace) }
            _ = try? await channel.request(["op": "close"])
            stopper.cancel()
        }
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
