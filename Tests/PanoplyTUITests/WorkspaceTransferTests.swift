import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

/// ``WorkspaceTransfer`` between two config folders (the PostgreSQL side is in
/// WorkspaceTransferCLITests): what is copied, what is left out, what is refused.
@Suite("Copying a workspace into another")
struct WorkspaceTransferTests {
    static func folders() throws -> (from: FolderWorkspace, to: FolderWorkspace) {
        let root = try temporaryDirectory()
        return (FolderWorkspace(directory: root.appendingPathComponent("from").path), FolderWorkspace(directory: root.appendingPathComponent("to").path))
    }

    @Test("a source whose id the target has under another name (renamed there) is copied as a source of its own")
    func sameIDAnotherName() throws {
        let (from, to) = try Self.folders()
        try from.saveSources([SavedSource(name: "Orders", type: "demo", values: ["rows": "5"])])
        var renamed = try #require(try from.loadSources().first)
        renamed.name = "Orders (old)"
        renamed.values = ["rows": "9"]
        try to.saveSources([renamed])
        let summary = try WorkspaceTransfer(from: from, to: to).run()
        #expect(summary.sources == ["Orders"])
        let copied = try to.loadSources()
        #expect(copied.map(\.name) == ["Orders (old)", "Orders"])
        #expect(copied[0].id == renamed.id && copied[0].values == ["rows": "9"], "the target's source is untouched")
        #expect(copied[1].id != nil && copied[1].id != renamed.id && copied[1].values == ["rows": "5"])
    }

    @Test("without secrets: secret params, the hash salt, the destination's secrets and a state's saved params are left out, references kept")
    func secretsLeftOut() throws {
        let (from, to) = try Self.folders()
        var source = SavedSource(name: "Shop", type: "postgres", values: ["host": "db", "password": "hunter2", "token": "${SHOP_TOKEN}"])
        source.fields = FieldSettings()
        source.fields?.hashSalt = "pepper"
        try from.saveSources([source])
        try from.saveDestination(DestinationSettings(kind: .panoply, apiKey: "acme/r1", apiSecret: "c2VjcmV0", outbox: "./out"))
        try from.stateStore(for: "Shop", lease: nil).save(["resource": ["last": 7], SavedParams.stateKey: ["refresh_token": "r1"]])
        var transfer = WorkspaceTransfer(from: from, to: to)
        transfer.keepSecrets = false
        transfer.secretParams = { _ in ["password", "token"] }
        let summary = try transfer.run()
        #expect(
            summary.withheld == [
                "source 'Shop': hash salt", "source 'Shop': password", "destination: apiSecret", "source 'Shop': the params saved in its state"
            ])
        let copied = try #require(try to.loadSources().first)
        #expect(copied.values == ["host": "db", "token": "${SHOP_TOKEN}"])
        #expect(copied.fields?.hashSalt == nil)
        #expect(try to.loadDestination()?.apiSecret == nil && to.loadDestination()?.apiKey == "acme/r1")
        #expect(try to.loadState(of: "Shop") == ["resource": ["last": 7]])
    }

    @Test("with secrets, a source whose secrets are still sealed (no key) is refused before anything is written")
    func sealedSecretsRefused() throws {
        let (from, to) = try Self.folders()
        var locked = SavedSource(name: "Locked", type: "postgres", values: ["host": "db"])
        locked.sealed = ["password": SealedValue(sealed: "AAAA", key: "0123abcd")]
        try from.saveSources([SavedSource(name: "Open", type: "demo", values: [:]), locked])
        let error = try #require(throws: PanoplyError.self) { try WorkspaceTransfer(from: from, to: to).run() }
        #expect(error.message.contains("source 'Locked' has encrypted secrets (password)"), "\(error.message)")
        #expect(try to.loadSources().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: to.directory))
    }
}

extension WorkspaceTransferTests {
    @Test("--replace of a source whose run holds its lease in the target is refused, nothing written")
    func replacingARunningSource() throws {
        let (from, to) = try Self.folders()
        try from.saveSources([SavedSource(name: "Orders", type: "demo", values: ["rows": "5"])])
        try from.stateStore(for: "Orders", lease: nil).save(["demo": ["next_id": 3]])
        try to.saveSources([SavedSource(name: "Orders", type: "demo", values: ["rows": "9"])])
        let lease = try to.acquireLease(of: "Orders", holder: .current(origin: "cli"), wait: nil)
        var transfer = WorkspaceTransfer(from: from, to: to)
        transfer.replace = true
        let error = try #require(throws: PanoplyError.self) { try transfer.run() }
        #expect(error.message.contains("'Orders' is running in \(to.location)"), "\(error.message)")
        #expect(try to.loadSources().map(\.values) == [["rows": "9"]] && to.loadState(of: "Orders") == nil)
        lease.release()
        _ = try transfer.run()
        #expect(try to.loadSources().map(\.values) == [["rows": "5"]] && to.loadState(of: "Orders") == ["demo": ["next_id": 3]])
    }
}
