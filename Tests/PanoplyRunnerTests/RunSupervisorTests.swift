import PanoplyKit
import Synchronization
import Testing

@testable import PanoplyTUI

/// The supervisor that owns every run of a process: a run that ends, and shutdown's three
/// steps (ask, cancel after the grace, give up), each with its exit code.
@Suite("Run supervisor")
struct RunSupervisorTests {
    /// A latch a test opens at its end, so work that ignores everything can be let go.
    final class Latch: Sendable {
        private let gate = Once<Void>()
        func open() { gate.set(()) }
        func wait() async { await gate.value }
    }

    @Test("a run that ends on its own keeps its code and closes its SDK")
    func finishes() async throws {
        let supervisor = RunSupervisor()
        let sdk = try testSDK(GatedTransport())
        let run = try #require(
            await supervisor.start(1, sdk: sdk, closeTimeout: .seconds(5)) {
            } work: {
                7
            })
        let ending = await run.ending.value
        #expect(ending == RunEnding(kind: .finished, workCode: 7, undelivered: nil))
        #expect(ending.code == 7)
        #expect(await supervisor.active == 0)
    }

    @Test("shutdown asks each run to stop; one that heeds it ends with its own code")
    func stopHeeded() async throws {
        let supervisor = RunSupervisor()
        let stopped = Latch()
        let run = try #require(
            await supervisor.start(1, sdk: try testSDK(GatedTransport()), closeTimeout: nil) {
                stopped.open()
            } work: {
                await stopped.wait()
                return 5
            })
        let endings = await supervisor.shutdown(grace: .seconds(30))
        #expect(endings[1] == RunEnding(kind: .finished, workCode: 5, undelivered: nil))
        #expect(await run.ending.value.code == 5)
    }

    @Test("a run that ignores the stop request is cancelled after the grace and keeps the code it returns")
    func cancelledAfterGrace() async throws {
        let supervisor = RunSupervisor(cancelGrace: .seconds(30))
        let clock = ContinuousClock(), start = clock.now
        let run = try #require(
            await supervisor.start(1, sdk: try testSDK(GatedTransport()), closeTimeout: nil) {
            } work: {
                // Ignores the stop request; only task cancellation ends the sleep.
                try? await Task.sleep(for: .seconds(3600))
                return Task.isCancelled ? 4 : 0
            })
        let endings = await supervisor.shutdown(grace: .milliseconds(200))
        #expect(endings[1] == RunEnding(kind: .cancelledAfterGrace, workCode: 4, undelivered: nil))
        #expect(await run.ending.value.code == 4)
        #expect(clock.now - start >= .milliseconds(200))
    }

    @Test("a run that hangs through the cancel is given up on: exit 1, with the reason")
    func hangsThenGivenUp() async throws {
        let supervisor = RunSupervisor(cancelGrace: .milliseconds(100))
        let release = Latch()
        defer { release.open() }
        _ = try #require(
            await supervisor.start(1, sdk: try testSDK(GatedTransport()), closeTimeout: nil) {
            } work: {
                await release.wait()  // neither the stop request nor cancellation ends it
                return 0
            })
        let ending = try #require(await supervisor.shutdown(grace: .milliseconds(100))[1])
        #expect(ending.kind == .gaveUp)
        #expect(ending.workCode == nil && ending.undelivered == nil)
        #expect(ending.code == Exit.runFailed)
        #expect(ending.didNotEndNote?.contains("the shutdown timeout of 0.1s passed") == true)
    }

    @Test("records the destination never took make a given-up run exit 3")
    func undeliveredGivenUp() async throws {
        let supervisor = RunSupervisor(cancelGrace: .milliseconds(100))
        let sdk = try testSDK(DownTransport())
        _ = try #require(
            await supervisor.start(1, sdk: sdk, closeTimeout: nil) {
            } work: {
                try? sdk.write("t", ["id": 1])
                return 0
            })
        let ending = try #require(await supervisor.shutdown(grace: .milliseconds(200))[1])
        #expect(ending.undelivered != nil)
        #expect(ending.code == Exit.undelivered)
    }

    @Test("a work that was asked to stop and never returns ends with its stopped code once delivered")
    func codeWhenStopped() async throws {
        let supervisor = RunSupervisor(cancelGrace: .milliseconds(50))
        let release = Latch()
        defer { release.open() }
        _ = try #require(
            await supervisor.start(1, sdk: try testSDK(GatedTransport()), closeTimeout: nil, codeWhenStopped: 0) {
            } work: {
                await release.wait()
                return 9
            })
        let ending = try #require(await supervisor.shutdown(grace: .milliseconds(50))[1])
        #expect(ending.kind == .gaveUp && ending.code == 0)
    }

    @Test("after shutdown began no run starts, and a second give-up changes nothing")
    func refusesAfterShutdown() async throws {
        let supervisor = RunSupervisor()
        _ = await supervisor.shutdown(grace: .milliseconds(10))
        let run = await supervisor.start(1, sdk: try testSDK(GatedTransport()), closeTimeout: nil) {
        } work: {
            0
        }
        #expect(run == nil)
        await supervisor.giveUpAll(reason: "again")
        #expect(await supervisor.active == 0)
    }
}

/// A destination that is down: every send fails with a retryable error.
private struct DownTransport: MessageTransport {
    let maxBatchCount = 1
    let maxBatchBytes = Int.max

    func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        messages.map { _ in .failure(TransportError(code: "Transport", message: "connection refused", retryable: true)) }
    }
}
