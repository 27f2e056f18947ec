import PanoplyKit
import PanoplyWorkspace

extension AppState {
    /// The last recorded run of a saved source when it noted schema changes that were not seen
    /// yet (the source was not opened since: ``SavedSource/schemaSeen``); nil otherwise. The
    /// list marks such a source `schema changed`.
    package func unseenSchemaChanges(of src: SavedSource) -> RunRecord? {
        guard let last = lastRecord(of: src.name), last.schemaChanges?.isEmpty == false else { return nil }
        if let seen = src.schemaSeen, seen >= last.started { return nil }
        return last
    }

    /// Saved source `i` was opened (its form or its history): the changes of its last run
    /// count as seen, and are saved so (through the whole list, so any workspace keeps it).
    package mutating func markSchemaSeen(_ i: Int) -> [Effect] {
        guard saved.indices.contains(i), let last = unseenSchemaChanges(of: saved[i]) else { return [] }
        saved[i].schemaSeen = last.started
        return [.saveSources(saved)]
    }

    /// What the run of `name` that started at `started` (Unix time) noted of its resources'
    /// fields since the last successful run (known once its history record was written):
    /// kept on that record, so the list marks the source.
    package mutating func noteSchemaChanges(of name: String, started: Double, _ changes: [String]) {
        guard !changes.isEmpty, let i = history[name]?.lastIndex(where: { $0.started == started }) else { return }
        history[name]?[i].schemaChanges = changes
    }
}
