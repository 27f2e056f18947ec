import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI

@Suite("Workspace secrets: sealed documents")
struct SealedDocumentTests {
    let box = SecretBox(key: try! WorkspaceKey(bytes: Data(repeating: 1, count: 32), origin: "test"))
    let source = SavedSource(
        name: "Orders DB", type: "postgres", values: ["host": "db", "password": "pg-plain-secret", "token": "${API_TOKEN}", "key": ""])
    let secrets: Set<String> = ["password", "token", "key"]

    func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    @Test("a source's secret values are sealed in place; empty values and ${ENV} references stay plain; it opens as saved")
    func sourceRoundTrip() throws {
        let body = try SealedDocument.sealSource(source, id: "id-1", secretParams: secrets, box: box)
        let doc = try #require(try JSONParser.parse(Array(body)).objectValue)
        let values = try #require(doc["values"]?.objectValue)
        #expect(!text(body).contains("pg-plain-secret"))
        #expect(SealedValue(json: try #require(values["password"]))?.key == box.key.id)
        #expect(values["token"] == .string("${API_TOKEN}") && values["key"] == .string("") && values["host"] == .string("db"))
        let opened = try SealedDocument.openSource(body, id: "id-1", name: "Orders DB", box: box)
        #expect(opened == source)
        #expect(opened.lockedSecretsError == nil)
    }

    @Test("a sealed value moved into another source's document does not open")
    func movedValueFails() throws {
        let body = try SealedDocument.sealSource(source, id: "id-1", secretParams: secrets, box: box)
        let error = try #require(throws: PanoplyError.self) { try SealedDocument.openSource(body, id: "id-2", name: "Other", box: box) }
        #expect(error.message.hasPrefix("the secret password of source 'Other' cannot be opened"), "\(error.message)")
    }

    @Test("a document sealed with another key names both keys")
    func wrongKey() throws {
        let body = try SealedDocument.sealSource(source, id: "id-1", secretParams: secrets, box: box)
        let other = SecretBox(key: try WorkspaceKey(bytes: Data(repeating: 2, count: 32), origin: "test"))
        let error = try #require(throws: PanoplyError.self) { try SealedDocument.openSource(body, id: "id-1", name: "Orders DB", box: other) }
        #expect(error.message == "the secret password of source 'Orders DB' sealed with key \(box.key.id); the key given is \(other.key.id)")
    }

