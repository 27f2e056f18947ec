import Testing

@testable import PanoplyKit

/// Encodes a record of exactly `size` bytes including the "\n\n" separator.
private func record(_ size: Int) -> (inout [UInt8]) throws -> Void {
    { $0.append(contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: size - 2)) }
}

@Suite("Batcher")
struct BatcherTests {
    @Test("a message is sealed when the next record would not fit")
    func sealsWhenFull() throws {
        var b = Batcher(bodyLimit: 100, flushInterval: .seconds(2))
        for _ in 0..<3 { #expect(try b.append(now: .zero, encode: record(30)).sealed == nil) }
        let (seq, sealed) = try b.append(now: .zero, encode: record(30))
        #expect(seq == 4)
        let m = try #require(sealed)
        #expect(m.number == 1)
        #expect(m.recordCount == 3)
        #expect(m.body.count == 90)
        #expect((m.firstRecord, m.lastRecord) == (1, 3))
        #expect(b.bufferedRecords == 1)
        let rest = b.seal()
        #expect(rest?.firstRecord == 4)
    }

    @Test("a delivered message's buffer is filled again; a message still holding it keeps its bytes")
    func recycledBuffers() throws {
        var b = Batcher(bodyLimit: 100, flushInterval: .seconds(2))
        func fill(_ byte: UInt8) throws -> OutgoingMessage {
            for _ in 0..<3 { _ = try b.append(now: .zero) { $0.append(contentsOf: [UInt8](repeating: byte, count: 30)) } }
            let sealed = b.seal()
            return try #require(sealed)
        }
        func address(_ a: [UInt8]) -> UnsafeRawPointer? { a.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }

        // Nothing else holds the body: the next message is written into the same memory.
        var first = try fill(UInt8(ascii: "a"))
        let firstAddress = address(first.body)
        b.recycle(&first.body)
        #expect(first.body.isEmpty)
        _ = try fill(UInt8(ascii: "b"))  // into the buffer the Batcher had open already
        let third = try fill(UInt8(ascii: "c"))
        #expect(address(third.body) == firstAddress)
        #expect(third.body == [UInt8]((0..<3).flatMap { _ in [UInt8](repeating: UInt8(ascii: "c"), count: 30) + Batcher.separator }))

        // A copy still holds the body (a failed message kept for retryFailed): it is not touched.
        var fourth = try fill(UInt8(ascii: "d"))
        let kept = fourth
        b.recycle(&fourth.body)
        _ = try fill(UInt8(ascii: "e"))
        _ = try fill(UInt8(ascii: "f"))
        #expect(kept.body.count == 96)
        #expect(kept.body.allSatisfy { $0 == UInt8(ascii: "d") || $0 == 0x0A })
    }

    @Test("a body that fills the limit exactly stays open; one more byte seals it")
    func exactBoundary() throws {
        var b = Batcher(bodyLimit: 100, flushInterval: .seconds(2))
        #expect(try b.append(now: .zero, encode: record(50)).sealed == nil)
        #expect(try b.append(now: .zero, encode: record(50)).sealed == nil)
        #expect(b.bufferedBytes == 100)
        let sealed = try #require(try b.append(now: .zero, encode: record(3)).sealed)
        #expect(sealed.body.count == 100)
        #expect(sealed.recordCount == 2)
    }

    @Test("a record of exactly the limit fits alone; one byte more is an error naming its size")
    func oversizedRecord() throws {
        var b = Batcher(bodyLimit: 100, flushInterval: .seconds(2))
        _ = try b.append(now: .zero, encode: record(10))
        let error = try #require(throws: PanoplyError.self) {
            try b.append(now: .zero, describe: { "record for table 'big'" }, encode: record(101))
        }
        #expect(error.message.contains("record for table 'big' is 101 bytes as JSON"))
        #expect(error.message.contains("100 bytes of body"))
        #expect(error.retryable == false)
        #expect(b.bufferedBytes == 10, "a rejected record leaves the buffer unchanged")
        let sealed = try #require(try b.append(now: .zero, encode: record(100)).sealed)
        #expect(sealed.recordCount == 1)
        #expect(b.bufferedBytes == 100)
    }

