import Foundation
import PanoplyKit
import PanoplyWorkspace

/// The saved destination (one row) and the added source types (a row each, in order).
extension PostgresWorkspace {
    /// The saved destination, nil when none was saved.
    /// - Throws: ``PanoplyError`` when the workspace cannot be read or the row is not a destination.
    package func loadDestination() throws -> DestinationSettings? {
        let rows = try client.query("SELECT body::text FROM \(schema).destination WHERE id = 1")
        guard let body = try rows.first?.text(0) else { return nil }
        return try decodeDestinationBody(body)
    }

    package func saveDestination(_ destination: DestinationSettings) throws {
        let body = try encodeDestinationBody(destination)
        try client.transaction { session in
            try checkSealingKey(of: [body], session)
            try session.execute(
                """
                INSERT INTO \(schema).destination (id, body, updated_at) VALUES (1, $1::jsonb, now())
                ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = now()
                """, [.text(body)])
        }
    }

    /// Whether a destination was saved (false when the workspace cannot be read).
    package var hasSavedDestination: Bool {
        ((try? client.query("SELECT 1 FROM \(schema).destination WHERE id = 1"))?.isEmpty == false)
    }

    /// The destination as stored in its row's `body` (JSON text). Secrets are sealed here.
    func encodeDestinationBody(_ destination: DestinationSettings) throws -> String {
        try sealedDestinationBody(destination)
    }

    /// The destination from its row. Sealed secrets are opened here.
    /// - Throws: ``PanoplyError`` (config) when the body cannot be read.
    func decodeDestinationBody(_ body: String) throws -> DestinationSettings {
        do {
            return try openedDestinationBody(body)
        } catch let error as PanoplyError {
            throw error  // a secret that does not open: the message says which and why
        } catch {
            throw PanoplyError.config(
                "cannot read the saved destination in the workspace \(location): \(error.localizedDescription); save it again")
        }
    }

    /// The source types added with `panoply sources add`, in the order they were added.
    package func loadAddedTypes() throws -> [AddedSourceType] {
        let rows = try client.query("SELECT name, body::text FROM \(schema).source_types ORDER BY position, name")
        return try rows.map { row in
            let name = try row.text(0) ?? ""
            do {
                return try JSONDecoder().decode(AddedSourceType.self, from: Data((try row.text(1) ?? "").utf8))
            } catch {
                throw PanoplyError.config(
                    "cannot read the added source type '\(name)' in the workspace \(location): \(error.localizedDescription); add it again")
            }
        }
    }

    /// Replaces the added types with `types` (the whole list, in one transaction).
    package func saveAddedTypes(_ types: [AddedSourceType]) throws {
        var seen = Set<String>()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let rows = try types.filter { seen.insert($0.type).inserted }.enumerated().map { position, type in
            "{\"name\":\(quoted(type.type)),\"position\":\(position),\"body\":\(String(decoding: try encoder.encode(type), as: UTF8.self))}"
        }
        try client.transaction { session in
            try session.execute("DELETE FROM \(schema).source_types")
            try session.execute(
                """
                INSERT INTO \(schema).source_types (name, position, body)
                SELECT e->>'name', (e->>'position')::int, e->'body' FROM jsonb_array_elements($1::jsonb) e
                """, [.text("[" + rows.joined(separator: ",") + "]")])
        }
    }
}
