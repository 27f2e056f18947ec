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

    /// Seals every secret of every source and of the destination again under `new`, in one
    /// transaction (`panoply workspace rotate-key`); this workspace then uses `new`. Values
    /// already sealed with `new` are kept, so a second run changes nothing.
    /// - Throws: ``PanoplyError`` (config) naming the source and the value that does not open
    ///   with `old` (nothing is then changed); any error of the server.
    @discardableResult
    package func rotateKey(from old: WorkspaceKey, to new: WorkspaceKey) throws -> KeyRotation {
        let (oldBox, newBox) = (SecretBox(key: old), SecretBox(key: new))
        let rotation = try client.transaction { session in
            var rotation = KeyRotation(sources: 0, secrets: 0, destination: false)
            for row in try session.query("SELECT id, name, body::text FROM \(schema).sources ORDER BY position, name FOR UPDATE") {
                let (id, name) = (try row.text(0) ?? "", try row.text(1) ?? "")
                let body = Data((try row.text(2) ?? "").utf8)
                let out = try SealedDocument.reseal(body, associatedData: id, from: oldBox, to: newBox, what: "source '\(name)'")
                guard out.resealed > 0 else { continue }
                try session.execute("UPDATE \(schema).sources SET body = $2::jsonb, updated_at = now() WHERE id = $1", [.text(id), .text(text(out.body))])
                rotation.sources += 1
                rotation.secrets += out.resealed
            }
            if let row = try session.query("SELECT body::text FROM \(schema).destination WHERE id = 1 FOR UPDATE").first {
                let body = Data((try row.text(0) ?? "").utf8)
                let out = try SealedDocument.reseal(
                    body, associatedData: SealedDocument.destinationData, from: oldBox, to: newBox, what: "the destination")
                if out.resealed > 0 {
                    try session.execute("UPDATE \(schema).destination SET body = $1::jsonb, updated_at = now() WHERE id = 1", [.text(text(out.body))])
                    rotation.destination = true
                    rotation.secrets += out.resealed
                }
            }
            return rotation
        }
        secretsState.withLock { $0.box = newBox }
        return rotation
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

    private func text(_ body: Data) -> String { String(decoding: body, as: UTF8.self) }
}
