import PanoplyKit

extension AppState {
    /// Runs of saved sources owned by other processes (cron, another UI, a shell): each shows
    /// as a run of its source (the list's row, `Enter` opens its view, `c` asks its owner to
    /// cancel), updated from its live snapshot. `ended` holds the history row of each such
    /// run that has ended since (or nil when none was recorded).
    package mutating func applyExternal(_ running: [RunSnapshot], ended: [String: RunRecord?]) {
        for snapshot in running { follow(snapshot) }
        for (name, record) in ended {
            guard let id = latestRun[name], let r = run(id), r.owner != nil, r.status == .running else { continue }
            let now = self.now
            updateRun(id) { r in r.endExternal(record, now: now) }
            if let record {
                history[name, default: []].appendKeepingLast(record)
                if let i = saved.firstIndex(where: { $0.name == name }) { saved[i].lastStatus = record.status }
            }
        }
    }

    /// What Ctrl-S says for a source whose run another process owns, nil when none does:
    /// who has it, and how to open it.
    package func runningElsewhereMessage(_ name: String) -> String? {
        guard let id = latestRun[name], let r = run(id), r.status == .running, let h = r.owner else { return nil }
        return "'\(name)' is already running (\(ownerText(h))): Esc, v opens it"
    }

    /// `pid 4242 on host-a, from cli, since 14:02:11` (local time).
    package func ownerText(_ h: LeaseHolder) -> String {
        let local = (h.since + Double(utcOffset)).truncatingRemainder(dividingBy: 86_400)
        return "pid \(h.pid) on \(h.host), from \(h.origin), since \(Format.timeOfDay(local))"
    }

    /// Updates the run that shows `snapshot`, or adds it.
    private mutating func follow(_ snapshot: RunSnapshot) {
        let now = self.now
        if let id = latestRun[snapshot.name], let r = run(id), r.owner == snapshot.holder {
            updateRun(id) { $0.update(from: snapshot, now: now) }
            return
        }
        guard let src = saved.first(where: { $0.name == snapshot.name }) else { return }
        let params = (try? typeInfo(src.type)?.configuration.validateAllowingReferences(src.values).get()) ?? [:]
        // A retry (r) of a run owned elsewhere starts here, from the committed state on disk.
        var request = RunRequest(
            id: nextRunID, sourceName: src.name, type: src.type, params: params,
            table: src.table.isEmpty ? src.type : src.table, state: nil, attempt: 1, resumeFromFile: true)
        request.note = "a run started \(snapshot.holder.origin == "ui" ? "in another UI" : "from the command line")"
        var r = RunState(id: request.id, request: request, title: src.name, startedAt: snapshot.holder.since - epochOrigin)
        r.clockOrigin = clockOrigin
        r.owner = snapshot.holder
        r.fields = src.fields
        r.sdkOpen = false  // its SDK is the owner's: quitting here does not wait for it
        r.update(from: snapshot, now: now)
        runs.append(r)
        nextRunID += 1
        latestRun[src.name] = request.id
    }
}

extension RunState {
    /// Whether the run belongs to another process (it is followed through its snapshots).
    package var isExternal: Bool { owner != nil }

    /// Takes what `snapshot` says of the run owned elsewhere.
    mutating func update(from s: RunSnapshot, now: Double) {
        loaded = s.loaded ?? s.counters.records
        total = s.total
        message = s.message
        counters = s.counters
        rate = s.rate
        recordsRead = s.recordsRead
        if let state = s.state, case .object(let o)? = try? JSONParser.parse(state) { committed = o }
        resources = s.resources.map { row in
            var r = ResourceRow(id: row.id, status: ResourceStatus(rawValue: row.status) ?? .reading)
            r.loaded = row.loaded ?? 0
            r.total = row.total
            return r
        }
        for line in s.log.dropFirst(externalLogSeen) {
            // The owner's lines start with its own elapsed time: this log shows its own.
            let text = line.hasPrefix("[") ? String(line.drop { $0 != "]" }.dropFirst().drop { $0 == " " }) : line
            note(text, LogLevel.of(text), now: now)
        }
        externalLogSeen = max(externalLogSeen, s.log.count)
    }

    /// The run owned elsewhere ended: its final status from its history row.
    mutating func endExternal(_ record: RunRecord?, now: Double) {
        sdkOpen = false
        cancelling = false
        endedAt = now
        guard let record else {
            status = .failed
            error = "the process ended without finishing"
            note("the process ended without finishing", .error, now: now)
            return
        }
        status = record.status
        error = record.error
        errorCategory = record.errorCategory.flatMap(PanoplyError.Category.init(rawValue:))
        recordsRead = record.recordsRead
        counters.recordsDelivered = record.delivered
        let by = record.cancelledBy.map { " (cancel asked from \($0))" } ?? ""
        note("ended elsewhere: \(record.statusName)\(by)", record.status == .done ? .info : .warn, now: now)
    }
}
