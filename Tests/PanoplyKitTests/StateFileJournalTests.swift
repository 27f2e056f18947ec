import Foundation
import Testing

@testable import PanoplyKit

/// The state file and its journal (#31 item 4): a commit writes what changed, a load puts
/// the whole state back together, and `FILE` alone stays the format every version reads.
@Suite("State file journal")
struct StateFileJournalTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-journal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// What the previous version's `StateFile.load` did: `FILE` parsed on its own.
    static func previousVersionLoad(_ path: String) throws -> JSONObject? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard case .object(let o) = try JSONParser.parse([UInt8](data)) else { return nil }
        return o
    }

    static func part(_ i: Int, last: Int) -> JSONValue {
        .object(["sqlite": .object(["t\(i)": .object(["key": "rowid", "last": .number(JSONNumber(last))])])])
    }

    /// The bytes a save wrote: `FILE` whole when it was replaced, else the journal's growth.
    struct Meter {
        let path: String
        var identity: FileIdentity?
        var journal = 0

        init(_ path: String) { self.path = path }

        mutating func written() -> (bytes: Int, whole: Bool) {
            let now = FileIdentity(path)
            let journalNow = FileIdentity(StateJournal.path(for: path)).map { Int($0.size) } ?? 0
            defer { (identity, journal) = (now, journalNow) }
            if now?.inode != identity?.inode || now?.changed != identity?.changed { return (Int(now?.size ?? 0) + journalNow, true) }
            return (journalNow - journal, false)
        }
    }

    @Test("2,000 resources finishing a commit each: a commit writes what changed, not every resource done, and loads give back what was saved")
    func manyResourcesCostWhatChanged() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.state"
        let store = StateFileStore(path: path)
        var meter = Meter(path)
        var state: JSONObject = ["__params": ["token": "t0"]]
        var finished: [JSONValue] = []
        var total = 0, appended: [Int] = [], wholes = 0
        for i in 1...2_000 {
            state["t\(i)"] = Self.part(i, last: 20)
            finished.append(.string("t\(i)"))
            state[ResourcePlan.finishedKey] = .array(finished)
            if i < 2_000 { state["t\(i + 1)"] = Self.part(i + 1, last: 10) }
            try store.save(state)
            let w = meter.written()
            total += w.bytes
            if w.whole { wholes += 1 } else { appended.append(w.bytes) }
            if i % 250 == 0 {
                #expect(try StateFile.load(path) == state, "after \(i) commits")
                #expect(try StateFileStore(path: path).load() == state)
            }
        }
        // The run completed: `__finished` goes, and so does a key.
        state[ResourcePlan.finishedKey] = nil
        state["__params"] = nil
        try store.save(state)
        #expect(try StateFile.load(path) == state)
        let final = Int(FileIdentity(path)?.size ?? 0)
        print("2,000 commits: \(total) bytes in all, \(wholes) whole writes, journal lines up to \(appended.max() ?? 0) bytes; the whole state \(final) bytes")
        #expect(appended.count > 1_800)
        #expect((appended.max() ?? 0) < 300, "a line holds the finished resource and the next one's part (the first, the header too)")
        // Written whole at every commit this would be about 1,000 times the final state.
        #expect(total < 10 * final)

        try store.close()
        #expect(!FileManager.default.fileExists(atPath: StateJournal.path(for: path)))
        #expect(try Self.previousVersionLoad(path) == state)
    }

    @Test("a state under 4 KiB is written whole at every save, as before: no journal")
    func smallStatesAreWrittenWhole() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/small.json"
        let store = StateFileStore(path: path)
        for i in 1...50 {
            let state: JSONObject = ["demo": ["next_id": .number(JSONNumber(i)), "note": .string(String(repeating: "n", count: 3_000))]]
            try store.save(state)
            #expect(try Self.previousVersionLoad(path) == state)
        }
        #expect(!FileManager.default.fileExists(atPath: StateJournal.path(for: path)))
    }

    /// A store with a journal in use: 300 resources (about 13 KB), then a few more commits.
    static func journalled(_ path: String, commits: Int = 5) throws -> (StateFileStore, [JSONObject]) {
        let store = StateFileStore(path: path)
        var state = JSONObject()
        for i in 1...300 { state["t\(i)"] = Self.part(i, last: 0) }
        state["pad"] = .string(String(repeating: "x", count: 4_000))
        try store.save(state)
        var saved: [JSONObject] = []
        for i in 1...commits {
            state["t\(i)"] = Self.part(i, last: i)
            state[ResourcePlan.finishedKey] = .array((1...i).map { .string("t\($0)") })
            try store.save(state)
            saved.append(state)
        }
        #expect(FileManager.default.fileExists(atPath: StateJournal.path(for: path)), "the journal is in use")
        return (store, saved)
    }

    @Test("a journal line cut short by a crash is left out: the state loads as of the save before, and the next save writes the file whole")
    func cutLineIsIgnored() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.state"
        let (_, saved) = try Self.journalled(path)
        let journal = StateJournal.path(for: path)
        var bytes = try #require(FileManager.default.contents(atPath: journal))
        bytes.removeLast(7)  // the last line's end and its newline
        try bytes.write(to: URL(fileURLWithPath: journal))
        #expect(try StateFile.load(path) == saved[saved.count - 2])

        let store = StateFileStore(path: path)
        var state = try #require(try store.load())
        state["t299"] = Self.part(299, last: 299)
        try store.save(state)
        #expect(!FileManager.default.fileExists(atPath: journal), "written whole, not after the cut line")
        #expect(try Self.previousVersionLoad(path) == state)
        state["t298"] = Self.part(298, last: 298)
        try store.save(state)
        #expect(try StateFile.load(path) == state)
    }

    @Test("a state file written by someone else (an older version, a reset) leaves the journal stale: ignored, and gone at the next save")
    func replacedFileIgnoresTheJournal() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.state"
        let (store, saved) = try Self.journalled(path)
        // An older version writes the whole file (no journal of its own).
        let older: JSONObject = ["t1": Self.part(1, last: 99)]
        try Data((JSONWriter.string(.object(older)) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect(try StateFile.load(path) == older)
        // This store notices the file changed under it: it writes the whole state again.
        var state = saved.last!
        state["t7"] = Self.part(7, last: 7)
        try store.save(state)
        #expect(try Self.previousVersionLoad(path) == state)
        #expect(try StateFile.load(path) == state)

        // A reset through StateFile.save does the same.
        state["t8"] = Self.part(8, last: 8)
        try store.save(state)
        try StateFile.save(["__params": ["token": "kept"]], to: path)
        #expect(try StateFile.load(path) == ["__params": ["token": "kept"]])
        #expect(!FileManager.default.fileExists(atPath: StateJournal.path(for: path)))
    }

    @Test("a store picks up a journal another store left (a killed run), appends to it, and close() folds it into the file")
    func resumedStoreAppendsAndCloses() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.state"
        let (_, saved) = try Self.journalled(path)
        let store = StateFileStore(path: path)
        var state = try #require(try store.load())
        #expect(state == saved.last!)
        let before = try #require(FileIdentity(path))
        state["t9"] = Self.part(9, last: 9)
        try store.save(state)
        #expect(FileIdentity(path) == before, "appended to the journal, the file untouched")
        #expect(try StateFile.load(path) == state)
        try store.close()
        #expect(try Self.previousVersionLoad(path) == state)
        #expect(!FileManager.default.fileExists(atPath: StateJournal.path(for: path)))
        // Still usable after close.
        state["t10"] = Self.part(10, last: 10)
        try store.save(state)
        #expect(try StateFile.load(path) == state)
    }

    @Test("changes replay as saved: keys set, replaced and removed, __finished grown, replaced and dropped")
    func changesRoundTrip() throws {
        var image: [String: JSONValue] = ["a": 1, "b": ["x": 1], "__finished": ["t1"]]
        let next: JSONObject = ["b": ["x": 2], "c": "new", "__finished": ["t1", "t2", "t3"]]
        let change = StateJournal.change(from: image, to: next)
        #expect(change.set.map(\.key) == ["b", "c"])
        #expect(change.delete == ["a"])
        #expect(change.finished == ["t2", "t3"])
        let line = try StateJournal.line(change)
        let object = try #require(try JSONParser.parse(line).objectValue)
        let parsed = try #require(StateJournal.change(of: object))
        #expect(parsed == change)
        StateJournal.apply(change, to: &image)
        #expect(image == Dictionary(next.map { ($0, $1) }, uniquingKeysWith: { a, _ in a }))
        // Not a growth of the list: the list is set whole.
        let shrunk = StateJournal.change(from: image, to: ["b": ["x": 2], "c": "new", "__finished": ["t3"]])
        #expect(shrunk.set.map(\.key) == ["__finished"] && shrunk.finished.isEmpty)
    }
}
