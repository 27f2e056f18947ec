import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI

@Suite("Workspace secrets: the key and the box")
struct SecretBoxTests {
    static func key(_ byte: UInt8) throws -> WorkspaceKey {
        try WorkspaceKey(bytes: Data(repeating: byte, count: 32), origin: "test")
    }

    @Test("a sealed value opens with the same key and associated data, and shows no plaintext")
    func roundTrip() throws {
        let box = SecretBox(key: try Self.key(1))
        let sealed = box.seal("hunter2-password", associatedData: "source-1")
        #expect(sealed.key == box.key.id && sealed.key.count == 8)
        #expect(!sealed.sealed.contains("hunter2") && Data(base64Encoded: sealed.sealed) != nil)
        #expect(try box.open(sealed, associatedData: "source-1") == "hunter2-password")
        #expect(box.seal("hunter2-password", associatedData: "source-1") != sealed, "a fresh nonce each time")
        let json = try JSONEncoder().encode(sealed)
        #expect(try JSONDecoder().decode(SealedValue.self, from: json) == sealed)
        #expect(SealedValue(json: sealed.json) == sealed && SealedValue(json: .string("x")) == nil)
    }

    @Test("the key id is the first 4 bytes of the key's SHA-256, and describing a key never shows it")
    func keyID() throws {
        let key = try Self.key(0)
        // printf '\0%.0s' {1..32} | sha256sum → 66687aad…
        #expect(key.id == "66687aad")
        #expect("\(key)" == "workspace key 66687aad")
    }

    @Test("a value sealed with another key names both keys")
    func wrongKey() throws {
        let sealed = SecretBox(key: try Self.key(1)).seal("pw", associatedData: "a")
        let other = SecretBox(key: try Self.key(2))
        let error = try #require(throws: PanoplyError.self) { try other.open(sealed, associatedData: "a") }
        #expect(error.message == "sealed with key \(sealed.key); the key given is \(other.key.id)")
    }

    @Test("a changed ciphertext does not open")
    func tampered() throws {
        let box = SecretBox(key: try Self.key(1))
        var sealed = box.seal("pw-secret", associatedData: "a")
        var bytes = try #require(Data(base64Encoded: sealed.sealed))
        bytes[bytes.count / 2] ^= 0x01
        sealed.sealed = bytes.base64EncodedString()
        let error = try #require(throws: PanoplyError.self) { try box.open(sealed, associatedData: "a") }
        #expect(error.message.contains("it was changed"), "\(error.message)")
        sealed.sealed = "not base64!"
        #expect(throws: PanoplyError.self) { try box.open(sealed, associatedData: "a") }
    }

    @Test("a value moved to another owner (associated data) does not open")
    func associatedDataMismatch() throws {
        let box = SecretBox(key: try Self.key(1))
        let sealed = box.seal("pw-secret", associatedData: "source-a")
        let error = try #require(throws: PanoplyError.self) { try box.open(sealed, associatedData: "source-b") }
        #expect(error.message.contains("another owner than source-b"), "\(error.message)")
    }

    @Test("keys come from a key file (base64 or 32 raw bytes), else PANOPLY_WORKSPACE_KEY; none gives nil")
    func resolving() throws {
        let dir = try temporaryDirectory()
        let raw = Data((0..<32).map { UInt8($0) })
        let rawFile = dir.appendingPathComponent("raw.key").path
        let textFile = dir.appendingPathComponent("text.key").path
        try raw.write(to: URL(fileURLWithPath: rawFile))
        try Data((raw.base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: textFile))
        let fromRaw = try #require(try WorkspaceKey.resolve(keyFile: rawFile, environment: [:]))
        let fromText = try #require(try WorkspaceKey.resolve(keyFile: textFile, environment: ["PANOPLY_WORKSPACE_KEY": "ignored"]))
        let fromEnv = try #require(try WorkspaceKey.resolve(keyFile: nil, environment: ["PANOPLY_WORKSPACE_KEY": raw.base64EncodedString()]))
        #expect(fromRaw.id == fromText.id && fromText.id == fromEnv.id)
        #expect(try WorkspaceKey.resolve(keyFile: nil, environment: [:]) == nil)
        #expect(try WorkspaceKey.resolve(keyFile: nil, environment: ["PANOPLY_WORKSPACE_KEY": ""]) == nil)
    }

    @Test("a key of the wrong length or encoding is a clear error that never shows the key")
    func badKeys() throws {
        let dir = try temporaryDirectory()
        let short = Data(repeating: 7, count: 16).base64EncodedString()
        let cases: [(String, String)] = [
            (short, "PANOPLY_WORKSPACE_KEY decodes to 16 bytes; the workspace key is 32 bytes"),
            ("zzz-not-base64", "PANOPLY_WORKSPACE_KEY is not valid base64")
        ]
        for (value, message) in cases {
            let error = try #require(throws: PanoplyError.self) { try WorkspaceKey.resolve(keyFile: nil, environment: ["PANOPLY_WORKSPACE_KEY": value]) }
            #expect(error.message.hasPrefix(message) && !error.message.contains(value), "\(error.message)")
        }
        let file = dir.appendingPathComponent("k").path
        try Data(repeating: 0xff, count: 31).write(to: URL(fileURLWithPath: file))
        let error = try #require(throws: PanoplyError.self) { try WorkspaceKey.read(file: file) }
        #expect(error.message.contains("the workspace key file \(file) holds 31 bytes"), "\(error.message)")
        let missing = try #require(throws: PanoplyError.self) { try WorkspaceKey.read(file: file + ".none") }
        #expect(missing.message.contains("cannot read the workspace key file"), "\(missing.message)")
    }
}
