import Foundation
import PanoplyKit
import Testing

@Suite("Source runner")
struct SourceRunnerTests {
    static func rows(_ ids: ClosedRange<Int>) -> [JSONObject] { ids.map { ["id": .number(JSONNumber($0))] } }

    @Test("retryable read errors are retried up to three attempts, then the run fails")
    func retriesRetryableErrorsThreeTimes() async throws {
        let e = PanoplyError(.transient, "flaky")
        let script = ScriptedSource.install([.fail(e), .fail(e), .fail(e), .records(Self.rows(1...1), stateId: "a", state: [:])])
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(GatedTransport()), options: .fast)
        async let collected = collect(runner.events)
        let summary = await runner.run()
        let events = await collected
        #expect(summary.status == .failed)
        #expect(summary.error?.message == "flaky")
        #expect(events.filter { if case .retrying = $0 { true } else { false } }.count == 2)
        #expect(ScriptedSource.reads(script) == 3)
        #expect(ScriptedSource.closed(script))
    }

    @Test("a retryable error followed by success completes with one retry event")
    func recoversAfterOneRetry() async throws {
        let script = ScriptedSource.install([.fail(PanoplyError(.rateLimit, "slow down")), .records(Self.rows(1...3), stateId: "a", state: ["k": 1])])
        let transport = GatedTransport()
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(transport), options: .fast)
        async let collected = collect(runner.events)
        let summary = await runner.run()
        let events = await collected
        #expect(summary.status == .done)
        #expect(events.filter { if case .retrying = $0 { true } else { false } }.count == 1)
        #expect(transport.records.count == 3)
    }

    @Test("fatal errors are not retried")
    func fatalErrorsAreNotRetried() async throws {
        let script = ScriptedSource.install([.fail(PanoplyError(.auth, "bad password")), .records(Self.rows(1...1), stateId: "a", state: [:])])
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(GatedTransport()), options: .fast)
        let summary = await runner.run()
        #expect(summary.status == .failed)
        #expect(summary.error?.code == 401)
        #expect(ScriptedSource.reads(script) == 1)
    }

    @Test("states merge: a later state for a key replaces it, other keys accumulate")
    func statesMerge() async throws {
        let script = ScriptedSource.install([
            .records(Self.rows(1...2), stateId: "s1", state: ["users": ["loaded": 2]]),
            .records(Self.rows(3...4), stateId: "s2", state: ["orders": ["loaded": 2]]),
            .records(Self.rows(5...6), stateId: "s3", state: ["users": ["loaded": 4]])
        ])
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(GatedTransport()), options: .fast)
        let summary = await runner.run()
        #expect(summary.status == .done)
        #expect(summary.state == ["users": ["loaded": 4], "orders": ["loaded": 2]])
    }

    @Test("every record carries __state with the id of the state reported for its batch")
    func everyRecordCarriesState() async throws {
        let script = ScriptedSource.install([
            .records(Self.rows(1...3), stateId: "first", state: ["n": 3]),
            .records(Self.rows(4...5), stateId: "second", state: ["n": 5])
        ])
        let transport = GatedTransport()
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(transport), options: .fast)
        _ = await runner.run()
        let records = transport.records
        #expect(records.count == 5)
        #expect(records.map { $0["__state"] } == ["first", "first", "first", "second", "second"])
        #expect(records.allSatisfy { $0["__table"] == "t" })
    }

    @Test("a state is committed only after the destination acknowledged its records")
    func checkpointWaitsForAcknowledgement() async throws {
        let script = ScriptedSource.install([.records(Self.rows(1...10), stateId: "a", state: ["next": 11]), .hang])
        let transport = GatedTransport(open: false)
        let sdk = try testSDK(transport)
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: sdk, options: .fast)
        let run = Task { await runner.run() }
        // Wait until the records were written and sealed; none can be acknowledged yet.
        try await waitUntil { sdk.counters.sends >= 1 }
        #expect(runner.committedState == [:])
        #expect(sdk.deliveredThrough == 0)
        transport.setOpen(true)
        try await waitUntil { runner.committedState == ["next": 11] }
        runner.cancel()
        let summary = await run.value
        #expect(summary.status == .cancelled)
        #expect(summary.state == ["next": 11])
    }

    @Test("run() returns only once the state file holds the committed state (the committer that took the last commit is waited for)")
    func stateFileWrittenBeforeTheEnd() async throws {
        let dir = NSTemporaryDirectory() + "panoply-runner-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The race is between the committer woken by the last acknowledgement and the end
        // of the run: many short runs give it many chances (without the fix the first run
        // failed here; the test can only fail by chance, not on every run).
        for i in 1...200 {
            let file = dir + "/state-\(i).json"
            let script = ScriptedSource.install([.records(Self.rows(1...3), stateId: "a", state: ["next": .number(JSONNumber(i))])])
            var options = RunOptions.fast
            options.stateFile = file
            let sdk = try testSDK(GatedTransport())
            let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: sdk, options: options)
            let summary = await runner.run()
            try await sdk.close()
            #expect(summary.status == .done)
            let saved = try StateFile.load(file)
            #expect(saved == summary.state, "run \(i): the state file holds \(String(describing: saved)), the summary \(summary.state)")
            if saved != summary.state { break }
        }
    }

    @Test("cancel in the middle of a read stops it, closes the source and flushes what was read")
    func cancelInTheMiddleOfARead() async throws {
        let script = ScriptedSource.install([.records(Self.rows(1...5), stateId: "a", state: ["next": 6]), .hang])
        let transport = GatedTransport()
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(transport), options: .fast)
        let run = Task { await runner.run() }
        try await waitUntil { ScriptedSource.reads(script) == 2 }
        runner.cancel()
        let summary = await run.value
        #expect(summary.status == .cancelled)
        #expect(ScriptedSource.closed(script))
        #expect(transport.records.count == 5)
        #expect(summary.state == ["next": 6])
    }
}

