import Foundation
import PanoplyKit

/// The stored JSON of a saved source or of the destination in a shared workspace, with
/// each secret sealed (``SecretBox``) in place: `{"values": {"password": {"sealed": …,
/// "key": …}}}`. Pure: documents in, documents out.
///
/// Secrets are the values of a type's secret params and the hash salt of its field
/// settings (associated data: the source's id), and the destination's `apiSecret` and
/// `awsSecretAccessKey` (associated data: `destination`). Empty values and `${NAME}`
/// references stay plain text: they are not secrets.
///
/// Without a key, a document is opened with its sealed values left out and kept in
/// `sealed` (so listing works, a save writes them back unchanged, and a run refuses to
/// start); saving a new secret is refused, never written in plaintext.
package enum SealedDocument {
    /// The associated data of the destination's secrets.
    package static let destinationData = "destination"
    /// The key of a source's hash salt in ``SavedSource/sealed``.
    package static let hashSaltKey = "fields.hashSalt"
    private static let destinationSecrets = ["apiSecret", "awsSecretAccessKey"]

    /// The stored JSON of `source`, each non-empty value of `secretParams` (and the hash
    /// salt) sealed with associated data `id`; values kept in `source.sealed` go back as they were.
    /// - Throws: ``PanoplyError`` (config) when a secret must be sealed and `box` is nil.
    package static func sealSource(
        _ source: SavedSource, id: String, secretParams: Set<String>, box: SecretBox?, memo: SealedMemo? = nil
    ) throws -> Data {
        var doc = try tree(source)
        doc["sealed"] = nil
        var values = doc["values"]?.objectValue ?? [:]
        for name in secretParams.sorted() {
            guard let plain = values[name]?.stringValue, isSecret(plain) else { continue }
            guard let box else { throw missingKey("the secret \(name) of source '\(source.name)'") }
            values[name] = seal(plain, id: id, place: "values.\(name)", box: box, memo: memo).json
        }
        if var fields = doc["fields"]?.objectValue, let salt = fields["hashSalt"]?.stringValue, isSecret(salt) {
            guard let box else { throw missingKey("the hash salt of source '\(source.name)'") }
            fields["hashSalt"] = seal(salt, id: id, place: hashSaltKey, box: box, memo: memo).json
            doc["fields"] = .object(fields)
        }
        for (key, value) in source.sealed ?? [:] {
            if key == hashSaltKey {
                var fields = doc["fields"]?.objectValue ?? [:]
                if isEmpty(fields["hashSalt"]) { fields["hashSalt"] = value.json }
                doc["fields"] = .object(fields)
            } else if isEmpty(values[key]) {
                values[key] = value.json
            }
        }
        doc["values"] = .object(values)
        return bytes(doc)
    }

    /// The saved source stored as `body`: sealed values opened with `box`, or, without a
    /// box, left out and kept in ``SavedSource/sealed``.
    /// - Throws: ``UnreadableDocument`` when `body` is not a source; ``PanoplyError`` (config)
    ///   when a sealed value does not open (another key, changed, or sealed for another source).
    package static func openSource(_ body: Data, id: String, name: String, box: SecretBox?, memo: SealedMemo? = nil) throws -> SavedSource {
        var doc = try parse(body, what: "source '\(name)'")
        var locked: [String: SealedValue] = [:]
        var values = doc["values"]?.objectValue ?? [:]
        for (key, value) in values {
            guard let sealed = SealedValue(json: value) else { continue }
            values[key] = try open(sealed, id: id, place: "values.\(key)", box: box, memo: memo, what: "the secret \(key) of source '\(name)'")
            if values[key] == nil { locked[key] = sealed }
        }
        doc["values"] = .object(values)
        if var fields = doc["fields"]?.objectValue, let salt = fields["hashSalt"], let sealed = SealedValue(json: salt) {
            fields["hashSalt"] = try open(sealed, id: id, place: hashSaltKey, box: box, memo: memo, what: "the hash salt of source '\(name)'")
            if fields["hashSalt"] == nil { locked[hashSaltKey] = sealed }
            doc["fields"] = .object(fields)
        }
        var source = try decode(SavedSource.self, doc, what: "source '\(name)'")
        source.sealed = locked.isEmpty ? nil : locked
        return source
    }

    /// The stored JSON of the destination, its secrets sealed with associated data `destination`.
    /// - Throws: ``PanoplyError`` (config) when a secret must be sealed and `box` is nil.
    package static func sealDestination(_ destination: DestinationSettings, box: SecretBox?, memo: SealedMemo? = nil) throws -> Data {
        var doc = try tree(destination)
        doc["sealed"] = nil
        for key in destinationSecrets {
            if let plain = doc[key]?.stringValue, isSecret(plain) {
                guard let box else { throw missingKey("the destination's \(key)") }
                doc[key] = seal(plain, id: destinationData, place: key, box: box, memo: memo).json
            } else if isEmpty(doc[key]), let kept = destination.sealed?[key] {
                doc[key] = kept.json
            }
        }
        return bytes(doc)
    }

    /// The destination stored as `body` (see ``openSource(_:id:name:box:)``).
    /// - Throws: ``UnreadableDocument`` when `body` is not a destination; ``PanoplyError``
    ///   (config) when a sealed value does not open.
    package static func openDestination(_ body: Data, box: SecretBox?, memo: SealedMemo? = nil) throws -> DestinationSettings {
        var doc = try parse(body, what: "the destination")
        var locked: [String: SealedValue] = [:]
        for key in destinationSecrets {
            guard let value = doc[key], let sealed = SealedValue(json: value) else { continue }
            doc[key] = try open(sealed, id: destinationData, place: key, box: box, memo: memo, what: "the destination's \(key)")
            if doc[key] == nil { locked[key] = sealed }
        }
        var destination = try decode(DestinationSettings.self, doc, what: "the destination")
        destination.sealed = locked.isEmpty ? nil : locked
        return destination
    }

    /// Whether a value is stored sealed: not empty, and not only `${NAME}` references.
    package static func isSecret(_ value: String) -> Bool {
        var rest = value
        for name in EnvReference.names(in: value) { rest = rest.replacingOccurrences(of: "${\(name)}", with: "") }
        return !rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    static func open(
        _ sealed: SealedValue, id: String, place: String, box: SecretBox?, memo: SealedMemo?, what: String
    ) throws -> JSONValue? {
        guard let box else { return nil }
        let plain: String
        do {
            plain = try box.open(sealed, associatedData: id)
        } catch {
            throw PanoplyError.config("\(what) \(error.asPanoplyError.message)")
        }
        memo?.remember(plain, sealed, id: id, place: place)
        return .string(plain)
    }

    static func seal(_ plain: String, id: String, place: String, box: SecretBox, memo: SealedMemo?) -> SealedValue {
        if let kept = memo?.sealed(plain, id: id, place: place, key: box.key.id) { return kept }
        let sealed = box.seal(plain, associatedData: id)
        memo?.remember(plain, sealed, id: id, place: place)
        return sealed
    }

    private static func missingKey(_ what: String) -> PanoplyError {
        PanoplyError.config("cannot save \(what) without the workspace key: set PANOPLY_WORKSPACE_KEY or --workspace-key-file")
    }

    private static func isEmpty(_ value: JSONValue?) -> Bool { value == nil || value == .null || value == .string("") }
}

extension SealedDocument {
    static func tree(_ value: some Encodable) throws -> JSONObject {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try JSONParser.parse(Array(try encoder.encode(value))).objectValue ?? [:]
    }

    static func parse(_ body: Data, what: String) throws -> JSONObject {
        guard let doc = (try? JSONParser.parse(Array(body)))?.objectValue else {
            throw UnreadableDocument(description: "the stored JSON of \(what) is not an object")
        }
        return doc
    }

    static func bytes(_ doc: JSONObject) -> Data { Data(JSONWriter.string(.object(doc)).utf8) }

    static func decode<T: Decodable>(_ type: T.Type, _ doc: JSONObject, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: bytes(doc))
        } catch {
            throw UnreadableDocument(description: "the stored JSON of \(what) cannot be read: \(error)")
        }
    }
}

