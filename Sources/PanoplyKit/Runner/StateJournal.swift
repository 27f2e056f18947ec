import Crypto
import Foundation

/// The changes a ``StateFileStore`` appends to `FILE.journal` between two whole writes of
/// the state file, so a commit writes what changed, not every resource done.
///
/// `FILE` holds a whole state object (the format every version wrote and reads). The journal
/// next to it starts with a header naming `FILE`'s bytes (their SHA-256), then one line per
/// commit:
///
/// ```
/// {"journal":1,"base":"<sha-256 of FILE>","size":<bytes of FILE>}
/// {"set":{"t7":{...}},"delete":["k"],"finished":["t6"]}
/// ```
///
/// `set` puts top-level keys (in place, or appended), `delete` removes keys, `finished`
/// appends to the `__finished` array (``ResourcePlan/finishedKey``). A journal whose header
/// does not name `FILE`'s bytes belongs to an older `FILE` (one written whole since, by this
/// or another version) and is ignored; reading stops at the first line that is not whole
/// (a write cut short by a crash), so a crash costs at most the commit it interrupted.
enum StateJournal {
    /// One commit's change of the state object.
    struct Change: Equatable {
        var set: [(key: String, value: JSONValue)] = []
        var delete: [String] = []
        /// Appended to the `__finished` array.
        var finished: [JSONValue] = []

        var isEmpty: Bool { self.set.isEmpty && delete.isEmpty && finished.isEmpty }

        static func == (a: Change, b: Change) -> Bool {
            a.set.map(\.key) == b.set.map(\.key) && a.set.map(\.value) == b.set.map(\.value)
                && a.delete == b.delete && a.finished == b.finished
        }
    }

    /// The state file read whole: its state with the journal's changes applied, and what a
    /// store needs to go on appending.
    struct Loaded {
        var state: JSONObject
        /// The bytes of `FILE`, and their SHA-256 (hex).
        var baseSize: Int
        var baseHash: String
        /// The bytes of the journal's valid part (0: no journal of this `FILE`).
        var journalSize: Int
        /// The journal has bytes after its valid part (a cut write, a broken line): the next
        /// save must not append after them.
        var journalTorn: Bool
    }

    static let version = 1

    /// The journal of the state file at `path`.
    static func path(for path: String) -> String { path + ".journal" }

    /// What changed from `image` (the saved state, by key) to `state`.
    static func change(from image: [String: JSONValue], to state: JSONObject) -> Change {
        var change = Change()
        var kept = 0
        for (key, value) in state {
            guard let old = image[key] else {
                change.set.append((key, value))
                continue
            }
            kept += 1
            if old == value { continue }
            if key == ResourcePlan.finishedKey, case .array(let before) = old, case .array(let after) = value,
                after.count > before.count, after.starts(with: before)
            {
                change.finished = Array(after[before.count...])
            } else {
                change.set.append((key, value))
            }
        }
        if kept < image.count {
            let keys = Set(state.keys)
            change.delete = image.keys.filter { !keys.contains($0) }.sorted()
        }
        return change
    }

    /// `change` applied to `image`.
    static func apply(_ change: Change, to image: inout [String: JSONValue]) {
        for (key, value) in change.set { image[key] = value }
        for key in change.delete { image[key] = nil }
        if !change.finished.isEmpty {
            image[ResourcePlan.finishedKey] = .array((image[ResourcePlan.finishedKey]?.arrayValue ?? []) + change.finished)
        }
    }

    /// The journal line of `change`, ending with a newline.
    static func line(_ change: Change) throws -> [UInt8] {
        var line = JSONObject()
        if !change.set.isEmpty { line["set"] = .object(JSONObject(uniqueKeys: change.set.map(\.key), values: change.set.map(\.value))) }
        if !change.delete.isEmpty { line["delete"] = .array(change.delete.map { .string($0) }) }
        if !change.finished.isEmpty { line["finished"] = .array(change.finished) }
        var bytes: [UInt8] = []
        try JSONWriter.write(.object(line), into: &bytes)
        bytes.append(0x0A)
        return bytes
    }

