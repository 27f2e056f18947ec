/// Which resources a run reads one source instance each, where their records go, and how
/// their states nest in the run's state (see ``SourceConfiguration/resourcesParam``).
///
/// The run's state of such a run: `{"<id>": {<that resource's state>}, "__params": ...,
/// "__finished": ["<id>", ...]}`. `__finished` names the resources that reached their end
/// in a run that has not completed yet; a resumed run skips them, and a completed run
/// drops the key, so the next run reads every resource again from its own state.
public struct ResourcePlan: Sendable, Equatable {
    /// The state key listing the resources finished by an unfinished run.
    public static let finishedKey = "__finished"
    /// What `{resource}` in a destination stands for.
    public static let placeholder = "{resource}"

    /// The picked resource ids, in order, without repeats.
    public let ids: [String]
    /// The destination, holding ``placeholder`` unless every resource goes to one table.
    public let destination: String

    /// The plan of a run, or nil when the run reads one resource (no `resourcesParam`, or
    /// it holds no values, or the input already names its resource).
    public init?(configuration: SourceConfiguration, input: SourceInput) {
        guard input.resource == nil, let param = configuration.resourcesParam else { return nil }
        let ids = Self.values(input.params[param])
        guard !ids.isEmpty else { return nil }
        var seen = Set<String>()
        self.ids = ids.filter { seen.insert($0).inserted }
        let fallback = SourceInput.defaultDestination(input.type)
        destination = input.destination == fallback ? "\(fallback)_\(Self.placeholder)" : input.destination
    }

    /// The values of a list param: an array of strings, or text typed comma-separated.
    static func values(_ value: JSONValue?) -> [String] {
        switch value {
        case .array(let items)?: items.compactMap { $0.stringValue ?? ($0 == .null ? nil : $0.displayText) }.filter { !$0.isEmpty }
        case .string(let s)?: SourceParam.listItems(s)
        default: []
        }
    }

    /// The table a resource's records go to (`postgres_public_orders`).
    public func destination(for id: String) -> String {
        destination.replacingOccurrences(of: Self.placeholder, with: Self.tableSafe(id))
    }

    /// `id` with every character that is not a letter, a digit or `_` made `_`.
    public static func tableSafe(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }

    /// The resources a state marks finished by an unfinished run.
    public static func finished(in state: JSONObject?) -> [String] {
        guard case .array(let ids)? = state?[finishedKey] else { return [] }
        return ids.compactMap(\.stringValue)
    }

    /// The input of the instance that reads `id`: its resource, destination and its part
    /// of the run's state, with the params the run saved so far (``SavedParams``): an
    /// instance opened after another one's token was refreshed or its refresh token rotated
    /// starts with the new ones, not the revoked ones of `base`.
    /// - Parameter savedParams: the run's saved params (``SavedParams/stateKey``'s entries).
    public func input(for id: String, base: SourceInput, runState: JSONObject, savedParams: JSONObject = [:]) -> SourceInput {
        var input = base
        input.params = SavedParams.current(savedParams, over: base.params)
        input.resource = id
        input.destination = destination(for: id)
        input.state = runState[id]?.objectValue
        return input
    }

    /// `state` with `id` added to ``finishedKey``.
    static func markFinished(_ id: String, in state: inout JSONObject) {
        var ids = finished(in: state)
        guard !ids.contains(id) else { return }
        ids.append(id)
        state[finishedKey] = .array(ids.map { .string($0) })
    }
}
