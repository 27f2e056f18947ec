import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

/// The state of a run over many tables, as `panoply run --state FILE` keeps it (#31 item 4):
/// a state the previous version wrote resumes, a run that ends leaves `FILE` whole in that
/// format, and a killed run's journal is applied on resume.
@Suite("State file and journal over many tables (CLI)", .serialized)
struct StateJournalCLITests {
    static let tables = 1_000
    static let rowsEach = 50
    static var names: [String] { (1...tables).map { "t\($0)" } }

    static let file = manyTablesSQLite("journal.sqlite", tables: tables, rowsEach: rowsEach)

    /// The run's arguments: every commit saved (no coalescing), and small messages, so a
    /// run commits hundreds of times.
    static func args(state: String, outbox: URL) throws -> [String] {
        [
            "run", "sqlite", "--param", "path=\(try file.get())", "--param", "tables=\(names.joined(separator: ","))",
            "--state", state, "--outbox", outbox.path, "--events", "json", "--commit-interval", "0", "--batch-size", "5",
            "--max-message-bytes", "8192"
        ]
    }

    /// What the previous version's `StateFile.load` did: `FILE` parsed on its own.
    static func previousVersionLoad(_ path: String) throws -> JSONObject? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard case .object(let o) = try JSONParser.parse([UInt8](data)) else { return nil }
        return o
    }

    /// A table's part of the run's state, as the SQLite source commits it.
    static func part(_ table: String, last: Int) -> JSONValue {
        .object(["sqlite": .object([table: .object(["key": "rowid", "last": .number(JSONNumber(last))])])])
    }

    /// Runs `body` on a thread of its own (its blocking waits hold no thread of the test pool).
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in Thread { done.resume(with: Result { try body() }) }.start() }
    }

    @Test("a state the previous version wrote (one file: 400 of 1,000 tables finished, 300 halfway) resumes: every row arrives once, and FILE is left whole")
    func previousFormatResumes() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("run.state").path
        // The previous version's file: the whole state object on one line.
        var old = JSONObject()
        for i in 1...400 { old["t\(i)"] = Self.part("t\(i)", last: Self.rowsEach) }
        for i in 401...700 { old["t\(i)"] = Self.part("t\(i)", last: 25) }
        old[ResourcePlan.finishedKey] = .array((1...400).map { .string("t\($0)") })
        try Data((JSONWriter.string(.object(old)) + "\n").utf8).write(to: URL(fileURLWithPath: state))
        #expect(try StateFile.load(state) == old)

        let args = try Self.args(state: state, outbox: out)
        let run = try await Self.onThread { try CLI.run(args, timeout: .seconds(400)) }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let byTable = idsByResource(try outboxRecords(out))
        for (i, t) in Self.names.enumerated().map({ ($0 + 1, $1) }) {
            let ids = byTable[t] ?? []
            let expected = i <= 400 ? [] : Array((i <= 700 ? 26 : 1)...Self.rowsEach)
            #expect(ids.sorted() == expected, "\(t): \(ids.count) rows, \(Set(ids).count) distinct")
        }
        #expect(byTable.values.map(\.count).reduce(0, +) == 300 * 25 + 300 * Self.rowsEach)

        // The run ended: FILE alone holds the whole state, in the previous version's format.
        #expect(!FileManager.default.fileExists(atPath: state + ".journal"))
        let after = try #require(try Self.previousVersionLoad(state))
        #expect(try StateFile.load(state) == after)
        #expect(after[ResourcePlan.finishedKey] == nil, "a completed run drops __finished")
        #expect(Self.names.allSatisfy { after[$0] == Self.part($0, last: Self.rowsEach) })
    }

    @Test(
        "a SIGKILL while the journal is in use: the resume applies it (every row arrives, finished tables repeat nothing); FILE alone is an older commit"
    )
    func killedWithJournal() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("run.state").path
        let args = try Self.args(state: state, outbox: out)
        let journal = state + ".journal"
        let (committed, older, second) = try await Self.onThread { () throws -> (JSONObject?, JSONObject?, Child.Exit) in
            let first = try Child.start(CLI.binary, args)
            defer { first.kill9() }
            try waitUntil("a journal in use", within: .seconds(300)) {
                (FileManager.default.fileExists(atPath: journal) && first.stdout.components(separatedBy: "\"event\":\"state\"").count > 40)
                    || !first.isRunning
            }
            first.signal(SIGKILL)
            _ = try first.waitForExit(within: .seconds(30))
            let committed = try StateFile.load(state), older = try Self.previousVersionLoad(state)
            return (committed, older, try CLI.run(args, timeout: .seconds(400)))
        }
        let saved = try #require(committed, "no state after the kill")
        let finished = Set(ResourcePlan.finished(in: saved))
        #expect(!finished.isEmpty && finished.count < Self.tables, "killed mid-run: \(finished.count) finished")
        // FILE alone is an earlier commit of the same run: what it calls finished, the journal does too.
        let olderFinished = Set(ResourcePlan.finished(in: try #require(older)))
        #expect(olderFinished.isSubset(of: finished))

        #expect(second.status == 0, "\(second.stderr.suffix(2000))")
        let byTable = idsByResource(try outboxRecords(out))
        var repeated = 0
        for t in Self.names {
            let (repeats, complete) = repeatsAndCoverage(byTable[t] ?? [], Self.rowsEach)
            #expect(complete, "\(t) misses rows")
            repeated += repeats.count
            if finished.contains(t) { #expect(repeats.isEmpty, "\(t) was finished in the durable state, yet \(repeats.count) rows repeat") }
        }
        print("killed with a journal: \(finished.count) tables finished (FILE alone: \(olderFinished.count)), \(repeated) rows repeated")
        #expect(!FileManager.default.fileExists(atPath: journal))
        #expect(try Self.previousVersionLoad(state) == (try StateFile.load(state)))
    }

    @Test("a run over 1,000 tables cancelled midway (SIGINT) leaves FILE whole: the previous version's reader reads the state it committed")
    func cancelledRunLeavesFileWhole() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), state = dir.appendingPathComponent("run.state").path
        let args = try Self.args(state: state, outbox: out)
        let exit = try await Self.onThread { () throws -> Child.Exit in
            let child = try Child.start(CLI.binary, args)
            defer { child.kill9() }
            try waitUntil("a journal in use", within: .seconds(300)) { FileManager.default.fileExists(atPath: state + ".journal") || !child.isRunning }
            child.signal(SIGINT)
            return try child.waitForExit(within: .seconds(60))
        }
        #expect(exit.status == 5, "cancelled: \(exit.stderr.suffix(1000))")
        #expect(!FileManager.default.fileExists(atPath: state + ".journal"))
        let saved = try #require(try Self.previousVersionLoad(state))
        #expect(try StateFile.load(state) == saved)
        let finished = ResourcePlan.finished(in: saved)
        #expect(!finished.isEmpty && finished.count < Self.tables, "\(finished.count) finished")
        // Each finished table was delivered whole.
        let byTable = idsByResource(try outboxRecords(out))
        #expect(finished.allSatisfy { Set(byTable[$0] ?? []) == Set(1...Self.rowsEach) })
    }

    @Test("a saved source renamed or deleted takes its journal along")
    func workspaceMovesTheJournal() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ws = FolderWorkspace(directory: dir.path)
        let store = StateFileStore(path: ws.stateFile(for: "Orders"))
        var state = JSONObject()
        for t in Self.names.prefix(300) { state[t] = Self.part(t, last: 1) }
        try store.save(state)
        state["t1"] = Self.part("t1", last: 2)
        try store.save(state)
        #expect(FileManager.default.fileExists(atPath: ws.stateFile(for: "Orders") + ".journal"))
        try ws.renameState(from: "Orders", to: "Sales")
        #expect(try ws.loadState(of: "Sales") == state)
        #expect(!FileManager.default.fileExists(atPath: ws.stateFile(for: "Orders") + ".journal"))
        try ws.deleteState(of: "Sales")
        #expect(try ws.loadState(of: "Sales") == nil)
        #expect(!FileManager.default.fileExists(atPath: ws.stateFile(for: "Sales") + ".journal"))
    }
}
