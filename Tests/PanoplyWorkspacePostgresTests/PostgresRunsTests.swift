import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyWorkspacePostgres

/// Leases, fencing, snapshots and cancel requests of a PostgreSQL workspace, against the
/// real server: two ``PostgresWorkspace`` values on one schema stand for two machines.
@Suite("PostgreSQL workspace runs", .enabled(if: RunsFixture.available))
struct PostgresRunsTests {
    @Test("a busy lease names its holder; once released the other machine takes it with the next epoch")
    func busyLeaseNamesHolder() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        #expect(lease.epoch == 1)
        #expect(f.a.isRunning("orders") && f.b.isRunning("orders"))
        #expect(!f.b.isRunning("customers"))
        #expect(throws: LeaseBusy(name: "orders", holder: f.hostA)) { try f.b.acquireLease(of: "orders", holder: f.hostB, wait: nil) }
        lease.release()
        #expect(!f.b.isRunning("orders"))
        let second = try f.b.acquireLease(of: "orders", holder: f.hostB, wait: nil)
        defer { second.release() }
        #expect(second.epoch == 2)
        #expect(throws: LeaseBusy(name: "orders", holder: f.hostB)) { try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil) }
    }

    @Test("a run waiting for the lease gets it when the holder releases it")
    func waitingForTheLease() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        let started = ContinuousClock.now
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.3)
            lease.release()
        }
        let second = try f.b.acquireLease(of: "orders", holder: f.hostB, wait: .seconds(10))
        defer { second.release() }
        #expect(second.epoch == 2)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a snapshot published on one machine is read on the other, and cleared with its cancel request")
    func snapshotsAcrossMachines() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        defer { lease.release() }
        var snapshot = RunSnapshot(name: "orders", type: "demo", holder: f.hostA, updated: 1_700_000_000)
        snapshot.loaded = 42
        try f.a.publish(snapshot)
        #expect(f.b.snapshot(of: "orders") == snapshot)
        #expect(f.b.snapshot(of: "customers") == nil)
        try f.b.requestCancel(of: "orders", by: "cli on host-b")
        #expect(f.b.cancelRequest(of: "orders") == "cli on host-b")
        f.a.clearSnapshot(of: "orders")
        #expect(f.b.snapshot(of: "orders") == nil)
        #expect(f.b.cancelRequest(of: "orders") == nil)
    }

    @Test("a process that no longer holds the lease does not clear the snapshot of the run that took the source since")
    func clearWithoutTheLease() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil).release()
        let lease = try f.b.acquireLease(of: "orders", holder: f.hostB, wait: nil)
        let theirs = RunSnapshot(name: "orders", type: "demo", holder: f.hostB, updated: 1_700_000_000)
        try f.b.publish(theirs)
        f.a.clearSnapshot(of: "orders")
        #expect(f.a.snapshot(of: "orders") == theirs)
        lease.release()
        f.a.clearSnapshot(of: "orders")
        #expect(f.a.snapshot(of: "orders") == nil)
    }

    @Test("the snapshots of many sources come in one query, each saying whether its lease is held")
    func snapshotsAtOnce() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        let snapshot = RunSnapshot(name: "orders", type: "demo", holder: f.hostA, updated: 1_700_000_000)
        try f.a.publish(snapshot)
        let live = f.b.snapshots(of: ["orders", "customers", "missing"])
        #expect(live.keys.sorted() == ["orders"])
        #expect(live["orders"]?.snapshot == snapshot && live["orders"]?.running == true)
        lease.release()
        #expect(f.b.snapshots(of: ["orders"])["orders"]?.running == false)
    }

    @Test("a config folder answers snapshots(of:) as snapshot(of:) and isRunning(_:) for each name would")
    func folderSnapshotsAtOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-runs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = FolderWorkspace(directory: dir)
        let lease = try folder.acquireLease(of: "orders", holder: RunsFixture.hostA, wait: nil)
        let snapshot = RunSnapshot(name: "orders", type: "demo", holder: RunsFixture.hostA, updated: 1_700_000_000)
        try folder.publish(snapshot)
        let live = folder.snapshots(of: ["orders", "customers"])
        #expect(live.keys.sorted() == ["orders"])
        #expect(live["orders"]?.snapshot == snapshot && live["orders"]?.running == true)
        lease.release()
        #expect(folder.snapshots(of: ["orders"])["orders"]?.running == false)
    }

    @Test("a cancel request from the other machine reaches the run through NOTIFY within 2 s")
    func cancelByNotify() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        defer { lease.release() }
        try waitUntil("A's listener to listen", within: .seconds(10)) { f.a.runs.listener.isListening }
        let id = try #require(try f.a.sourceID(of: "orders"))
        let before = f.a.runs.listener.version
        try f.b.requestCancel(of: "orders", by: "ui on host-b")
        // The listener's slow poll ran when it connected and runs again only in 10 s: what
        // arrives within 2 s came by notification.
        try waitUntil("the cancel request to reach A", within: .seconds(2)) { f.a.runs.listener.cancelRequest(of: id) != nil }
        #expect(f.a.cancelRequest(of: "orders") == "ui on host-b")
        #expect(f.a.runs.listener.version > before)
    }

    @Test("runsVersion changes on the other machine when a run publishes")
    func versionFollowsNotifications() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        _ = f.b.runsVersion
        try waitUntil("B's listener to listen", within: .seconds(10)) { f.b.runs.listener.isListening }
        let before = f.b.runsVersion
        let lease = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        defer { lease.release() }
        try waitUntil("B's runsVersion to change", within: .seconds(2)) { f.b.runsVersion != before }
        let published = f.b.runsVersion
        try f.a.publish(RunSnapshot(name: "orders", type: "demo", holder: f.hostA, updated: 1_700_000_000))
        try waitUntil("B's runsVersion to change again", within: .seconds(2)) { f.b.runsVersion != published }
    }

    @Test("a cut lease connection frees the lock; the next run takes a higher epoch and the first run's writes throw LostLease")
    func fencing() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let first = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        defer { first.release() }
        let store = f.a.stateStore(for: "orders", lease: first)
        try store.save(["orders": .object(["cursor": .string("10")])])
        try f.a.publish(RunSnapshot(name: "orders", type: "demo", holder: f.hostA, updated: 1))
        try f.terminateLeaseSession(of: "orders")
        try waitUntil("the lock to be freed", within: .seconds(2)) { !f.b.isRunning("orders") }
        #expect(throws: LostLease.self) { try f.a.publish(RunSnapshot(name: "orders", type: "demo", holder: f.hostA, updated: 2)) }

        let second = try f.b.acquireLease(of: "orders", holder: f.hostB, wait: nil)
        defer { second.release() }
        #expect(second.epoch > first.epoch)
        f.b.clearSnapshot(of: "orders")
        let theirs = RunSnapshot(name: "orders", type: "demo", holder: f.hostB, updated: 3)
        try f.b.publish(theirs)
        try f.b.stateStore(for: "orders", lease: second).save(["orders": .object(["cursor": .string("20")])])

        let saveError = #expect(throws: LostLease.self) { try store.save(["orders": .object(["cursor": .string("11")])]) }
        #expect(saveError?.message.hasPrefix("lost lease:") == true)
        #expect(throws: LostLease.self) { try f.a.publish(RunSnapshot(name: "orders", type: "demo", holder: f.hostA, updated: 4)) }
        let record = RunRecord(started: 1, ended: 2, status: .failed, recordsRead: 1, counters: SDKCounters(), origin: "cli", log: [])
        #expect(throws: LostLease.self) { try f.a.appendHistory(record, to: "orders") }
        f.a.clearSnapshot(of: "orders")
        #expect(f.b.snapshot(of: "orders") == theirs)
        #expect(try f.b.loadState(of: "orders")?["orders"] == .object(["cursor": .string("20")]))
        #expect(try f.b.history(of: "orders").isEmpty)
    }

    @Test("a lease released after its connection dropped still refuses its run's history row")
    func lostThenReleased() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let first = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        try f.terminateLeaseSession(of: "orders")
        try waitUntil("A to see its lease connection drop", within: .seconds(2)) { f.a.runs.held("orders")?.isDropped == true }
        first.release()
        let record = RunRecord(started: 1, ended: 2, status: .failed, recordsRead: 1, counters: SDKCounters(), origin: "ui", log: [])
        #expect(throws: LostLease.self) { try f.a.appendHistory(record, to: "orders") }
        let again = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        defer { again.release() }
        try f.a.appendHistory(record, to: "orders")
        #expect(try f.b.history(of: "orders").count == 1)
    }
}

