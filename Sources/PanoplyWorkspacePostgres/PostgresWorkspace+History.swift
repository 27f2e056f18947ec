import Foundation
import PanoplyKit
import PanoplyWorkspace

/// Run history: a row per finished run (``RunRecord`` JSON), the newest
/// ``RunRecord/keptRuns`` kept per source.
extension PostgresWorkspace {
    /// The recorded runs of `name`, oldest first; none for a source with no runs (or none).
    /// - Throws: ``PanoplyError`` when the workspace cannot be read or a row is no run record.
    package func history(of name: String) throws -> [RunRecord] {
        guard let id = try sourceID(of: name) else { return [] }
        let rows = try client.query("SELECT body::text FROM \(schema).runs WHERE source_id = $1 ORDER BY id", [.text(id)])
        return try rows.map { try decodeRun(try $0.text(0) ?? "", of: name) }
    }

    /// The histories of `names` that can be read (one query), and a note for each that cannot.
    package func histories(of names: [String]) -> (history: [String: [RunRecord]], problems: [String]) {
        let rows: [(name: String, body: String)]
        do {
            rows = try client.query(
                """
                SELECT s.name, r.body::text FROM \(schema).runs r JOIN \(schema).sources s ON s.id = r.source_id
                WHERE s.name IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY r.id
                """, [.text(jsonArray(names))]
            ).map { (try $0.text(0) ?? "", try $0.text(1) ?? "") }
        } catch {
            return ([:], ["cannot read the run history in the workspace \(location): \(error.asPanoplyError.message)"])
        }
        var out: [String: [RunRecord]] = [:]
        var broken: [String: String] = [:]
        for name in names { out[name] = [] }
        for row in rows where broken[row.name] == nil {
            do { out[row.name, default: []].append(try decodeRun(row.body, of: row.name)) } catch {
                broken[row.name] = error.asPanoplyError.message
                out[row.name] = nil
            }
        }
        return (out, names.compactMap { broken[$0] })
    }

    /// The newest run of each of `names` (one query, a row a source), and a note for each
    /// whose run cannot be read: what `list` and `status` of 200 sources with full histories read.
    package func lastRuns(of names: [String]) -> (last: [String: RunRecord], problems: [String]) {
        let rows: [(name: String, body: String)]
        do {
            rows = try client.query(
                """
                SELECT DISTINCT ON (r.source_id) s.name, r.body::text FROM \(schema).runs r JOIN \(schema).sources s ON s.id = r.source_id
                WHERE s.name IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY r.source_id, r.id DESC
                """, [.text(jsonArray(names))]
            ).map { (try $0.text(0) ?? "", try $0.text(1) ?? "") }
        } catch {
            return ([:], ["cannot read the run history in the workspace \(location): \(error.asPanoplyError.message)"])
        }
        var last: [String: RunRecord] = [:]
        var broken: [String: String] = [:]
        for row in rows {
            do { last[row.name] = try decodeRun(row.body, of: row.name) } catch { broken[row.name] = error.asPanoplyError.message }
        }
        return (last, names.compactMap { broken[$0] })
    }

    /// Adds a finished run to the history of `name`, keeping its newest ``RunRecord/keptRuns``.
    /// A run that holds the source's lease here writes it fenced (``underLease(of:patience:_:)``):
    /// the row of a run that lost its lease is refused.
    /// - Throws: ``LostLease``; ``PanoplyError`` (config) when no saved source is called
    ///   `name`; any error of the server.
    package func appendHistory(_ record: RunRecord, to name: String) throws {
        _ = try requireSourceID(of: name)
        let body = try encodeRun(record)
        try underLease(of: name, patience: FenceRetry.patience) { session, id, _ in
            try session.execute("INSERT INTO \(schema).runs (source_id, body) VALUES ($1, $2::jsonb)", [.text(id), .text(body)])
            try session.execute(
                """
                DELETE FROM \(schema).runs WHERE source_id = $1 AND id < (
                  SELECT min(id) FROM (SELECT id FROM \(schema).runs WHERE source_id = $1 ORDER BY id DESC LIMIT $2) newest)
                """, [.text(id), .int(Int64(RunRecord.keptRuns))])
        }
    }

    package func deleteHistory(of name: String) throws {
        guard let id = try sourceID(of: name) else { return }
        try client.execute("DELETE FROM \(schema).runs WHERE source_id = $1", [.text(id)])
    }

    /// The history follows its source's id, so a rename moves nothing; only a source saved
    /// anew under `new` (it lost its id, this instance removed `old`) takes `old`'s runs.
    package func renameHistory(from old: String, to new: String) throws {
        try moveRows(of: "runs", from: old, to: new)
    }

    /// Moves the rows of `table` from the source this instance removed as `old` to the
    /// source now called `new` (replacing what `new` had); nothing when `old` was not
    /// removed (a rename that kept the id).
    func moveRows(of table: String, from old: String, to new: String) throws {
        guard old != new, let from = known.withLock({ $0.removed[old] }), let to = try sourceID(of: new), from != to else { return }
        try client.transaction { session in
            try session.execute("DELETE FROM \(schema).\(table) WHERE source_id = $1", [.text(to)])
            try session.execute("UPDATE \(schema).\(table) SET source_id = $2 WHERE source_id = $1", [.text(from), .text(to)])
        }
    }

    func encodeRun(_ record: RunRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    func decodeRun(_ body: String, of name: String) throws -> RunRecord {
        do {
            return try JSONDecoder().decode(RunRecord.self, from: Data(body.utf8))
        } catch {
            throw PanoplyError.config(
                "cannot read a run in the history of '\(name)' in the workspace \(location): \(error.localizedDescription); "
                    + "delete the row, or the source's history with it (panoply delete)")
        }
    }
}