    /// The journal's first line, naming the state file's bytes.
    static func header(baseHash: String, baseSize: Int) -> [UInt8] {
        Array("{\"journal\":\(version),\"base\":\"\(baseHash)\",\"size\":\(baseSize)}\n".utf8)
    }

    /// The SHA-256 of `bytes`, in hex.
    static func hash(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

extension StateJournal {
    /// Reads the state file at `path` and its journal: nil when there is no state.
    /// - Throws: ``PanoplyError`` (config) when the state file cannot be read or is not a JSON object.
    static func read(_ path: String) throws -> Loaded? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PanoplyError.config("cannot read state file '\(path)' (check its permissions)")
        }
        let bytes = [UInt8](data)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A }) { return nil }
        var state: JSONObject
        do {
            guard case .object(let o) = try JSONParser.parse(bytes) else {
                throw PanoplyError.config("state file '\(path)' must hold a JSON object")
            }
            state = o
        } catch let e as JSONError {
            throw PanoplyError.config("state file '\(path)' is not valid JSON: \(e); fix or delete it to start over")
        }
        var loaded = Loaded(state: state, baseSize: bytes.count, baseHash: hash(bytes), journalSize: 0, journalTorn: false)
        guard let journal = FileManager.default.contents(atPath: Self.path(for: path)) else { return loaded }
        replay([UInt8](journal), into: &loaded)
        return loaded
    }

    /// Applies the journal's whole lines to `loaded`, when its header names the state file.
    static func replay(_ journal: [UInt8], into loaded: inout Loaded) {
        let lines = journal.split(separator: 0x0A, omittingEmptySubsequences: false)
        // The last piece is what follows the last newline: empty when every line is whole.
        guard lines.count > 1, let header = object(lines[0]),
            header["journal"]?.intValue == version, header["base"]?.stringValue == loaded.baseHash,
            header["size"]?.intValue == loaded.baseSize
        else {
            loaded.journalTorn = !journal.isEmpty
            return
        }
        var state = OrderedState(loaded.state)
        var size = lines[0].count + 1
        for line in lines.dropFirst().dropLast() {
            guard let change = object(line).flatMap(Self.change(of:)) else { break }
            state.apply(change)
            size += line.count + 1
        }
        loaded.state = state.object
        loaded.journalSize = size
        loaded.journalTorn = size < journal.count
    }

    private static func object(_ line: ArraySlice<UInt8>) -> JSONObject? {
        guard let value = try? JSONParser.parse(Array(line)), case .object(let o) = value else { return nil }
        return o
    }

    /// The change a journal line holds, nil when it is not one.
    static func change(of line: JSONObject) -> Change? {
        var change = Change()
        for (key, value) in line {
            switch (key, value) {
            case ("set", .object(let o)): change.set = o.map { ($0, $1) }
            case ("delete", .array(let keys)):
                guard keys.allSatisfy({ $0.stringValue != nil }) else { return nil }
                change.delete = keys.compactMap(\.stringValue)
            case ("finished", .array(let ids)): change.finished = ids
            default: return nil
            }
        }
        return change
    }
}

/// A state object being replayed: keys kept in order, found by a dictionary (the object's
/// own lookups are linear, and a state holds thousands of resources).
private struct OrderedState {
    var keys: [String] = []
    var values: [JSONValue?] = []
    var index: [String: Int] = [:]

    init(_ object: JSONObject) {
        for (key, value) in object { put(key, value) }
    }

    mutating func put(_ key: String, _ value: JSONValue?) {
        if let i = index[key] {
            values[i] = value
        } else if let value {
            index[key] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    mutating func apply(_ change: StateJournal.Change) {
        for (key, value) in change.set { put(key, value) }
        for key in change.delete { put(key, nil) }
        guard !change.finished.isEmpty else { return }
        let key = ResourcePlan.finishedKey
        let before = index[key].flatMap { values[$0]?.arrayValue } ?? []
        put(key, .array(before + change.finished))
    }

    var object: JSONObject {
        var kept: [String] = []
        var held: [JSONValue] = []
        for (key, value) in zip(keys, values) {
            guard let value else { continue }
            kept.append(key)
            held.append(value)
        }
        return JSONObject(uniqueKeys: kept, values: held)
    }
}
