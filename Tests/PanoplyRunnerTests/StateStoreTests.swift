import Foundation
import PanoplyKit
import Testing

@Suite("State store")
struct StateStoreTests {
    static func rows(_ ids: ClosedRange<Int>) -> [JSONObject] { ids.map { ["id": .number(JSONNumber($0))] } }

    static var options: RunOptions {
        var o = RunOptions.fast
        o.commitInterval = .zero
        return o
    }

    @Test("a save that throws LostLease stops the run: it ends failed with that message, saves nothing more, and delivers what it read")
    func lostLeaseStopsTheRun() async throws {
        let store = MemoryStateStore(lostAt: 2)
        let script = StepStoreSource.install(.init(batches: [Self.rows(1...3), Self.rows(4...6)], store: store))
        var options = Self.options
        options.stateStore = store
        let transport = GatedTransport()
        let sdk = try testSDK(transport)
        let runner = SourceRunner(StepStoreSource.self, input: storeInput(script), sdk: sdk, options: options)
        async let collected = collect(runner.events)
        // Without the lost lease this run would wait for ever after its second batch.
        let summary = await runner.run()
        let events = await collected

        #expect(summary.status == .failed)
        #expect(summary.error?.message == MemoryStateStore.lost.message)
        #expect(summary.error?.retryable == false)
        #expect(store.attempts == [["loaded": 3], ["loaded": 6]])
        #expect(store.stored == ["loaded": 3])
        #expect(transport.records.map { $0["id"] } == (1...6).map { .number(JSONNumber($0)) })
        #expect(summary.counters.undelivered == 0)
        // Only the state that was saved is reported as saved.
        let saved: [JSONObject] = events.compactMap { if case .state(let s) = $0 { s } else { nil } }
        #expect(saved == [["loaded": 3]])
        #expect(events.contains { if case .log(let l) = $0 { l.hasPrefix(MemoryStateStore.lost.message + ": stopping the run") } else { false } })
        guard case .failed(let e)? = events.last else { Issue.record("the last event is \(String(describing: events.last))"); return }
        #expect(e.message == MemoryStateStore.lost.message)
    }

    @Test("a save that fails otherwise is logged and the run goes on to its end")
    func otherSaveErrorsAreLogged() async throws {
        let store = FailingStateStore()
        let script = ScriptedSource.install([.records(Self.rows(1...2), stateId: "a", state: ["n": 2])])
        var options = Self.options
        options.stateStore = store
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(GatedTransport()), options: options)
        async let collected = collect(runner.events)
        let summary = await runner.run()
        let events = await collected
        #expect(summary.status == .done)
        #expect(summary.state == ["n": 2])
        #expect(events.contains { if case .log(let l) = $0 { l == "cannot save state: disk full" } else { false } })
    }

    @Test("a run resumes from the state its custom store holds, and saves the new one there")
    func resumesThroughACustomStore() async throws {
        let store = MemoryStateStore(["loaded": 3])
        let script = StepStoreSource.install(.init(batches: [Self.rows(4...5)], store: store, ends: true))
        var options = Self.options
        options.stateStore = store
        #expect(options.stateFile == nil)
        let transport = GatedTransport()
        let runner = SourceRunner(StepStoreSource.self, input: storeInput(script), sdk: try testSDK(transport), options: options)
        let summary = await runner.run()
        #expect(summary.status == .done)
        #expect(StepStoreSource.openedState(script) == .some(["loaded": 3]))
        #expect(store.stored == ["loaded": 5])
        #expect(transport.records.count == 2)
    }

    @Test("a state file store saves and loads the same object, and names its file")
    func stateFileStoreRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = StateFileStore(path: dir + "/sub/state.json")
        #expect(store.location == dir + "/sub/state.json")
        #expect(try store.load() == nil)
        let state: JSONObject = ["orders": ["after": "2024-01-02", "n": 12], "__finished": ["a", "b"], "__params": ["token": "t2"]]
        try store.save(state)
        #expect(try store.load() == state)
        #expect(try StateFile.load(store.path) == state)
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        var options = RunOptions(stateFile: store.path)
        #expect((options.stateStore as? StateFileStore)?.path == store.path)
        #expect(options.stateFile == store.path)
        options.stateFile = nil
        #expect(options.stateStore == nil)
    }
}

/// A store that cannot save (a full disk).
private struct FailingStateStore: StateStore {
    let location = "full disk"
    func load() throws -> JSONObject? { nil }
    func save(_ state: JSONObject) throws { throw PanoplyError.config("disk full") }
}
