import Crypto
import Foundation
import PanoplyKit

/// The 32-byte key that seals a workspace's secrets, from `PANOPLY_WORKSPACE_KEY` (base64)
/// or a key file (`--workspace-key-file`). Its ``id`` names it in sealed values and
/// messages; the key itself is never printed (its description is the id).
package struct WorkspaceKey: Sendable, CustomStringConvertible {
    package static let environmentVariable = "PANOPLY_WORKSPACE_KEY"
    package static let size = 32
    private static let howToMake = "make one with `openssl rand -base64 32`"

    /// The first 4 bytes of the key's SHA-256, in hex (`9f00aa11`).
    package let id: String
    fileprivate let bytes: Data

    /// - Parameter origin: names where the key came from, for messages.
    /// - Throws: ``PanoplyError`` (config) when the key is not 32 bytes.
    package init(bytes: Data, origin: String) throws {
        guard bytes.count == Self.size else {
            throw PanoplyError.config("\(origin) holds \(bytes.count) bytes; the workspace key is \(Self.size) bytes (\(Self.howToMake))")
        }
        self.bytes = bytes
        self.id = SHA256.hash(data: bytes).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// A key written in base64 (surrounding whitespace ignored).
    /// - Throws: ``PanoplyError`` (config) naming `origin` when the text is not base64 or
    ///   does not decode to 32 bytes.
    package init(base64 text: String, origin: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed) else {
            throw PanoplyError.config(
                "\(origin) is not valid base64 (check for missing '=' padding); the workspace key is \(Self.size) bytes in base64 (\(Self.howToMake))")
        }
        guard data.count == Self.size else {
            throw PanoplyError.config("\(origin) decodes to \(data.count) bytes; the workspace key is \(Self.size) bytes (\(Self.howToMake))")
        }
        try self.init(bytes: data, origin: origin)
    }

    /// The key in a file: base64 text, or the 32 raw bytes.
    /// - Throws: ``PanoplyError`` (config) when the file cannot be read or holds no key.
    package static func read(file path: String) throws -> WorkspaceKey {
        let origin = "the workspace key file \(path)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PanoplyError.config("cannot read \(origin) (check the path and its permissions)")
        }
        // Base64 of 32 bytes is 44 characters, so 32 raw bytes are never mistaken for it.
        if data.count == size { return try WorkspaceKey(bytes: data, origin: origin) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PanoplyError.config("\(origin) holds \(data.count) bytes; give the \(size) raw bytes or their base64 (\(howToMake))")
        }
        return try WorkspaceKey(base64: text, origin: origin)
    }

    /// The key a command uses: the key file when one is given, else `PANOPLY_WORKSPACE_KEY`.
    /// - Returns: nil when neither is given (or the variable is empty).
    /// - Throws: ``PanoplyError`` (config) when the given key is not a valid key.
    package static func resolve(keyFile: String?, environment: [String: String]) throws -> WorkspaceKey? {
        if let keyFile, !keyFile.isEmpty { return try read(file: keyFile) }
        guard let text = environment[environmentVariable], !text.isEmpty else { return nil }
        return try WorkspaceKey(base64: text, origin: environmentVariable)
    }

    package var description: String { "workspace key \(id)" }
}

/// A secret as stored: `{"sealed": "<base64 of nonce, ciphertext and tag>", "key": "<key id>"}`.
package struct SealedValue: Sendable, Equatable, Codable {
    package var sealed: String
    package var key: String

    package init(sealed: String, key: String) {
        self.sealed = sealed
        self.key = key
    }

    /// The value as it sits in a stored JSON document.
    package var json: JSONValue { .object(["sealed": .string(sealed), "key": .string(key)]) }

    /// The sealed value `value` holds, nil when it is not one (a plain string).
    package init?(json value: JSONValue) {
        guard case .object(let o) = value, o.count == 2, let sealed = o["sealed"]?.stringValue, let key = o["key"]?.stringValue else {
            return nil
        }
        self.init(sealed: sealed, key: key)
    }
}

/// Seals and opens secrets with ChaChaPoly under a ``WorkspaceKey``. The associated data
/// binds a sealed value to its owner (a source's id, or `destination`), so a value copied
/// into another source does not open.
package struct SecretBox: Sendable {
    package let key: WorkspaceKey

    package init(key: WorkspaceKey) { self.key = key }

    package func seal(_ plaintext: String, associatedData: String) -> SealedValue {
        let box: ChaChaPoly.SealedBox
        do {
            box = try ChaChaPoly.seal(Data(plaintext.utf8), using: SymmetricKey(data: key.bytes), authenticating: Data(associatedData.utf8))
        } catch {
            // Sealing fails only for a key of the wrong size or a bad nonce; neither can happen here.
            preconditionFailure("ChaChaPoly.seal failed with a 32-byte key and a random nonce: \(error)")
        }
        return SealedValue(sealed: box.combined.base64EncodedString(), key: key.id)
    }

    /// The plaintext of `value`.
    /// - Throws: ``PanoplyError`` (config) when it was sealed with another key, or it was
    ///   changed or moved to another owner (`associatedData` differs).
    package func open(_ value: SealedValue, associatedData: String) throws -> String {
        guard value.key == key.id else {
            throw PanoplyError.config("sealed with key \(value.key); the key given is \(key.id)")
        }
        let problem = "cannot be opened with key \(key.id): it was changed, or sealed for another owner than \(associatedData)"
        guard let combined = Data(base64Encoded: value.sealed), let box = try? ChaChaPoly.SealedBox(combined: combined),
            let plain = try? ChaChaPoly.open(box, using: SymmetricKey(data: key.bytes), authenticating: Data(associatedData.utf8)),
            let text = String(data: plain, encoding: .utf8)
        else { throw PanoplyError.config(problem) }
        return text
    }
}
