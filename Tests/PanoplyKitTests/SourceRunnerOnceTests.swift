import Foundation
import Testing

@testable import PanoplyKit

/// A ``SourceRunner`` runs once: what a second `run()` does, with a real SDK and source.
@Suite("SourceRunner runs once")
struct SourceRunnerOnceTests {
    @Test("a second run() fails at once saying the runner runs once, and reads and reports nothing")
    func secondRun() async throws {
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport)
        let runner = SourceRunner(
            TrickySource.self, input: SourceInput(type: TrickySource.type, params: [:], destination: "t"),
            sdk: sdk, options: RunOptions(batchSize: 7, readAttempts: 3, retryBase: .milliseconds(5)))
        let events = Task { await runner.events.reduce(into: 0) { n, _ in n += 1 } }
        let first = await runner.run()
        let eventCount = await events.value
        let second = await runner.run()
        try await sdk.close()
        #expect(first.status == .done)
        #expect(first.recordsRead == TrickySource.total)
        #expect(second.status == .failed)
        #expect(second.recordsRead == 0)
        #expect(second.error == SourceRunner.StateMachine.calledTwice)
        #expect(second.error?.message.contains("make a new one") == true)
        #expect(eventCount > 0)
        #expect(sdk.counters.records == TrickySource.total, "the second run read nothing")
    }
}
