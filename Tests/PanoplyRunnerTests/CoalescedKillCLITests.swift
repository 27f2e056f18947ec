import Foundation
import PanoplyKit
import Testing

/// A SIGKILL during a run over many tables with coalesced commits (the default
/// `--commit-interval` of 1 s), then the same command again: every row arrives, and only
/// rows after the last durable commit come twice (#31).
@Suite("Coalesced commits: a killed run over many tables (CLI)", .serialized)
struct CoalescedKillCLITests {
    static let tables = 1_000
    static let rowsEach = 300

    static let file = manyTablesSQLite("many.sqlite", tables: tables, rowsEach: rowsEach)

    /// Runs `body` on a thread of its own, so its blocking waits hold no thread of the test's
    /// concurrency pool (the in-process runner tests beside it need them), and are not held
    /// up by a busy pool either.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in Thread { done.resume(with: Result { try body() }) }.start() }
    }

    /// Starts the run, kills it with SIGKILL after its second durable commit (a second after
    /// the first), reads the state file it left, then runs the same command to its end.
    static func killAndRerun(_ args: [String], state: String) throws -> (killed: Child.Exit, committed: JSONObject?, second: Child.Exit) {
        let first = try Child.start(CLI.binary, args)
        defer { first.kill9() }
        try waitUntil("two state events", within: .seconds(120)) {
            first.stdout.components(separatedBy: "\"event\":\"state\"").count > 2 || !first.isRunning
        }
        first.signal(SIGKILL)
        let killed = try first.waitForExit(within: .seconds(30))
        let committed = try StateFile.load(state)
        return (killed, committed, try CLI.run(args, timeout: .seconds(400)))
    }

    @Test("a SIGKILL during a 1,000-table run, then a resume, delivers every row; only rows after the last durable commit repeat")
    func killedRunResumes() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("run.state").path
        let names = (1...Self.tables).map { "t\($0)" }
        let args = [
            "run", "sqlite", "--param", "path=\(try Self.file.get())", "--param", "tables=\(names.joined(separator: ","))",
            "--state", state, "--outbox", out.path, "--events", "json", "--batch-size", "5"
        ]
        let (killed, saved, second) = try await Self.onThread { try Self.killAndRerun(args, state: state) }
        try #require(killed.signalled, "the run ended before the kill (status \(killed.status)): \(killed.stderr.suffix(500))")
        let committed = try #require(saved, "no state file after the kill")
        let finished = Set(ResourcePlan.finished(in: committed))
        #expect(!finished.isEmpty && finished.count < Self.tables, "killed mid-run: \(finished.count) finished")

        #expect(second.status == 0, "\(second.stderr.suffix(2000))")
        let byTable = idsByResource(try outboxRecords(out))
        var repeated = 0
        for t in names {
            let (repeats, complete) = repeatsAndCoverage(byTable[t] ?? [], Self.rowsEach)
            #expect(complete, "\(t) misses rows")
            repeated += repeats.count
            if finished.contains(t) { #expect(repeats.isEmpty, "\(t) was finished in the durable state, yet \(repeats.count) rows repeat") }
            let last = dig(committed, t, "sqlite", t, "last")?.intValue ?? 0
            #expect(repeats.allSatisfy { $0 > last }, "a row of \(t) at or before its durable key \(last) repeats")
        }
        print("killed 1,000-table run: \(finished.count) tables finished in the durable state, \(repeated) rows repeated")
    }
}
