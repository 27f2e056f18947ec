import Foundation

@testable import PanoplyKit

/// A small, fast, seeded random number generator (SplitMix64), so a seed replays exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An invariant that did not hold, with the step that broke it.
struct SimViolation: Error, CustomStringConvertible {
    var description: String
}

/// The world of one simulated process: the real ``DeliveryState`` (with its real
/// ``Batcher``) and ``CommitLedger``, driven by hand the way ``PanoplySDK`` and
/// ``SourceRunner`` drive them, and the things around them that take time: spool writes,
/// workers with batches in flight, retry backoffs, waiting flushes and writers.
///
/// Everything the machine says is checked against a model of where each record is.
struct SimWorld {
    struct Batch {
        var worker: DeliveryState.WaiterID
        var messages: [OutgoingMessage]
        var attempt = 1
        var backingOff = false
    }

    var rng: SplitMix64
    let spooling: Bool
    let maxRetries: Int
    var machine: DeliveryState
    var ledger = CommitLedger()
    var clock: Duration = .zero
    var nextWaiter: DeliveryState.WaiterID = 1
    var incarnation = 0
    /// The last events, kept only when tracing (a failing seed runs again with it on).
    var trace: [String] = []
    var tracing = false

    // Outside the machine.
    /// Spool files on disk (survive a crash): message number -> body.
    var disk: [UInt64: [UInt8]] = [:]
    /// Spool writes under way.
    var storing: [OutgoingMessage] = []
    /// Spool file (old message number) of each message recovered after a restart.
    var recoveredFrom: [UInt64: UInt64] = [:]
    /// Messages whose spool write failed (sent from memory, as the SDK does).
    var notDurable: Set<UInt64> = []
    var batches: [Batch] = []
    var idleWorkers: [DeliveryState.WaiterID] = []
    var waitingWorkers: Set<DeliveryState.WaiterID> = []
    var stoppedWorkers = 0
    var workerCount = 0
    /// Flushes (and closes) waiting: waiter -> the record they wait for.
    var flushes: [DeliveryState.WaiterID: UInt64] = [:]
    var closeWaiter: DeliveryState.WaiterID?
    var closeFinished = false
    var writersWaiting: Set<DeliveryState.WaiterID> = []
    var writersBlocked = 0

    // The model: what each record of this process is.
    /// Payload of each record sequence number of this process (index seq - 1).
    var payloadOfSeq: [Int] = []
    /// Whether each record (by sequence number, index seq - 1) was acknowledged.
    var ackedSeq: [Bool] = []
    /// Records of this process not acknowledged (the `false`s of `ackedSeq`).
    var unackedCount = 0
    /// Every record up to here is acknowledged (from the model, not the machine).
    var modelDeliveredThrough: UInt64 = 0
    /// Payloads acknowledged in any incarnation.
    var ackedPayloads: Set<Int> = []
    var nextPayload = 1
    /// The record each state the ledger holds covers: (incarnation, seq).

    init(seed: UInt64, tracing: Bool = false) {
        self.tracing = tracing
        var r = SplitMix64(seed: seed)
        let spooling = Bool.random(using: &r)
        self.spooling = spooling
        maxRetries = Int.random(in: 0...2, using: &r)
        machine = Self.makeMachine(spooling: spooling, maxRetries: maxRetries, firstMessage: 1, rng: &r)
        workerCount = Int.random(in: 1...3, using: &r)
        rng = r
        for _ in 0..<workerCount { idleWorkers.append(newWaiter()) }
    }

    static func makeMachine(spooling: Bool, maxRetries: Int, firstMessage: UInt64, rng: inout SplitMix64) -> DeliveryState {
        DeliveryState(
            batcher: Batcher(bodyLimit: Int.random(in: 120...300, using: &rng), flushInterval: .milliseconds(100), firstMessage: firstMessage),
            spooling: spooling, maxBufferedBytes: Int.random(in: 300...900, using: &rng),
            maxBatchCount: Int.random(in: 1...3, using: &rng), maxBatchBytes: 1 << 20,
            retry: RetryPolicy(maxRetries: maxRetries, base: .milliseconds(10), cap: .milliseconds(40)))
    }

    mutating func newWaiter() -> DeliveryState.WaiterID {
        defer { nextWaiter += 1 }
        return nextWaiter
    }

    mutating func note(_ s: @autoclosure () -> String) {
        guard tracing else { return }
        trace.append(s())
        if trace.count > 40 { trace.removeFirst(trace.count - 40) }
    }

    /// The payloads of a body's records (`{"p":N,...}` each).
    static func payloads(_ body: [UInt8]) -> [Int] {
        String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").compactMap { line in
            guard let r = line.range(of: "\"p\":") else { return nil }
            return Int(line[r.upperBound...].prefix { $0.isNumber })
        }
    }
}
