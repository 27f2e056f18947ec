import Synchronization
import Testing

@testable import PanoplyKit

private let refused = TransportError(code: "Transport", message: "cannot connect to host (connection refused)", retryable: true)
private let noQueue = TransportError(
    code: "AWS.SimpleQueueService.NonExistentQueue",
    message: "The specified queue does not exist.", status: 400, retryable: false)

@Suite("SDK delivery with a transport double")
struct SDKDeliveryTests {
    @Test("send comes before flush")
    func sendBeforeFlush() async throws {
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        let log = EventLog(sdk)
        try sdk.write("users", ["id": 1])
        try sdk.write("users", ["id": 2])
        try await sdk.flush()
        // flush() may return a moment before the flush event reaches the handlers.
        await eventually("the flush event") { log.trace.count == 2 }
        #expect(log.trace == ["send#1@1", "flush#1"])
        guard case .flush(let info, let id)? = log.all.last else { Issue.record("no flush event"); return }
        #expect(id == "id-1")
        #expect((info.records, info.firstRecord, info.lastRecord) == (2, 1, 2))
        #expect(sdk.deliveredThrough == 2)
        try await sdk.close()
    }

    @Test("a retryable error is reported with willRetry, then the retry is flushed")
    func retryThenFlush() async throws {
        let transport = MockTransport()
        transport.respond { call, ms in
            call == 0 ? .failure(refused) : .results(ms.map { .success("id-\($0.number)") })
        }
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        let log = EventLog(sdk)
        try sdk.write("t", ["id": 1])
        try await sdk.flush()
        await eventually("the flush event") { log.trace.count == 4 }
        #expect(log.trace == ["send#1@1", "error#1 retry", "send#1@2", "flush#1"])
        guard case .error(let info)? = log.all.dropFirst().first else { Issue.record("no error event"); return }
        #expect(info.error.category == .transient)
        #expect(info.error.message.contains("connection refused"))
        let c = sdk.counters
        #expect((c.errors, c.retries, c.sends, c.messages, c.recordsDelivered) == (1, 1, 2, 1, 1))
        try await sdk.close()
    }

    @Test("retries stop after maxRetries and the records are kept as undelivered")
    func retriesExhausted() async throws {
        let transport = MockTransport()
        transport.failAll(refused)
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        let log = EventLog(sdk)
        try sdk.write("t", ["id": 1])
        let error = try await #require(throws: PanoplyError.self) { try await sdk.flush() }
        #expect(error.message.contains("1 record in 1 message was not delivered"))
        #expect(transport.calls.count == 4, "1 attempt + 3 retries")
        #expect(log.trace.last == "error#1 final")
        #expect(sdk.counters.undelivered == 1)
    }

    @Test("a permanent error is kept; flush() names the undelivered count; retryFailed() delivers")
    func permanentErrorThenRetryFailed() async throws {
        let transport = MockTransport()
        transport.failAll(noQueue)
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        let log = EventLog(sdk)
        for i in 1...3 { try sdk.write("t", ["id": .number(JSONNumber(i))]) }
        let error = try await #require(throws: PanoplyError.self) { try await sdk.flush() }
        #expect(error.message.contains("3 records in 1 message were not delivered"))
        #expect(error.message.contains("NonExistentQueue"))
        #expect(error.category == .notFound)
        #expect(log.trace == ["send#1@1", "error#1 final"], "a permanent error is not retried")
        #expect(sdk.counters.undelivered == 3)
        #expect(sdk.deliveredThrough == 0)

        // Flushing again reports the same, without sending anything.
        await #expect(throws: PanoplyError.self) { try await sdk.flush() }
        #expect(transport.calls.count == 1)

        transport.succeedAll()
        sdk.retryFailed()
        try await sdk.flush()
        await eventually("the flush event") { log.trace.last == "flush#1" }
        #expect(log.trace.suffix(2) == ["send#1@1", "flush#1"])
        let c = sdk.counters
        #expect((c.undelivered, c.recordsDelivered, c.buffered, c.inFlight) == (0, 3, 0, 0))
        try await sdk.close()
    }

