import PanoplyKit

/// What a run's resources came to, as its history keeps it: how many ended in each status
/// and the records they loaded, and the failed ones with their errors (at most
/// ``keptFailures``): a few numbers, never one row per resource, however many it read.
package struct ResourceTally: Sendable, Equatable, Codable {
    package var done = 0
    package var failed = 0
    /// Waiting or still reading when the run ended (cancelled, failed, lost).
    package var unfinished = 0
    /// Records loaded, summed over the resources.
    package var records = 0
    /// The first ``keptFailures`` failed resources, in the order they were listed.
    package var failures: [Failure] = []

    /// A failed resource and why.
    package struct Failure: Sendable, Equatable, Codable {
        package var id: String
        package var error: String?

        package init(id: String, error: String?) {
            self.id = id
            self.error = error
        }
    }

    /// Failed resources kept with their errors.
    package static let keptFailures = 20

    package init() {}

    /// Every resource counted.
    package var count: Int { done + failed + unfinished }

    /// Counts one resource.
    package mutating func add(id: String, status: ResourceStatus, loaded: Int, error: String? = nil) {
        records += loaded
        switch status {
        case .done: done += 1
        case .waiting, .reading: unfinished += 1
        case .failed:
            failed += 1
            if failures.count < Self.keptFailures { failures.append(Failure(id: id, error: error)) }
        }
    }

    /// "4,812 done, 3 failed, 185 not finished · 1,234,567 records": what a history row says.
    package var summary: String {
        var parts = ["\(Format.count(done)) done"]
        if failed > 0 { parts.append("\(Format.count(failed)) failed") }
        if unfinished > 0 { parts.append("\(Format.count(unfinished)) not finished") }
        return "\(Format.count(count)) resources: " + parts.joined(separator: ", ") + " · \(Format.count(records)) records"
    }
}