@Suite("Fence retry")
struct FenceRetryTests {
    @Test("an unreachable workspace is tried again after 1, 2, 4 and 8 s: the next wait, 16 s, would pass the 30 s")
    func schedule() {
        var elapsed = Duration.zero
        var delays: [Duration] = []
        var attempt = 1
        while let delay = FenceRetry.next(after: attempt, elapsed: elapsed, patience: FenceRetry.patience) {
            delays.append(delay)
            elapsed += delay
            attempt += 1
        }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        #expect(FenceRetry.next(after: 1, elapsed: .zero, patience: .zero) == nil)
        #expect(FenceRetry.next(after: 6, elapsed: .zero, patience: .seconds(100)) == .seconds(16))
    }

    @Test("a workspace that cannot be reached is tried again while the patience lasts; then the lease counts as lost")
    func unreachableWorkspace() throws {
        let client = try PGClient(url: WorkspaceURL(parsing: "postgres://u:p@127.0.0.1:1/db?sslmode=disable&schema=x"), environment: [:])
        defer { client.close() }
        let started = ContinuousClock.now
        let lost = #expect(throws: LostLease.self) {
            try client.fenced(schema: "x", sourceID: "id", name: "orders", epoch: 7, patience: .milliseconds(3500)) { _ in
                Issue.record("wrote without confirming the lease")
            }
        }
        let waited = ContinuousClock.now - started
        #expect(lost?.message.hasPrefix("lost lease: cannot confirm the lease of source 'orders' (epoch 7)") == true)
        #expect(waited >= .seconds(3) && waited < .seconds(10), "tried at 0, 1 and 3 s (the next, at 7 s, is past the patience), took \(waited)")
        #expect(throws: PanoplyError.self) {
            try client.fenced(schema: "x", sourceID: "id", name: "orders", epoch: 7, patience: .zero) { _ in }
        }
    }
}

