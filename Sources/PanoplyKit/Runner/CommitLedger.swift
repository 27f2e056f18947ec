/// The runner's commit bookkeeping, as a value: each state a source reports waits for the
/// records written before it, and is committed only once the destination acknowledged all
/// of them (``acknowledged(through:)``), so a resumed run never skips a record that was
/// not delivered. Params the source changed (``SavedParams``) are committed at once.
///
/// A run read resource by resource (``ResourcePlan``) reports each resource's change
/// (``partRead(_:_:)``, ``resourceFinished(_:)``) rather than the whole run's state: a
/// change costs the same however many resources the run has, and ``committed`` is put
/// together when it is saved.
///
/// Every commit gets the next `order`, so racing saves can keep the newest one on disk.
struct CommitLedger: Sendable {
    /// A state change waiting for its records.
    enum Change: Sendable {
        /// The whole state is now this.
        case whole(JSONObject)
        /// One resource's part of the run's state is now this.
        case part(String, JSONObject)
        /// A resource reached its end (it joins ``ResourcePlan/finishedKey``).
        case finished(String)
    }

    /// Changes waiting for their records: (last record sequence, change).
    private var waiting: [(through: UInt64, change: Change)] = []
    private var head = 0
    /// The committed state, but for the resources' parts committed since it was set and
    /// the finished resources, which are kept apart.
    private var base: JSONObject
    private var parts: [String: JSONValue] = [:]
    private var partOrder: [String] = []
    private var finished: [String] = []
    private var finishedSet: Set<String> = []
    private(set) var savedParams: JSONObject
    /// How many commits there were (orders racing saves).
    private(set) var order = 0
    /// The last record this run wrote (its SDK sequence number).
    private(set) var lastWritten: UInt64 = 0

    init(committed: JSONObject = [:], savedParams: JSONObject = [:]) {
        base = [:]
        self.savedParams = savedParams
        replace(with: committed)
    }

    /// The committed state.
    var committed: JSONObject {
        guard !partOrder.isEmpty || !finished.isEmpty else { return base }
        var keys = base.keys
        var values = base.values
        var index = [String: Int](keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func put(_ key: String, _ value: JSONValue) {
            if let i = index[key] {
                values[i] = value
            } else {
                index[key] = keys.count
                keys.append(key)
                values.append(value)
            }
        }
        for id in partOrder { put(id, parts[id]!) }
        if !finished.isEmpty { put(ResourcePlan.finishedKey, .array(finished.map { .string($0) })) }
        return JSONObject(uniqueKeys: keys, values: values)
    }

    /// Whether the committed state lists finished resources (``ResourcePlan/finishedKey``).
    var hasFinished: Bool { !finished.isEmpty }

    /// States not yet committed.
    var waitingCount: Int { waiting.count - head }

    /// The run wrote the record with sequence number `seq`.
    mutating func recordWritten(_ seq: UInt64) { lastWritten = max(lastWritten, seq) }

    /// A batch was read (and its records written): its merged state waits for them.
    mutating func stateRead(_ state: JSONObject) { waiting.append((lastWritten, .whole(state))) }

    /// A batch of resource `id` was read (and its records written): its state waits for them.
    mutating func partRead(_ id: String, _ state: JSONObject) { waiting.append((lastWritten, .part(id, state))) }

    /// Resource `id` was read to its end: it joins the finished ones once the records
    /// written before are acknowledged.
    mutating func resourceFinished(_ id: String) { waiting.append((lastWritten, .finished(id))) }

    /// Records up to `through` are acknowledged: commits the newest state they cover.
    /// - Returns: the commit's order, nil when nothing new was committed.
    mutating func acknowledged(through: UInt64) -> Int? {
        var any = false
        while head < waiting.count, waiting[head].through <= through {
            apply(waiting[head].change)
            head += 1
            any = true
        }
        if head > 64, head * 2 > waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
        guard any else { return nil }
        base[SavedParams.stateKey] = savedParams.isEmpty ? nil : .object(savedParams)
        order += 1
        return order
    }

    /// The source changed params: `saved` holds them all now, committed at once (no
    /// record waits for them).
    /// - Returns: the commit's order.
    mutating func paramsChanged(_ saved: JSONObject) -> Int {
        savedParams = saved
        base[SavedParams.stateKey] = .object(saved)
        order += 1
        return order
    }

    /// The whole run completed (every state committed): the committed state loses
    /// ``ResourcePlan/finishedKey``, which only a resumed run needs.
    /// - Returns: the commit's order.
    mutating func completed() -> Int {
        finished = []
        finishedSet = []
        order += 1
        return order
    }

    private mutating func apply(_ change: Change) {
        switch change {
        case .whole(let state): replace(with: state)
        case .part(let id, let state):
            if parts.updateValue(.object(state), forKey: id) == nil { partOrder.append(id) }
        case .finished(let id):
            if finishedSet.insert(id).inserted { finished.append(id) }
        }
    }

    /// The committed state is `state` now (its finished resources kept apart).
    private mutating func replace(with state: JSONObject) {
        base = state
        parts = [:]
        partOrder = []
        finished = ResourcePlan.finished(in: state)
        finishedSet = Set(finished)
        if case .array? = state[ResourcePlan.finishedKey] { base[ResourcePlan.finishedKey] = nil }
    }
}
