import Foundation
import PanoplyWorkspace
import Synchronization
import Testing

@Suite("Lease")
struct LeaseTests {
    static let holder = LeaseHolder(pid: 42, host: "host-a", origin: "cli", since: 0)

    @Test("a lease runs its release once, however often and from however many tasks it is released")
    func releasesOnce() async {
        let count = Mutex(0)
        let lease = Lease(name: "Demo", holder: Self.holder, epoch: 7) { count.withLock { $0 += 1 } }
        #expect(lease.epoch == 7)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { lease.release() } }
        }
        lease.release()
        #expect(count.withLock { $0 } == 1)
    }

    @Test("a lease that is dropped without release() is released, with epoch 0 by default")
    func dropReleases() {
        let count = Mutex(0)
        do {
            let lease = Lease(name: "Demo", holder: Self.holder) { count.withLock { $0 += 1 } }
            #expect(lease.epoch == 0)
        }
        #expect(count.withLock { $0 } == 1)
    }

    @Test("a lock file lease holds the flock until released, names its holder, and frees it once")
    func lockFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lease-\(UUID().uuidString).lock").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lease = try LockFile.acquire(path, name: "Demo", holder: Self.holder, wait: nil)
        #expect(lease.epoch == 0)
        #expect(LockFile.isHeld(path))
        #expect(LockFile.holderOf(path) == Self.holder)
        #expect(throws: LeaseBusy(name: "Demo", holder: Self.holder)) {
            try LockFile.acquire(path, name: "Demo", holder: Self.holder, wait: nil)
        }
        lease.release()
        #expect(!LockFile.isHeld(path))
        lease.release()
        let again = try LockFile.acquire(path, name: "Demo", holder: Self.holder, wait: nil)
        #expect(LockFile.isHeld(path))
        again.release()
    }
}