    @Test("close() throws naming the records left undelivered")
    func closeReportsUndelivered() async throws {
        let transport = MockTransport()
        transport.failAll(noQueue)
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        for i in 1...5 { try sdk.write("t", ["id": .number(JSONNumber(i))]) }
        let error = try await #require(throws: PanoplyError.self) { try await sdk.close() }
        #expect(error.message.contains("5 records"))
        let closed = try #require(throws: PanoplyError.self) { try sdk.write("t", ["id": 6]) }
        #expect(closed.message.contains("closed"))
    }

    @Test("counters add up after several messages")
    func counters() async throws {
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(maxMessageBytes: 2048, concurrency: 2), transport: transport, autoTick: false)
        let padding = String(repeating: "p", count: 150)
        for i in 1...25 { try sdk.write("t", ["id": .number(JSONNumber(i)), "pad": .string(padding)]) }
        try await sdk.flush()
        let sent = transport.sent
        #expect(sent.count > 2)
        #expect(sent.reduce(0) { $0 + $1.recordCount } == 25)
        let c = sdk.counters
        #expect(c.records == 25)
        #expect(c.recordsDelivered == 25)
        #expect(c.messages == sent.count)
        #expect(c.sends == sent.count)
        #expect(c.bytes == sent.reduce(0) { $0 + $1.body.count })
        #expect((c.errors, c.retries, c.inFlight, c.buffered, c.undelivered) == (0, 0, 0, 0, 0))
        #expect(c.summary == "records=25 messages=\(sent.count) bytes=\(c.bytes) errors=0 retries=0")
        try await sdk.close()
    }

    @Test("in-flight and buffered counters while a send is held")
    func countersInFlight() async throws {
        let transport = MockTransport()
        transport.hold()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        for i in 1...4 { try sdk.write("t", ["id": .number(JSONNumber(i))]) }
        let flushing = Task { try await sdk.flush() }
        await eventually("the message to be in flight") { sdk.counters.inFlight == 1 }
        #expect(sdk.counters.buffered == 4)
        transport.release()
        try await flushing.value
        #expect(sdk.counters.inFlight == 0)
        #expect(sdk.counters.buffered == 0)
        try await sdk.close()
    }

    @Test("messages that wait while a send is in flight go out as one SendMessageBatch of at most 10")
    func batchGrouping() async throws {
        let clock = ManualClock()
        let transport = MockTransport(maxBatchCount: 10)
        transport.hold()
        let sdk = try PanoplySDK(Fixture.config(concurrency: 1), transport: transport, now: clock.read, autoTick: false)
        func writeAndSeal(_ i: Int) throws {
            try sdk.write("t", ["id": .number(JSONNumber(i))])
            clock.advance(.seconds(3))
            sdk.tick()
        }
        try writeAndSeal(1)
        await eventually("the first message to be sent") { transport.calls.count == 1 }
        for i in 2...13 { try writeAndSeal(i) }
        transport.release()
        try await sdk.flush()
        #expect(transport.calls.map { $0.map(\.number) } == [[1], Array(2...11), [12, 13]])
        #expect(sdk.counters.messages == 13)
        try await sdk.close()
    }

    @Test("a failed entry of a batch is retried alone")
    func partialBatchFailure() async throws {
        let clock = ManualClock()
        let transport = MockTransport()
        transport.hold()
        transport.respond { call, ms in
            .results(ms.map { m in call == 1 && m.number == 3 ? .failure(refused) : .success("id-\(m.number)") })
        }
        let sdk = try PanoplySDK(Fixture.config(concurrency: 1), transport: transport, now: clock.read, autoTick: false)
        for i in 1...4 {
            try sdk.write("t", ["id": .number(JSONNumber(i))])
            clock.advance(.seconds(3))
            sdk.tick()
            if i == 1 { await eventually("the first message to be sent") { transport.calls.count == 1 } }
        }
        transport.release()
        try await sdk.flush()
        #expect(transport.calls.map { $0.map(\.number) } == [[1], [2, 3, 4], [3]])
        #expect(sdk.counters.recordsDelivered == 4)
        #expect(sdk.counters.retries == 1)
        try await sdk.close()
    }

    @Test("the events() stream carries the same events in order and ends at close()")
    func eventStream() async throws {
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        let stream = sdk.events()
        try sdk.write("t", ["id": 1])
        try await sdk.flush()
        try sdk.write("t", ["id": 2])
        try await sdk.close()
        var kinds: [SDKEvent.Kind] = []
        for await e in stream { kinds.append(e.kind) }
        #expect(kinds == [.send, .flush, .send, .flush])
    }
}
