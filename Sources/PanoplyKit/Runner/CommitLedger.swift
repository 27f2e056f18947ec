/// The runner's commit bookkeeping, as a value: each state a source reports waits for the
/// records written before it, and is committed only once the destination acknowledged all
/// of them (``acknowledged(through:)``), so a resumed run never skips a record that was
/// not delivered. Params the source changed (``SavedParams``) are committed at once.
///
/// Every commit gets the next `order`, so racing saves can keep the newest one on disk.
struct CommitLedger: Sendable {
    /// States waiting for their records: (last record sequence, merged state then).
    private var waiting: [(through: UInt64, state: JSONObject)] = []
    private var head = 0
    private(set) var committed: JSONObject
    private(set) var savedParams: JSONObject
    /// How many commits there were (orders racing saves).
    private(set) var order = 0
    /// The last record this run wrote (its SDK sequence number).
    private(set) var lastWritten: UInt64 = 0

    init(committed: JSONObject = [:], savedParams: JSONObject = [:]) {
        self.committed = committed
        self.savedParams = savedParams
    }

    /// States not yet committed.
    var waitingCount: Int { waiting.count - head }

    /// The run wrote the record with sequence number `seq`.
    mutating func recordWritten(_ seq: UInt64) { lastWritten = max(lastWritten, seq) }

    /// A batch was read (and its records written): its merged state waits for them.
    mutating func stateRead(_ state: JSONObject) { waiting.append((lastWritten, state)) }

    /// Records up to `through` are acknowledged: commits the newest state they cover.
    /// - Returns: the commit's order, nil when nothing new was committed.
    mutating func acknowledged(through: UInt64) -> Int? {
        var newest: JSONObject?
        while head < waiting.count, waiting[head].through <= through {
            newest = waiting[head].state
            head += 1
        }
        if head > 64, head * 2 > waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
        guard var state = newest else { return nil }
        state[SavedParams.stateKey] = savedParams.isEmpty ? nil : .object(savedParams)
        committed = state
        order += 1
        return order
    }

    /// The source changed params: `saved` holds them all now, committed at once (no
    /// record waits for them).
    /// - Returns: the commit's order.
    mutating func paramsChanged(_ saved: JSONObject) -> Int {
        savedParams = saved
        committed[SavedParams.stateKey] = .object(saved)
        order += 1
        return order
    }

    /// The whole run completed (every state committed): the committed state loses
    /// ``ResourcePlan/finishedKey``, which only a resumed run needs.
    /// - Returns: the commit's order.
    mutating func completed() -> Int {
        committed[ResourcePlan.finishedKey] = nil
        order += 1
        return order
    }
}
