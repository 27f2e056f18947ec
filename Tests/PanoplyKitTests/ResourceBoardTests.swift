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
