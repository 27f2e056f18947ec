import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyWorkspacePostgres

/// Fencing holes closed: changes of a source's state made outside a run hold its lease; a
/// run that lost its lease never writes its last rows unfenced; the fence checks that the
/// lease's own session holds the lock. Real server, a schema per test (``RunsFixture``).
@Suite("PostgreSQL workspace fencing", .enabled(if: RunsFixture.available))
struct PostgresFencingTests {
    static let record = RunRecord(started: 1, ended: 2, status: .failed, recordsRead: 1, counters: SDKCounters(), origin: "cli", log: [])

    func historyRows(_ f: RunsFixture) throws -> Int64 {
        try f.admin.query("SELECT count(*) FROM \(f.admin.url.schema).runs").first?.int(0) ?? -1
    }

    @Test("a lease lost to a newer one elsewhere, then released, refuses its run's history row and snapshot: no row written")
    func lostElsewhereThenReleased() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let first = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        try f.terminateLeaseSession(of: "orders")
        let second = try f.b.acquireLease(of: "orders", holder: f.hostB, wait: .seconds(5))
        defer { second.release() }
        #expect(second.epoch > first.epoch)
        first.release()
        #expect(throws: LostLease.self) { try f.a.appendHistory(Self.record, to: "orders") }
        #expect(throws: LostLease.self) { try f.a.publish(RunSnapshot(name: "orders", type: "demo", holder: f.hostA, updated: 1)) }
        #expect(try historyRows(f) == 0)
        #expect(f.b.snapshot(of: "orders") == nil)
    }

    @Test("a state save refused as lost marks the lease lost: once released, its history row is refused too")
    func stateSaveLossIsRemembered() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        let store = f.a.stateStore(for: "orders", lease: lease)
        try store.save(["orders": ["cursor": "1"]])
        // The epoch moves on while the lock stays held (what a newer lease's bump looks like to the fence).
        try f.admin.execute("UPDATE \(f.admin.url.schema).leases SET epoch = epoch + 1")
        #expect(throws: LostLease.self) { try store.save(["orders": ["cursor": "2"]]) }
        lease.release()
        #expect(throws: LostLease.self) { try f.a.appendHistory(Self.record, to: "orders") }
        #expect(try historyRows(f) == 0)
        #expect(try f.b.loadState(of: "orders") == ["orders": ["cursor": "1"]])
    }

    @Test("the fence's lock check passes for the lease's own session only, not for any session holding the lock")
    func lockHeldByTheLeaseSession() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        defer { lease.release() }
        let session = try #require(f.a.runs.held("orders"))
        #expect(session.backendPID > 0)
        let (schema, id) = (f.admin.url.schema, session.sourceID)
        try f.admin.transaction { tx in
            try LeaseFence.checkHeld(tx, schema: schema, sourceID: id, name: "orders", epoch: lease.epoch, backendPID: session.backendPID)
            let other = try #require(try tx.query("SELECT pg_backend_pid()::bigint").first?.int(0))
            #expect(throws: LostLease.self) {
                try LeaseFence.checkHeld(tx, schema: schema, sourceID: id, name: "orders", epoch: lease.epoch, backendPID: Int32(other))
            }
        }
    }

    @Test("a state change outside a run waits for no run: refused with the holder named while one holds the lease, nothing changed")
    func stateChangeUnderLease() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let run = try f.b.acquireLease(of: "orders", holder: f.hostB, wait: nil)
        try f.b.stateStore(for: "orders", lease: run).save(["orders": ["cursor": "5"]])
        let busy = #expect(throws: LeaseBusy.self) { try f.a.withLease(of: "orders", origin: "cli") { _ in try f.a.deleteState(of: "orders") } }
        #expect(busy?.holder == f.hostB)
        #expect(busy.map { "\($0)" }?.contains("'orders' is already running (pid 5151 on host-b") == true)
        #expect(try f.a.loadState(of: "orders") == ["orders": ["cursor": "5"]])
        run.release()
        try f.a.withLease(of: "orders", origin: "cli") { _ in try f.a.deleteState(of: "orders") }
        #expect(try f.a.loadState(of: "orders") == nil)
        #expect(!f.b.isRunning("orders"))
    }

    @Test("a check's token is saved under the lease over the state as it is then; while a run holds it, not at all")
    func checkSavesParamsUnderLease() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let secrets = WorkspaceSecrets(key: try WorkspaceKey(bytes: Data(repeating: 7, count: 32), origin: "test"))
        f.a.useSecrets(secrets)
        f.b.useSecrets(secrets)
        let check = CheckStateStore(workspace: f.a, name: "orders")
        #expect(try check.load() == nil)
        let run = try f.b.acquireLease(of: "orders", holder: f.hostB, wait: nil)
        try f.b.stateStore(for: "orders", lease: run).save(["orders": ["cursor": "5"]])
        #expect(throws: LeaseBusy.self) { try check.save(["__params": ["token": "t2"]]) }
        #expect(try f.a.loadState(of: "orders") == ["orders": ["cursor": "5"]])
        run.release()
        // The check read nothing; the run committed since: its rows stay.
        try check.save(["__params": ["token": "t2"]])
        #expect(try f.a.loadState(of: "orders") == ["orders": ["cursor": "5"], "__params": ["token": "t2"]])
    }

    @Test("an import copies each source's state under its lease in the target (the fence checks it)")
    func importUnderLease() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        f.a.useSecrets(WorkspaceSecrets(key: try WorkspaceKey(bytes: Data(repeating: 7, count: 32), origin: "test")))
        let folder = FolderWorkspace(directory: NSTemporaryDirectory() + "fence-\(UUID().uuidString)")
        try folder.saveSources([SavedSource(name: "orders", type: "demo", values: ["rows": "5"]), SavedSource(name: "fresh", type: "demo", values: [:])])
        try folder.stateStore(for: "orders", lease: nil).save(["demo": ["next_id": 3]])
        try folder.stateStore(for: "fresh", lease: nil).save(["demo": ["next_id": 9]])
        let epochs = { () throws -> [String: Int64] in
            let rows = try f.admin.query(
                "SELECT s.name, l.epoch FROM \(f.admin.url.schema).leases l JOIN \(f.admin.url.schema).sources s ON s.id = l.source_id")
            return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.text(0) ?? "", try $0.int(1) ?? 0) })
        }
        var transfer = WorkspaceTransfer(from: folder, to: f.a)
        transfer.replace = true
        _ = try transfer.run()
        #expect(try epochs() == ["orders": 1, "fresh": 1])
        #expect(try f.b.loadState(of: "orders") == ["demo": ["next_id": 3]] && f.b.loadState(of: "fresh") == ["demo": ["next_id": 9]])
        #expect(!f.b.isRunning("orders") && !f.b.isRunning("fresh"))
    }
}
