import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

@Suite("The run coordinator")
@MainActor
struct RunCoordinatorTests {
    let dir: URL
    let inbox = Inbox()
    let coordinator: RunCoordinator
    /// Where runs are prepared (the UI loop's `records` queue).
    let queue = DispatchQueue(label: "test.run-coordinator.records")

    init() throws {
        dir = try temporaryDirectory()
        coordinator = RunCoordinator(registry: SourceRegistry([DemoSource.self]), store: FolderWorkspace(directory: dir.path), inbox: inbox)
    }

    func request(_ id: RunID, params: [String: JSONValue], type: String = "demo") -> RunRequest {
        RunRequest(id: id, sourceName: "Demo", type: type, params: params, table: "demo", state: nil, attempt: 1)
    }

    var outbox: DestinationSettings { DestinationSettings(kind: .outbox, outbox: dir.appendingPathComponent("out").path) }

    /// Drains the inbox until `done` holds for the events so far (within `limit`).
    func events(until done: ([AppEvent]) -> Bool, within limit: Duration = .seconds(60)) async throws -> [AppEvent] {
        var all = inbox.drain()
        let deadline = ContinuousClock.now + limit
        while !done(all) {
            if ContinuousClock.now > deadline { throw TestFailure("timed out after \(limit); \(all.count) events so far") }
            try await Task.sleep(for: .milliseconds(10))  // polls the inbox, as the UI loop does
            all += inbox.drain()
        }
        return all
    }

    static func closed(_ events: [AppEvent]) -> (RunID, String?)? {
        for e in events { if case .runClosed(let id, let error) = e { return (id, error) } }
        return nil
    }

    @Test("a run streams its events to the inbox, ends completed, then reports its SDK closed")
    func runToCompletion() async throws {
        coordinator.start(request(1, params: ["rows": 200]), afterEnded: true, on: queue) { [outbox] in outbox }
        let events = try await events { Self.closed($0) != nil }
        let completed = events.contains {
            if case .run(1, .completed(let s)) = $0 { return s.recordsRead == 200 }; return false
        }
        #expect(completed)
        #expect(Self.closed(events)?.0 == 1)
        #expect(Self.closed(events)?.1 == nil, "the SDK closed with everything delivered")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
        #expect(!files.isEmpty)
    }

    @Test("cancel stops a slow run, which ends cancelled with its SDK closed")
    func cancelStopsTheRun() async throws {
        coordinator.start(request(2, params: ["rows": 1_000_000, "delay_ms": 20]), afterEnded: true, on: queue) { [outbox] in outbox }
        _ = try await events {
            $0.contains {
                if case .run(2, .started) = $0 { return true }; return false
            }
        }
        coordinator.cancel(2)
        let events = try await events { Self.closed($0) != nil }
        #expect(
            events.contains {
                if case .run(2, .cancelled) = $0 { return true }; return false
            })
    }

    @Test("an unknown type or an unusable destination fails the start with a message saying what to fix")
    func startFailures() async throws {
        coordinator.start(request(3, params: [:], type: "nosuch"), afterEnded: true, on: queue) { [outbox] in outbox }
        var bad = outbox
        bad.kind = .panoply
        bad.apiKey = "no-slash"
        bad.apiSecret = "x"
        coordinator.start(request(4, params: [:]), afterEnded: true, on: queue) { [bad] in bad }
        func failures(_ events: [AppEvent]) -> [(RunID, String)] {
            events.compactMap { e -> (RunID, String)? in
                if case .runStartFailed(let id, let m) = e { return (id, m) }; return nil
            }
        }
        let messages = failures(try await events { failures($0).count == 2 })
        #expect(messages.count == 2)
        #expect(messages.first { $0.0 == 3 }?.1.contains("unknown source type 'nosuch'") == true)
        #expect(messages.first { $0.0 == 4 }?.1.contains("press Esc, then d to fix it") == true)
    }

    @Test("a run is prepared on its queue, not the MainActor; one cancelled while it waits there starts and ends cancelled")
    func preparedOffTheMainActor() async throws {
        let held = DispatchSemaphore(value: 0)
        queue.async { held.wait() }  // the queue busy: a workspace that does not answer
        coordinator.start(request(5, params: ["rows": 1_000_000, "delay_ms": 20]), afterEnded: true, on: queue) { [outbox] in outbox }
        // The MainActor is free meanwhile: this test runs on it.
        #expect(inbox.drain().isEmpty, "nothing started while the queue is held")
        coordinator.cancel(5)
        held.signal()
        let events = try await events { Self.closed($0) != nil }
        #expect(
            events.contains {
                if case .run(5, .cancelled) = $0 { return true }; return false
            })
        #expect(Self.closed(events)?.0 == 5)
    }

    @Test("a retry while the cancelled run still holds its source's lease waits for that run to close, then starts")
    func retryWaitsForTheLease() async throws {
        coordinator.start(request(2, params: ["rows": 1_000_000, "delay_ms": 20]), afterEnded: true, on: queue) { [outbox] in outbox }
        _ = try await events {
            $0.contains {
                if case .run(2, .started) = $0 { return true }; return false
            }
        }
        coordinator.cancel(2)
        _ = try await events { Self.closed($0)?.0 == 2 }
        // The loop has not seen run 2 closed: its lease is still held.
        coordinator.start(request(6, params: ["rows": 100]), afterEnded: true, on: queue) { [outbox] in outbox }
        queue.sync {}  // what preparing it at once would have posted is in the inbox now
        let before = inbox.drain()
        #expect(
            !before.contains {
                if case .runStartFailed(6, _) = $0 { return true }; return false
            }, "\(before)")
        coordinator.closed(2, on: queue)
        let after = try await events { Self.closed($0)?.0 == 6 }
        #expect(
            !after.contains {
                if case .runStartFailed = $0 { return true }; return false
            }, "\(after)")
        #expect(
            after.contains {
                if case .run(6, .completed) = $0 { return true }; return false
            })
    }
}
