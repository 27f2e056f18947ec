import PanoplyKit

/// Where a saved source's schema baseline lives: in its history, on the record of each
/// successful run (``RunRecord/schema``).
package enum SchemaHistory {
    /// The schema of the last successful run that noted one (empty when none did).
    package static func baseline(_ history: [RunRecord]?) -> SchemaRecorder.Schema {
        history?.last { $0.status == .done && $0.schema != nil }?.schema ?? [:]
    }

    /// Puts what `recorder` noted on a run's record: its changes, and for a successful run
    /// the schema the next run compares with.
    package static func keep(_ recorder: SchemaRecorder, in record: inout RunRecord) {
        let changes = recorder.changes
        record.schemaChanges = changes.isEmpty ? nil : changes
        if record.status == .done { record.schema = recorder.schema }
    }
}