    @Test("without the key, saving a secret is refused and nothing is written")
    func noKeyRefusesToSave() throws {
        let error = try #require(throws: PanoplyError.self) { try SealedDocument.sealSource(source, id: "id-1", secretParams: secrets, box: nil) }
        #expect(
            error.message
                == "cannot save the secret password of source 'Orders DB' without the workspace key: set PANOPLY_WORKSPACE_KEY or --workspace-key-file")
        var plain = source
        plain.values["password"] = "${PGPASSWORD}"
        let body = try SealedDocument.sealSource(plain, id: "id-1", secretParams: secrets, box: nil)
        #expect(try SealedDocument.openSource(body, id: "id-1", name: "Orders DB", box: nil) == plain)
    }

    @Test("without the key, a source lists with its sealed values left out, saves them back unchanged, and refuses to run")
    func noKeyOpensLocked() throws {
        let body = try SealedDocument.sealSource(source, id: "id-1", secretParams: secrets, box: box)
        var locked = try SealedDocument.openSource(body, id: "id-1", name: "Orders DB", box: nil)
        #expect(locked.values["password"] == nil && locked.values["host"] == "db" && locked.sealed?.keys.sorted() == ["password"])
        #expect(
            locked.lockedSecretsError?.message
                == "source 'Orders DB' has encrypted secrets (password): set PANOPLY_WORKSPACE_KEY (or --workspace-key-file) to the workspace key")
        locked.lastStatus = .failed
        let again = try SealedDocument.sealSource(locked, id: "id-1", secretParams: secrets, box: nil)
        var expected = source
        expected.lastStatus = .failed
        #expect(try SealedDocument.openSource(again, id: "id-1", name: "Orders DB", box: box) == expected)
        #expect(!text(again).contains("\"sealed\":{"), "the kept values go back in place, not as a field of their own")
    }

    @Test("the destination's API secret and AWS secret key are sealed for `destination`; without the key it refuses to send")
    func destination() throws {
        let d = DestinationSettings(
            kind: .panoply, apiKey: "acme/r1", apiSecret: "dest-api-secret", awsAccessKeyId: "AKIA", awsSecretAccessKey: "aws-secret-key",
            outbox: "./out")
        let body = try SealedDocument.sealDestination(d, box: box)
        #expect(!text(body).contains("dest-api-secret") && !text(body).contains("aws-secret-key") && text(body).contains("acme/r1"))
        #expect(try SealedDocument.openDestination(body, box: box) == d)
        let locked = try SealedDocument.openDestination(body, box: nil)
        #expect(locked.apiSecret == nil && locked.apiKey == "acme/r1")
        let error = try #require(throws: PanoplyError.self) { try locked.sdkConfiguration() }
        #expect(
            error.message
                == "the destination has encrypted secrets (apiSecret, awsSecretAccessKey): set PANOPLY_WORKSPACE_KEY (or --workspace-key-file) to the workspace key"
        )
        #expect(try SealedDocument.openDestination(try SealedDocument.sealDestination(locked, box: nil), box: box) == d)
        let refused = try #require(throws: PanoplyError.self) { try SealedDocument.sealDestination(d, box: nil) }
        #expect(refused.message.hasPrefix("cannot save the destination's apiSecret without the workspace key"), "\(refused.message)")
    }

    @Test("re-sealing for a new key opens with the new key only, and a second pass changes nothing")
    func reseal() throws {
        let newBox = SecretBox(key: try WorkspaceKey(bytes: Data(repeating: 3, count: 32), origin: "test"))
        let body = try SealedDocument.sealSource(source, id: "id-1", secretParams: secrets, box: box)
        let (rotated, count) = try SealedDocument.reseal(body, associatedData: "id-1", from: box, to: newBox, what: "source 'Orders DB'")
        #expect(count == 1 && SealedDocument.keyIDs(in: rotated) == [newBox.key.id])
        #expect(try SealedDocument.openSource(rotated, id: "id-1", name: "Orders DB", box: newBox) == source)
        #expect(throws: PanoplyError.self) { try SealedDocument.openSource(rotated, id: "id-1", name: "Orders DB", box: box) }
        let again = try SealedDocument.reseal(rotated, associatedData: "id-1", from: box, to: newBox, what: "source 'Orders DB'")
        #expect(again.resealed == 0 && again.body == rotated)
        let stranger = SecretBox(key: try WorkspaceKey(bytes: Data(repeating: 4, count: 32), origin: "test"))
        let error = try #require(throws: PanoplyError.self) {
            try SealedDocument.reseal(body, associatedData: "id-1", from: stranger, to: newBox, what: "source 'Orders DB'")
        }
        #expect(error.message == "values.password of source 'Orders DB' sealed with key \(box.key.id); the key given is \(stranger.key.id)")
    }

    @Test("with a memo, an unchanged secret is written back as stored (no new nonce); a changed one is sealed anew")
    func memoKeepsStoredValues() throws {
        let stored = try SealedDocument.sealSource(source, id: "id-1", secretParams: secrets, box: box)
        let memo = SealedMemo()
        var opened = try SealedDocument.openSource(stored, id: "id-1", name: "Orders DB", box: box, memo: memo)
        #expect(try SealedDocument.sealSource(opened, id: "id-1", secretParams: secrets, box: box, memo: memo) == stored)
        opened.values["password"] = "a-new-password"
        let changed = try SealedDocument.sealSource(opened, id: "id-1", secretParams: secrets, box: box, memo: memo)
        #expect(changed != stored && !text(changed).contains("a-new-password"))
        #expect(try SealedDocument.sealSource(opened, id: "id-2", secretParams: secrets, box: box, memo: memo) != changed, "another owner seals anew")
        let d = DestinationSettings(kind: .panoply, apiKey: "acme/r1", apiSecret: "dest-api-secret", outbox: "./out")
        let first = try SealedDocument.sealDestination(d, box: box, memo: memo)
        #expect(try SealedDocument.sealDestination(d, box: box, memo: memo) == first)
    }

    @Test("an export without secrets leaves out secret values and the salt, keeping ${ENV} references")
    func withoutSecrets() {
        var s = source
        s.sealed = ["other": SealedValue(sealed: "x", key: "k")]
        s.fields = FieldSettings(hashSalt: "salt-secret")
        let out = s.withoutSecrets(secretParams: secrets)
        #expect(out.values == ["host": "db", "token": "${API_TOKEN}", "key": ""] && out.sealed == nil && out.fields?.hashSalt == nil)
        let d = DestinationSettings(kind: .panoply, apiKey: "acme/r1", apiSecret: "s3cr3t", awsSecretAccessKey: "${AWS_KEY}", outbox: "./out")
        #expect(d.withoutSecrets.apiSecret == nil && d.withoutSecrets.awsSecretAccessKey == "${AWS_KEY}" && d.withoutSecrets.apiKey == "acme/r1")
    }

    @Test("a source's hash salt is sealed like a secret param, and kept sealed without the key")
    func hashSalt() throws {
        var s = source
        s.fields = FieldSettings(resources: ["orders": ResourceFields(hash: ["email"])], hashSalt: "salt-secret")
        let body = try SealedDocument.sealSource(s, id: "id-1", secretParams: secrets, box: box)
        #expect(!text(body).contains("salt-secret"))
        #expect(try SealedDocument.openSource(body, id: "id-1", name: "Orders DB", box: box) == s)
        let locked = try SealedDocument.openSource(body, id: "id-1", name: "Orders DB", box: nil)
        #expect(locked.fields?.hashSalt == nil && locked.sealed?.keys.sorted() == ["fields.hashSalt", "password"])
        #expect(locked.lockedSecretsError?.message.contains("(hash salt, password)") == true, "\(locked.lockedSecretsError?.message ?? "")")
        let again = try SealedDocument.sealSource(locked, id: "id-1", secretParams: secrets, box: nil)
        #expect(try SealedDocument.openSource(again, id: "id-1", name: "Orders DB", box: box) == s)
    }

    @Test(
        "values that are only ${ENV} references are not secrets",
        arguments: [
            ("", false), ("  ", false), ("${A}", false), ("${A}${B}", false), (" ${A} ", false), ("x${A}", true), ("pw", true), ("${not a name}", true)
        ])
    func referencesOnly(value: String, secret: Bool) {
        #expect(SealedDocument.isSecret(value) == secret)
    }
}