/// A stored document that is not a source or a destination (a ``PanoplyError`` is thrown
/// only for secrets: a missing key, a wrong key, a changed value), for the store to say
/// which row to fix.
package struct UnreadableDocument: Error, Sendable, CustomStringConvertible, LocalizedError {
    package var description: String
    package var errorDescription: String? { description }
}

extension SavedSource {
    /// Why a run of this source cannot start: its secrets are sealed and no workspace key
    /// was given; nil when every secret is open.
    package var lockedSecretsError: PanoplyError? {
        guard let sealed, !sealed.isEmpty else { return nil }
        let names = sealed.keys.sorted().map { $0 == SealedDocument.hashSaltKey ? "hash salt" : $0 }
        return PanoplyError.config(
            "source '\(name)' has encrypted secrets (\(names.joined(separator: ", "))): set PANOPLY_WORKSPACE_KEY (or --workspace-key-file) to the workspace key"
        )
    }
}

extension DestinationSettings {
    /// Why a run cannot send with this destination: its secrets are sealed and no
    /// workspace key was given; nil when every secret is open.
    package var lockedSecretsError: PanoplyError? {
        guard let sealed, !sealed.isEmpty else { return nil }
        return PanoplyError.config(
            "the destination has encrypted secrets (\(sealed.keys.sorted().joined(separator: ", "))): set PANOPLY_WORKSPACE_KEY (or --workspace-key-file) to the workspace key"
        )
    }
}
