import Foundation
import Synchronization

/// What a source reports while it runs.
public enum SourceEvent: Sendable, Equatable {
    case log(String)
    case progress(loaded: Int?, total: Int?, message: String)
    /// As ``progress(loaded:total:message:)``, the total an estimate (shown as "≈").
    case estimatedProgress(loaded: Int?, total: Int?, message: String)
    /// A state was reported: `state` is merged into the run's state under `id`.
    case state(id: String, state: JSONObject)
    /// A fired event, e.g. `source-change` with the changed params.
    case fired(type: String, data: JSONValue)
}

/// The source's handle on the run: the original `DataSource`'s `log`, `progress`, `state`,
/// `raw` and `fire`, plus the current (possibly refreshed) params.
public final class SourceContext: Sendable {
    private struct State {
        var params: [String: JSONValue]
        var stateId: String?
        var merged: JSONObject
        /// Earlier values of secret params (a token before its refresh): still masked.
        var retired: [String] = []
    }
    private let state: Mutex<State>
    private let sink: @Sendable (SourceEvent) -> Void
    /// Param names whose values must never appear in logs.
    private let secrets: [String]
    /// The OAuth2 refreshes this instance shares with the other instances of its run
    /// (``TokenRefresher`` goes through it).
    public let tokenGrants: TokenGrants
    /// What the instances of one run share (connections, a catalog), closed when the run
    /// ends; nil for an instance on its own, which opens and closes what it needs itself.
    public let scope: RunScope?

    /// - Parameters:
    ///   - input: the source's input (its params and resumed state).
    ///   - secrets: values of these params are masked in log lines.
    ///   - tokenGrants: shared by the instances of one run that read its resources; by
    ///     default this instance's own.
    ///   - scope: shared by the instances of one run that read its resources (``RunScope``).
    ///   - sink: receives every event (the runner turns them into run events).
    public init(
        input: SourceInput, secrets: [String] = [], tokenGrants: TokenGrants = TokenGrants(), scope: RunScope? = nil,
        sink: @escaping @Sendable (SourceEvent) -> Void = { _ in }
    ) {
        self.scope = scope
        state = Mutex(State(params: input.params, stateId: nil, merged: input.state ?? [:]))
        self.secrets = secrets
        self.tokenGrants = tokenGrants
        self.sink = sink
    }

    /// This context (before any use) with `scope`: the same sink, secrets and grants.
    public func sharing(_ scope: RunScope) -> SourceContext {
        let s = state.withLock { $0 }
        return SourceContext(
            input: SourceInput(type: "", params: s.params, state: s.merged), secrets: secrets, tokenGrants: tokenGrants, scope: scope, sink: sink)
    }

    /// Writes a line to the run's log. Secret param values are masked; never log credentials anyway.
    public func log(_ parts: Any...) {
        var line = parts.map { "\($0)" }.joined(separator: " ")
        let values = state.withLock { s in (secrets.compactMap { s.params[$0]?.stringValue } + s.retired).filter { $0.count >= 4 } }
        for v in values { line = line.replacingOccurrences(of: v, with: "****") }
        sink(.log(line))
    }

    /// Reports progress: `loaded` of `total` (either may be unknown) and a message such as
    /// "3,000/6,000 files loaded". Call at least once per `read`.
    public func progress(_ loaded: Int?, _ total: Int?, _ message: String = "") {
        sink(.progress(loaded: loaded, total: total, message: message))
    }

    /// Reports progress whose `total` is an estimate when `estimated` (a database planner's
    /// row estimate, a key range), so it is shown as one ("≈"), not as a count.
    public func progress(_ loaded: Int?, _ total: Int?, _ message: String = "", estimated: Bool) {
        sink(estimated ? .estimatedProgress(loaded: loaded, total: total, message: message) : .progress(loaded: loaded, total: total, message: message))
    }

    /// Reports the current state. Records returned afterwards should carry `__state: id`.
    /// States merge into one object: a key replaces the same key, other keys accumulate.
    public func state(_ id: String, _ value: JSONObject) {
        state.withLock { s in
            s.stateId = id
            s.merged.merge(value)
        }
        sink(.state(id: id, state: value))
    }

    /// The id of the last reported state.
    public var currentStateId: String? { state.withLock { $0.stateId } }

    /// The merged state so far (starting from the resumed state).
    public var mergedState: JSONObject { state.withLock { $0.merged } }

    /// Builds a raw message record: `{"type":"raw","tag":...,"raw":<base64>,"metadata":{...}}`.
    public func raw(_ tag: String, _ bytes: [UInt8], metadata: JSONObject = [:]) -> JSONObject {
        ["type": "raw", "tag": .string(tag), "raw": .string(Data(bytes).base64EncodedString()), "metadata": .object(metadata)]
    }

    /// Fires an event of `type` with `data`. `source-change` also updates ``params``.
    public func fire(_ type: String, _ data: JSONValue) {
        if type == "source-change", case .object(let changes) = data {
            state.withLock { s in
                for (k, v) in changes {
                    if secrets.contains(k), let old = s.params[k]?.stringValue, old != v.stringValue { s.retired.append(old) }
                    s.params[k] = v
                }
            }
        }
        sink(.fired(type: type, data: data))
    }

    /// The current params, including changes fired with `source-change` (a refreshed token).
    public var params: [String: JSONValue] { state.withLock { $0.params } }

    /// One current param as text.
    public func param(_ name: String) -> String? { state.withLock { $0.params[name]?.stringValue } }

    /// Updates params and fires `source-change` with the changes.
    public func changeSource(_ changes: JSONObject) { fire("source-change", .object(changes)) }
}