/// Collects every event of a stream until it finishes.
func collect<S: AsyncSequence & Sendable>(_ s: S) async -> [S.Element] where S.Element: Sendable {
    var out: [S.Element] = []
    do { for try await e in s { out.append(e) } } catch {}
    return out
}

struct Timeout: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` until it holds, failing after `deadline`.
func waitUntil(_ deadline: Duration = .seconds(10), _ condition: @Sendable () -> Bool) async throws {
    let end = ContinuousClock.now + deadline
    while !condition() {
        if ContinuousClock.now > end { throw Timeout(description: "condition not met within \(deadline)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

@Suite("Source runner, encoded batches")
struct EncodedRunnerTests {
    /// Records of about 700 bytes, so that each fills a 1 KiB message alone.
    static func rows(_ ids: ClosedRange<Int>) -> [JSONObject] {
        ids.map { ["id": .number(JSONNumber($0)), "pad": .string(String(repeating: "x", count: 700))] }
    }

    @Test("a batch read ahead joins the committed state only once its own records are acknowledged")
    func readAheadStateWaitsForItsRecords() async throws {
        let script = EncodedScriptedSource.install([
            .records(Self.rows(1...10), stateId: "a", state: ["next": 11]),
            .records(Self.rows(11...20), stateId: "b", state: ["next": 21]),
            .hang
        ])
        // Records 1...10 are acknowledged; the messages of 11...20 are held.
        let transport = IdGateTransport(through: 10)
        var c = SDKConfiguration(credentials: nil, destination: .outbox("/nonexistent-unused"))
        c.flushInterval = .milliseconds(20)
        c.maxMessageBytes = 1024
        let sdk = try PanoplySDK(c, transport: transport)
        let input = SourceInput(type: EncodedScriptedSource.type, params: ["script": .string(script)], destination: "t")
        let runner = SourceRunner(EncodedScriptedSource.self, input: input, sdk: sdk, options: .fast)
        let run = Task { await runner.run() }
        // Both batches are read and written (the third read waits), the first acknowledged.
        try await waitUntil { EncodedScriptedSource.reads(script) >= 2 && sdk.counters.records == 20 && sdk.deliveredThrough >= 10 }
        try await waitUntil { runner.committedState != [:] }
        #expect(runner.committedState == ["next": 11])
        #expect(sdk.deliveredThrough == 10)
        transport.release()
        try await waitUntil { runner.committedState == ["next": 21] }
        runner.cancel()
        let summary = await run.value
        #expect(summary.state == ["next": 21])
    }

    @Test("each record of an encoded batch carries its own batch's __state, not the one read ahead")
    func recordsCarryTheirBatchState() async throws {
        let script = EncodedScriptedSource.install([
            .records(SourceRunnerTests.rows(1...3), stateId: "first", state: ["n": 3]),
            .records(SourceRunnerTests.rows(4...5), stateId: "second", state: ["n": 5])
        ])
        let transport = GatedTransport()
        let input = SourceInput(type: EncodedScriptedSource.type, params: ["script": .string(script)], destination: "t")
        let runner = SourceRunner(EncodedScriptedSource.self, input: input, sdk: try testSDK(transport), options: .fast)
        let summary = await runner.run()
        #expect(summary.status == .done)
        #expect(summary.state == ["n": 5])
        #expect(transport.records.map { $0["__state"] } == ["first", "first", "first", "second", "second"])
        #expect(transport.records.allSatisfy { $0["__table"] == "t" })
    }
}