/// A run's process killed while it holds its lease: the test starts this test binary again
/// as a child that takes the lease and publishes a running snapshot, then SIGKILLs it.
@Suite("PostgreSQL workspace lost runs", .enabled(if: RunsFixture.available))
struct PostgresLostRunTests {
    static let childURL = "PANOPLY_TEST_LEASE_CHILD_URL"

    @Test("a process SIGKILLed while it holds a lease frees it within 2 s, and its run is settled as lost")
    func killedHolder() throws {
        let f = try RunsFixture.make()
        defer { f.close() }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "leaseHoldingChild"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childURL: f.url]) { _, new in new }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        try waitUntil("the child to hold the lease and publish", within: .seconds(60)) {
            f.b.isRunning("orders") && f.b.snapshot(of: "orders") != nil
        }
        #expect(f.b.settleLostRun(of: "orders") == nil)
        kill(child.processIdentifier, SIGKILL)
        let killed = ContinuousClock.now
        try waitUntil("the lease to be free", within: .seconds(2)) { !f.b.isRunning("orders") }
        print("lease free \(ContinuousClock.now - killed) after SIGKILL")
        let record = try #require(f.b.settleLostRun(of: "orders"))
        #expect(record.errorCategory == RunRecord.lostCategory)
        #expect(f.b.snapshot(of: "orders") == nil)
        #expect(try f.a.history(of: "orders").map(\.errorCategory) == [RunRecord.lostCategory])
        let next = try f.a.acquireLease(of: "orders", holder: f.hostA, wait: nil)
        defer { next.release() }
        #expect(next.epoch == 3)  // the child's, the settling's, this one
    }

    @Test("child process: holds the lease of orders until killed", .enabled(if: ProcessInfo.processInfo.environment[childURL] != nil))
    func leaseHoldingChild() throws {
        let environment = ProcessInfo.processInfo.environment
        let workspace = try PostgresWorkspace.open(url: try #require(environment[Self.childURL]), environment: environment)
        let lease = try workspace.acquireLease(of: "orders", holder: .current(origin: "cli"), wait: nil)
        try workspace.publish(RunSnapshot(name: "orders", type: "demo", holder: lease.holder, updated: Date().timeIntervalSince1970))
        // Held until the parent kills this process (a minute at most, should it not).
        Thread.sleep(forTimeInterval: 60)
        lease.release()
    }
}
