import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// The watcher of runs owned by other processes, on a config folder.
@Suite("Runs owned elsewhere, followed to their end", .serialized)
@MainActor
struct ExternalRunsWatcherTests {
    @Test("the end of a retry (r) of a run owned elsewhere is its history row, though the row keeps the first run's start")
    func retriedRunEndsWithItsRow() throws {
        let store = FolderWorkspace(directory: try temporaryDirectory().path)
        try store.saveSources([SavedSource(name: "Nightly", type: "demo", values: [:])])
        let since = Date().timeIntervalSince1970
        // Another UI (another pid) took the source to retry a run that started 100 s before.
        let other = LeaseHolder(pid: 1, host: "host-b", origin: "ui", since: since)
        let lease = try store.acquireLease(of: "Nightly", holder: other, wait: nil)
        try store.publish(RunSnapshot(name: "Nightly", type: "demo", holder: other, updated: since))
        let watcher = ExternalRunsWatcher(store: store)
        guard case .externalRuns(let running, _)? = watcher.poll(now: 0, names: ["Nightly"]) else {
            Issue.record("the run owned elsewhere was not found")
            return
        }
        #expect(running.map(\.holder) == [other])

        // It ends as a UI records it: the row (started with the run it continued), then the
        // snapshot cleared, then the lease released.
        let row = RunRecord(started: since - 100, ended: since + 5, status: .cancelled, origin: "ui")
        try store.appendHistory(row, to: "Nightly")
        store.clearSnapshot(of: "Nightly")
        lease.release()
        guard case .externalRuns(let still, let ended)? = watcher.poll(now: 2, names: ["Nightly"]) else {
            Issue.record("the end of the run owned elsewhere was not seen")
            return
        }
        #expect(still.isEmpty)
        #expect(ended["Nightly"] == .some(row), "\(ended)")
    }
}
