import PanoplyKit
import Synchronization

/// A `read` request sent before the run asks for its batch, so the interpreter reads while
/// the run writes the batch before it. The events that come with it (log, progress,
/// state, fire) are held until the run asks for the batch: a state passed on earlier
/// would be committed with the batch before it, covering records not yet written.
struct PythonReadAhead: Sendable {
    private let gate: EventGate
    private let task: Task<Result<[JSONObject]?, any Error>, Never>

    /// Sends the request; its reply and events are collected in the background.
    init(_ channel: PythonChannel, n: Int, forward: @escaping @Sendable (JSONObject) -> Void) {
        let gate = EventGate(forward)
        self.gate = gate
        task = Task.detached {
            do {
                let reply = try await channel.request(["op": "read", "n": .number(JSONNumber(n))], events: gate.pass)
                return Result { try Self.records(reply, module: channel.module) }
            } catch {
                return .failure(error)
            }
        }
    }

    /// The batch, nil at the end: passes on the events held so far (later ones pass at
    /// once), then waits for the reply. Cancelling stops the interpreter.
    /// - Throws: the read's error, as it would have come without reading ahead.
    func batch() async throws -> [JSONObject]? {
        gate.open()
        return try await withTaskCancellationHandler {
            await task.value
        } onCancel: { [task] in
            task.cancel()
        }.get()
    }

    /// The batch will not be used (the run ends): its log lines and fired events (a
    /// refreshed token is real) are passed on, its state and progress are not. Waits for
    /// the reply; cancelling stops the interpreter.
    func drop() async {
        gate.drop()
        _ = await withTaskCancellationHandler {
            await task.value
        } onCancel: { [task] in
            task.cancel()
        }
    }

    /// The records of a batch reply, nil at the end.
    static func records(_ reply: JSONValue, module: String) throws -> [JSONObject]? {
        guard let records = reply.objectValue?["records"] else {
            throw PanoplyError(.internal, "python:\(module): a read reply without records", retryable: false)
        }
        if records == .null { return nil }
        guard let list = records.arrayValue else {
            throw PanoplyError(.internal, "python:\(module): read() must return a list of dicts or None", retryable: false)
        }
        var out: [JSONObject] = []
        out.reserveCapacity(list.count)
        for r in list {
            guard let o = r.objectValue else {
                throw PanoplyError(.internal, "python:\(module): read() returned a \(JSONWriter.string(r).prefix(40)) where a dict belongs", retryable: false)
            }
            out.append(o)
        }
        return out
    }
}

/// Events held until ``open()`` (then passed on, in order, with every later one), or
/// dropped by ``drop()`` except log lines and fired events.
private final class EventGate: Sendable {
    private enum Mode { case holding, passing, dropping }
    private let state = Mutex<(mode: Mode, held: [JSONObject])>((.holding, []))
    private let forward: @Sendable (JSONObject) -> Void

    init(_ forward: @escaping @Sendable (JSONObject) -> Void) { self.forward = forward }

    func pass(_ event: JSONObject) {
        state.withLock { s in
            switch s.mode {
            case .holding: s.held.append(event)
            case .passing: forward(event)
            case .dropping: if Self.kept(event) { forward(event) }
            }
        }
    }

    func open() { release(.passing) }
    func drop() { release(.dropping) }

    private func release(_ mode: Mode) {
        state.withLock { s in
            for e in s.held where mode == .passing || Self.kept(e) { forward(e) }
            s = (mode, [])
        }
    }

    private static func kept(_ event: JSONObject) -> Bool {
        let type = event["type"]?.stringValue
        return type == "log" || type == "fire"
    }
}