    @Test("the flush interval seals a message measured from its first record")
    func flushInterval() throws {
        var b = Batcher(bodyLimit: 1000, flushInterval: .seconds(2))
        let early = b.tick(now: .seconds(100))
        #expect(early == nil, "nothing to seal while empty")
        _ = try b.append(now: .seconds(10), encode: record(10))
        _ = try b.append(now: .seconds(11), encode: record(10))
        #expect(b.deadline == .seconds(12))
        let before = b.tick(now: .milliseconds(11_999))
        #expect(before == nil)
        let due = b.tick(now: .seconds(12))
        let m = try #require(due)
        #expect(m.recordCount == 2)
        #expect(b.deadline == nil)
        _ = try b.append(now: .seconds(20), encode: record(10))
        #expect(b.deadline == .seconds(22))
    }

    @Test("an encoder error leaves the buffer as it was")
    func encoderError() throws {
        var b = Batcher(bodyLimit: 1000, flushInterval: .seconds(2))
        _ = try b.append(now: .zero, encode: record(10))
        #expect(throws: JSONError.self) {
            try b.append(now: .zero) { out in
                out.append(contentsOf: [1, 2, 3])
                throw JSONError(message: "boom", offset: 0)
            }
        }
        #expect(b.bufferedBytes == 10)
        #expect(b.bufferedRecords == 1)
    }
}

@Suite("Batching in the SDK")
struct SDKBatchingTests {
    @Test("the message limit counts the attributes (name, type and value)")
    func limitIncludesAttributes() throws {
        let config = Fixture.config(maxMessageBytes: 2048)
        let attrs =
            "key".utf8.count + 6 + Fixture.apiKey.utf8.count
            + "secret".utf8.count + 6 + Fixture.apiSecret.utf8.count
            + "sdk".utf8.count + 6 + "panoply-swift-\(PanoplyKitVersion.string)".utf8.count
        #expect(config.attributeBytes == attrs)
        let sdk = try PanoplySDK(config, transport: MockTransport(), autoTick: false)
        let bodyLimit = 2048 - attrs
        #expect(sdk.state.withLock { $0.machine.bodyLimit } == bodyLimit)

        // {"s":"…","__table":"t"} plus "\n\n" is 24 bytes around the padding.
        let fits: JSONObject = ["s": .string(String(repeating: "a", count: bodyLimit - 24))]
        try sdk.write("t", fits)
        #expect(sdk.state.withLock { $0.machine.bufferedBytes } == bodyLimit)
        let tooBig: JSONObject = ["s": .string(String(repeating: "a", count: bodyLimit - 23))]
        let error = try #require(throws: PanoplyError.self) { try sdk.write("t", tooBig) }
        #expect(error.message.contains("record for table 't' is \(bodyLimit + 1) bytes"))
        #expect(sdk.counters.records == 1)
    }

    @Test("the SDK seals by the flush interval of its injected clock")
    func injectedClock() async throws {
        let clock = ManualClock()
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, now: clock.read, autoTick: false)
        try sdk.write("t", ["id": 1])
        clock.advance(.milliseconds(1999))
        sdk.tick()
        #expect(transport.calls.isEmpty)
        clock.advance(.milliseconds(1))
        sdk.tick()
        await eventually("the sealed message to be sent") { transport.calls.count == 1 }
        #expect(transport.sent.first?.recordCount == 1)
        try await sdk.close()
    }
}

@Suite("RetryPolicy")
struct RetryPolicyTests {
    @Test("the ceiling doubles from the base up to the cap")
    func schedule() {
        let p = RetryPolicy(maxRetries: 10, base: .milliseconds(200), cap: .seconds(15))
        let ceilings = (1...9).map { p.ceiling(forRetry: $0) }
        #expect(
            ceilings == [
                .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                .milliseconds(3200), .milliseconds(6400), .milliseconds(12800), .seconds(15), .seconds(15)
            ])
        #expect(p.ceiling(forRetry: 1000) == .seconds(15), "huge attempt numbers do not overflow")
    }

    @Test("full jitter: the delay is the ceiling times a draw clamped to 0...1")
    func jitter() {
        let p = RetryPolicy(base: .milliseconds(200), cap: .seconds(15))
        #expect(p.delay(forRetry: 3, random: 0) == .zero)
        #expect(p.delay(forRetry: 3, random: 1) == .milliseconds(800))
        #expect(p.delay(forRetry: 3, random: 0.5) == .milliseconds(400))
        #expect(p.delay(forRetry: 3, random: 7) == .milliseconds(800))
        #expect(p.delay(forRetry: 3, random: -1) == .zero)
    }

    @Test("attempts are allowed up to maxRetries retries")
    func maxRetries() {
        let p = RetryPolicy(maxRetries: 3)
        #expect((1...5).map { p.allowsRetry(afterAttempt: $0) } == [true, true, true, false, false])
    }
}
