import Foundation
import Testing

@testable import PanoplyKit

/// The runner's per-resource bookkeeping stays the same as a recomputation over every
/// resource, while each change costs the same however many resources there are.
@Suite("Resource board and ledger at scale")
struct ResourceBoardTests {
    /// `overall` recomputed over every resource, the way it was before it was kept as sums.
    static func recomputed(_ board: ResourceBoard) -> (loaded: Int, total: Int?, message: String) {
        let all = board.order.compactMap { board[$0] }
        let loaded = all.reduce(0) { $0 + $1.loaded }
        let totals = all.compactMap(\.total)
        let total = totals.count == all.count ? totals.reduce(0, +) : nil
        let done = all.filter { $0.status == .done }.count
        let failed = all.filter { $0.status == .failed }.count
        return (loaded, total, "\(done)/\(all.count) resources done\(failed > 0 ? ", \(failed) failed" : ""), \(loaded) records")
    }

    @Test("the overall totals equal a recomputation over every resource after each of random updates", arguments: [1, 2, 3, 4, 5])
    func overallMatchesRecomputation(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var board = ResourceBoard()
        let ids = (0..<40).map { "t\($0)" }
        for _ in 0..<3_000 {
            let id = ids.randomElement(using: &rng)!
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: _ = board.status(id, ResourceStatus.allCases.randomElement(using: &rng)!)
            case 1: _ = board.written(id, Int.random(in: 0..<100, using: &rng))
            case 2:
                _ = board.reported(
                    id, loaded: Bool.random(using: &rng) ? Int.random(in: 0..<1_000, using: &rng) : nil,
                    total: Bool.random(using: &rng) ? Int.random(in: 0..<5_000, using: &rng) : nil, message: "")
            default: _ = board.status(id, .failed, message: "broken", error: PanoplyError(.transient, "broken"))
            }
            let want = Self.recomputed(board)
            let got = board.overall
            #expect(got.loaded == want.loaded && got.total == want.total && got.message == want.message)
            if got.loaded != want.loaded || got.total != want.total || got.message != want.message { return }
        }
    }

    @Test("30,000 resources started, written and finished through the runner's machine take linear time, not a copy of every resource per event")
    func manyResourcesCostLinearTime() {
        typealias Machine = SourceRunner.StateMachine
        var m = Machine()
        let ids = (0..<30_000).map { "public.t\($0)" }
        let started = ContinuousClock.now
        _ = m.resourcesPlanned(ids, finished: [], state: nil)
        var seq: UInt64 = 0
        for id in ids {
            _ = m.resourceStarted(id)
            seq += 1
            m.recordWritten(seq)
            _ = m.resourceWritten(id, count: 1, state: ["last": .number(JSONNumber(Int(seq)))])
            _ = m.resourceReported(id, loaded: 1, total: 1, message: "")
            _ = m.resourceFinished(id)
            if seq % 1_000 == 0 { _ = m.acknowledged(through: seq) }
        }
        let elapsed = ContinuousClock.now - started
        // Linear: about a second in a debug build. One copy of the board per resource end
        // (quadratic) took 9 s at 20,000 resources; one per event, far longer.
        #expect(elapsed < .seconds(8), "\(elapsed)")
        #expect(m.board.overall.message == "30000/30000 resources done, 30000 records")
    }

    @Test("per-resource changes commit the same states as whole-state snapshots did, under random acknowledgements", arguments: [7, 8, 9])
    func partsCommitLikeSnapshots(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let start: JSONObject = ["t0": .object(["at": 3]), ResourcePlan.finishedKey: .array(["t9"]), "__params": .object(["k": "v"])]
        var parts = CommitLedger(committed: start, savedParams: ["k": "v"])
        var snapshots = CommitLedger(committed: start, savedParams: ["k": "v"])
        var runState = start
        var seq: UInt64 = 0
        for _ in 0..<2_000 {
            let id = "t\(Int.random(in: 0..<12, using: &rng))"
            seq += UInt64.random(in: 0...2, using: &rng)
            parts.recordWritten(seq)
            snapshots.recordWritten(seq)
            if Int.random(in: 0..<5, using: &rng) == 0 {
                ResourcePlan.markFinished(id, in: &runState)
                parts.resourceFinished(id)
            } else {
                let state: JSONObject = ["at": .number(JSONNumber(Int(seq)))]
                runState[id] = .object(state)
                parts.partRead(id, state)
            }
            snapshots.stateRead(runState)
            let through = UInt64.random(in: 0...seq, using: &rng)
            #expect(parts.acknowledged(through: through) == snapshots.acknowledged(through: through))
            #expect(parts.committed == snapshots.committed)
            if parts.committed != snapshots.committed { return }
        }
        #expect(parts.completed() == snapshots.completed())
        #expect(parts.committed[ResourcePlan.finishedKey] == nil)
    }
}
