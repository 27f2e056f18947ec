import Foundation
import PanoplyKit
import PanoplyWorkspace

/// What ``PostgresWorkspace/rotateKey(from:to:)`` did.
package struct KeyRotation: Sendable, Equatable {
    /// The sources whose secrets were sealed again.
    package var sources: Int
    /// The values sealed again (in the sources and the destination).
    package var secrets: Int
    /// Whether the destination had secrets sealed again.
    package var destination: Bool
}

/// Secrets at rest (``SealedDocument``): sources' secret params and hash salts sealed with
/// the source's id as associated data, the destination's with `destination`.
extension PostgresWorkspace {
    /// Sets the key and the secret params this workspace seals with (the command line calls
    /// it once it knows the key and the source types).
    package func useSecrets(_ secrets: WorkspaceSecrets) {
        secretsState.withLock { $0 = secrets }
    }

    /// The key and the secret params in use.
    package var secrets: WorkspaceSecrets { secretsState.withLock { $0 } }

    /// Seals every secret of every source (its params, hash salt and the saved params of its
    /// committed state) and of the destination again under `new`, in one
    /// transaction (`panoply workspace rotate-key`); this workspace then uses `new`. Values
    /// already sealed with `new` are kept, so a second run changes nothing.
    /// - Throws: ``PanoplyError`` (config) naming the source and the value that does not open
    ///   with `old` (nothing is then changed); any error of the server.
    @discardableResult
    package func rotateKey(from old: WorkspaceKey, to new: WorkspaceKey) throws -> KeyRotation {
        let (oldBox, newBox) = (SecretBox(key: old), SecretBox(key: new))
        let rotation = try client.transaction { session in
            // Every source's lease for the transaction: a run going (or starting now) holds
            // values sealed with the old key, so none may run while the key changes.
            let busy = try session.query(
                """
                SELECT name FROM \(schema).sources WHERE NOT pg_try_advisory_xact_lock(hashtext($1), hashtext(id)) ORDER BY name
                """, [.text(schema)])
            let running = try busy.compactMap { try $0.text(0) }
            guard running.isEmpty else {
                throw PanoplyError.config(
                    "\(running.map { "'\($0)'" }.joined(separator: ", ")) \(running.count == 1 ? "is" : "are") running: "
                        + "wait for the runs to end (or cancel them: panoply cancel NAME), then rotate the key")
            }
            var rotation = KeyRotation(sources: 0, secrets: 0, destination: false)
            let sources = try session.query("SELECT id, name, body::text FROM \(schema).sources ORDER BY position, name FOR UPDATE")
            // Locked in the order of a save (sources, then meta, then state), so neither waits on the other forever.
            try session.execute(
                "INSERT INTO \(schema).meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(Self.sealingKeyMeta), .text(new.id)])
            var names: [String: String] = [:]
            for row in sources {
                let (id, name) = (try row.text(0) ?? "", try row.text(1) ?? "")
                names[id] = name
                let resealed = try reseal(row: (try row.text(2) ?? "", id, "source '\(name)'"), from: oldBox, to: newBox) { body in
                    try session.execute("UPDATE \(schema).sources SET body = $2::jsonb, updated_at = now() WHERE id = $1", [.text(id), .text(body)])
                }
                rotation.sources += resealed > 0 ? 1 : 0
                rotation.secrets += resealed
            }
            let params = try session.query(
                "SELECT source_id, value::text FROM \(schema).state WHERE key = $1 ORDER BY source_id FOR UPDATE", [.text(SavedParams.stateKey)])
            for row in params {
                let id = try row.text(0) ?? ""
                rotation.secrets += try reseal(row: (try row.text(1) ?? "", id, "the saved params of source '\(names[id] ?? id)'"), from: oldBox, to: newBox) {
                    try session.execute(
                        "UPDATE \(schema).state SET value = $3::jsonb WHERE source_id = $1 AND key = $2", [.text(id), .text(SavedParams.stateKey), .text($0)])
                }
            }
            if let row = try session.query("SELECT body::text FROM \(schema).destination WHERE id = 1 FOR UPDATE").first {
                let resealed = try reseal(row: (try row.text(0) ?? "", SealedDocument.destinationData, "the destination"), from: oldBox, to: newBox) {
                    try session.execute("UPDATE \(schema).destination SET body = $1::jsonb, updated_at = now() WHERE id = 1", [.text($0)])
                }
                rotation.destination = resealed > 0
                rotation.secrets += resealed
            }
            return rotation
        }
        secretsState.withLock { $0.box = newBox }
        return rotation
    }

    /// The `meta` row naming the key the workspace's secrets are sealed with: recorded by the
    /// first save of a secret, changed by ``rotateKey(from:to:)``.
    static let sealingKeyMeta = "secrets_key_id"

    /// Refuses, inside a saving transaction, to write values sealed with another key than
    /// the workspace's, so one workspace never mixes keys: a process with a wrong key, or one
    /// that read its sealed values before a `rotate-key`, is stopped. Records the key when
    /// none is yet. Locks the `meta` row, so it waits for a rotation under way.
    /// - Parameter bodies: the JSON texts about to be written.
    /// - Throws: ``PanoplyError`` (config) saying which key the workspace uses.
    func checkSealingKey(of bodies: [String], _ session: PGSession) throws {
        let ids = bodies.reduce(into: Set<String>()) { $0.formUnion(SealedDocument.keyIDs(in: Data($1.utf8))) }
        guard !ids.isEmpty else { return }
        let row = try session.query("SELECT value FROM \(schema).meta WHERE key = $1 FOR UPDATE", [.text(Self.sealingKeyMeta)]).first
        let given = secrets.box?.key.id
        guard let recorded = try row?.text(0) else {
            guard ids.count == 1, let id = ids.first else {
                throw PanoplyError.config(
                    "values sealed with several keys (\(ids.sorted().joined(separator: ", "))) cannot be saved in the workspace \(location)")
            }
            try session.execute("INSERT INTO \(schema).meta (key, value) VALUES ($1, $2)", [.text(Self.sealingKeyMeta), .text(id)])
            return
        }
        guard ids != [recorded] else { return }
        if let given, given != recorded {
            throw PanoplyError.config(
                "the secrets of the workspace \(location) are sealed with key \(recorded); the key given is \(given): give that key (after `panoply workspace rotate-key`, the new one)"
            )
        }
        throw PanoplyError.config(
            "the secrets of the workspace \(location) were sealed again with key \(recorded) (rotate-key) since they were read: read the workspace again and retry"
        )
    }

    /// Re-seals one stored document (`row`: its JSON text, owner id, and name for messages)
    /// and calls `write` with the new text when anything changed.
    /// - Returns: how many values were sealed again.
    private func reseal(
        row: (body: String, id: String, what: String), from old: SecretBox, to new: SecretBox, write: (String) throws -> Void
    ) throws -> Int {
        let out = try SealedDocument.reseal(Data(row.body.utf8), associatedData: row.id, from: old, to: new, what: row.what)
        if out.resealed > 0 { try write(text(out.body)) }
        return out.resealed
    }

    /// `source` as stored in its row's `body`, its secrets sealed.
    /// - Throws: ``PanoplyError`` (config) when a secret must be sealed and no key was given.
    func sealedSourceBody(_ source: SavedSource, id: String) throws -> String {
        let secrets = self.secrets
        return text(try SealedDocument.sealSource(source, id: id, secretParams: secrets.secrets(of: source), box: secrets.box, memo: secrets.memo))
    }

    /// The source stored as `body`, its secrets opened (without a key: kept sealed).
    /// - Throws: ``PanoplyError`` (config) when a secret does not open with the key given.
    func openedSourceBody(_ body: String, id: String, name: String) throws -> SavedSource {
        let secrets = self.secrets
        return try SealedDocument.openSource(Data(body.utf8), id: id, name: name, box: secrets.box, memo: secrets.memo)
    }

    /// The destination as stored in its row's `body`, its secrets sealed.
    func sealedDestinationBody(_ destination: DestinationSettings) throws -> String {
        let secrets = self.secrets
        return text(try SealedDocument.sealDestination(destination, box: secrets.box, memo: secrets.memo))
    }

    /// The destination stored as `body`, its secrets opened (without a key: kept sealed).
    func openedDestinationBody(_ body: String) throws -> DestinationSettings {
        let secrets = self.secrets
        return try SealedDocument.openDestination(Data(body.utf8), box: secrets.box, memo: secrets.memo)
    }

    /// The rows of a committed state as stored: the saved params (`__params`) sealed;
    /// without a key left out (never written in plaintext; a row stored before stays).
    func sealedStateRows(_ rows: [String: String], sourceID: String) -> [String: String] {
        guard let text = rows[SavedParams.stateKey] else { return rows }
        let secrets = self.secrets
        var out = rows
        out[SavedParams.stateKey] = secrets.box.map { SealedDocument.sealSavedParams(text, id: sourceID, box: $0, memo: secrets.memo) }
        return out
    }

    /// The saved params of a committed state as read (see ``SealedDocument/openSavedParams(_:id:name:box:memo:)``).
    func openedSavedParams(_ value: JSONValue, sourceID: String, name: String) throws -> JSONValue? {
        let secrets = self.secrets
        return try SealedDocument.openSavedParams(value, id: sourceID, name: name, box: secrets.box, memo: secrets.memo)
    }

    private func text(_ body: Data) -> String { String(decoding: body, as: UTF8.self) }
}
