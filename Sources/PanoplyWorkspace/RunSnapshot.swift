import PanoplyKit

/// A live view of a run of a saved source, published by the process that holds its lease
/// (at most once a second, and at each change of phase) so that any other process (the UI,
/// `panoply status`) can show it. Never holds secrets: the state is masked and the log
/// redacted before they get here.
package struct RunSnapshot: Sendable, Equatable, Codable {
    package var name: String
    package var type: String
    /// `running` while the run goes; its final status once it ended.
    package var status: RunStatus
    package var holder: LeaseHolder
    package var attempt: Int = 1
    package var loaded: Int?
    package var total: Int?
    package var message = ""
    /// Records per second, lately.
    package var rate: Double?
    package var recordsRead = 0
    package var counters = SDKCounters()
    package var resources: [Resource] = []
    /// The committed state as compact JSON, secrets masked.
    package var state: String?
    /// The last ``RunRecord/keptLogLines`` log lines, redacted.
    package var log: [String] = []
    package var error: String?
    package var errorCategory: String?
    /// Who asked this run to cancel (`ui on host-b`), once someone did.
    package var cancelledBy: String?
    /// Unix time of this snapshot.
    package var updated: Double

    /// One resource's row (a table of a many-table run).
    package struct Resource: Sendable, Equatable, Codable {
        package var id: String
        package var status: String
        package var loaded: Int?
        package var total: Int?

        package init(id: String, status: String, loaded: Int?, total: Int?) {
            self.id = id
            self.status = status
            self.loaded = loaded
            self.total = total
        }
    }

    package init(name: String, type: String, holder: LeaseHolder, updated: Double) {
        self.name = name
        self.type = type
        self.status = .running
        self.holder = holder
        self.updated = updated
    }

    /// The history row this snapshot gives: its status, counters, error, who cancelled it
    /// and its resources, as they stood when it was written.
    package var record: RunRecord {
        var r = RunRecord(
            started: holder.since, ended: max(updated, holder.since), status: status, attempt: attempt, recordsRead: recordsRead,
            counters: counters, origin: holder.origin, log: log)
        r.error = error
        r.errorCategory = errorCategory
        r.cancelledBy = cancelledBy
        r.resources = resourceTally
        return r
    }

    /// The history row of a run whose process ended without finishing (killed, its machine
    /// gone): failed, with its last counters.
    package func lostRecord() -> RunRecord {
        var r = record
        r.status = .failed
        r.log = Array((log + ["lost: the process ended without finishing"]).suffix(RunRecord.keptLogLines))
        r.error = "the process ended without finishing (pid \(holder.pid) on \(holder.host))"
        r.errorCategory = RunRecord.lostCategory
        return r
    }

    /// The resources as a history row keeps them (counts by status); nil for a run of one.
    package var resourceTally: ResourceTally? {
        guard !resources.isEmpty else { return nil }
        var tally = ResourceTally()
        for row in resources { tally.add(id: row.id, status: ResourceStatus(rawValue: row.status) ?? .reading, loaded: row.loaded ?? 0) }
        return tally
    }
}
