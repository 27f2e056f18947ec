import Foundation
import Synchronization

/// The committed state in a file (``StateFile``): `FILE` holds the whole state object, and
/// `FILE.journal` the changes committed since it was written (``StateJournal``), so a commit
/// costs what changed (a resource's new part, the resources finished since) rather than
/// every resource done. A small state (under ``wholeBelow`` bytes, 4 KiB) is written whole at
/// every commit, as it always was, and so is a change that is much of the state; a large
/// state is written whole again once its journal outgrows it, and at ``close()`` (the end of
/// a run), which leaves `FILE` whole for any reader.
///
/// Both files are written with mode 0600 and are durable when ``save(_:)`` returns: `FILE`
/// through a new file, `fsync` and a rename; a journal line by one `write` and `fdatasync`.
/// A crash loses at most the save it interrupted. A store notices when `FILE` was replaced
/// by someone else (an older version, a reset) and then writes the whole state again.
public final class StateFileStore: StateStore {
    /// The state file's path.
    public let path: String
    private let memory = Mutex(Memory())

    /// Below this size a state is written whole at each save (a journal line saves nothing).
    static let wholeBelow = 4 * 1024

    private struct Memory: ~Copyable {
        /// The state on disk by key, nil when unknown (the next save writes it whole).
        var image: [String: JSONValue]?
        /// The state on disk (written whole by ``close()``).
        var state = JSONObject()
        var baseSize = 0
        var baseHash = ""
        /// `FILE` as this store last wrote or read it.
        var baseIdentity: FileIdentity?
        /// The journal's size (0: none in use), and its descriptor once opened for appending.
        var journalSize = 0
        var journal: Int32 = -1

        mutating func closeJournal() {
            if journal >= 0 { closeDescriptor(journal) }
            journal = -1
        }

        deinit { if journal >= 0 { closeDescriptor(journal) } }
    }

    /// - Parameter path: the state file (created on the first save).
    public init(path: String) { self.path = path }

    public var location: String { path }

    /// The state of `FILE` with its journal applied, nil when there is none.
    /// - Throws: ``PanoplyError`` (config) when the file exists but is not a JSON object.
    public func load() throws -> JSONObject? {
        let loaded = try StateJournal.read(path)
        memory.withLock { m in
            m.closeJournal()
            guard let loaded else {
                m.image = nil
                return
            }
            m.state = loaded.state
            m.image = Dictionary(loaded.state.map { ($0, $1) }, uniquingKeysWith: { _, b in b })
            m.baseSize = loaded.baseSize
            m.baseHash = loaded.baseHash
            m.baseIdentity = FileIdentity(path)
            // A journal with a cut or broken tail is not appended to: the next save writes whole.
            if loaded.journalTorn { m.image = nil }
            m.journalSize = loaded.journalSize
        }
        return loaded?.state
    }

    /// Saves `state`: a journal line of what changed since the last save or load, or the
    /// whole file (small states, a journal as large as the file, or nothing known yet).
    /// - Throws: ``PanoplyError`` (config) naming the file when it cannot be written.
    public func save(_ state: JSONObject) throws {
        try memory.withLock { m throws in
            guard m.image != nil, m.baseIdentity == FileIdentity(path), m.journalSize == 0 || journalIntact(m) else {
                return try writeWhole(state, &m)
            }
            let change = StateJournal.change(from: m.image!, to: state)
            if change.isEmpty {
                m.state = state
                return
            }
            let line = try StateJournal.line(change)
            let journal = (m.journalSize == 0 ? StateJournal.header(baseHash: m.baseHash, baseSize: m.baseSize).count : m.journalSize) + line.count
            // Whole when that costs about what a line does: a small state, a change that is
            // much of the state, or a journal as large as the file it follows.
            if m.baseSize + journal <= Self.wholeBelow || 2 * line.count > m.baseSize || journal > max(m.baseSize, Self.wholeBelow) {
                return try writeWhole(state, &m)
            }
            try append(line, &m)
            StateJournal.apply(change, to: &m.image!)
            m.state = state
        }
    }

    /// Writes `FILE` whole when a journal is in use, and closes the journal.
    /// - Throws: ``PanoplyError`` (config) naming the file when it cannot be written.
    public func close() throws {
        try memory.withLock { m throws in
            defer { m.closeJournal() }
            guard m.journalSize > 0, m.image != nil, m.baseIdentity == FileIdentity(path) else { return }
            try writeWhole(m.state, &m)
        }
    }

    /// Writes `state` whole (through a new file and a rename), then removes the journal.
    private func writeWhole(_ state: JSONObject, _ m: inout Memory) throws {
        var bytes: [UInt8] = []
        try JSONWriter.write(.object(state), into: &bytes)
        bytes.append(0x0A)
        m.closeJournal()
        try writeAtomically(bytes, to: path, mode: 0o600)
        // The journal named the older file: it would be ignored, it only takes room.
        unlink(StateJournal.path(for: path))
        m.state = state
        m.image = Dictionary(state.map { ($0, $1) }, uniquingKeysWith: { _, b in b })
        m.baseSize = bytes.count
        m.baseHash = StateJournal.hash(bytes)
        m.baseIdentity = FileIdentity(path)
        m.journalSize = 0
    }

    /// Appends a journal line (`write` and `fdatasync`); a new journal is written whole
    /// with its header, through a new file and a rename.
    private func append(_ line: [UInt8], _ m: inout Memory) throws {
        let journalPath = StateJournal.path(for: path)
        do throws(DurableFile.Failure) {
            if m.journalSize == 0 {
                let bytes = StateJournal.header(baseHash: m.baseHash, baseSize: m.baseSize) + line
                try DurableFile.replace(journalPath, with: bytes, mode: 0o600)
                m.journalSize = bytes.count
                return
            }
            if m.journal < 0 { m.journal = try DurableFile.openForAppending(journalPath) }
            try DurableFile.append(line, to: m.journal)
            m.journalSize += line.count
        } catch {
            // The journal may hold part of the line now: write whole next time.
            m.closeJournal()
            m.image = nil
            throw PanoplyError.config("cannot write '\(journalPath)': \(error.reason)")
        }
    }

    /// The journal on disk is the one this store appends to (nobody removed or replaced it).
    private func journalIntact(_ m: borrowing Memory) -> Bool {
        guard let onDisk = FileIdentity(StateJournal.path(for: path)) else { return false }
        guard m.journal >= 0 else { return onDisk.size == m.journalSize }
        return FileIdentity(descriptor: m.journal).map { $0.device == onDisk.device && $0.inode == onDisk.inode } ?? false
    }
}

/// Which file a path names, and its size and change time: a file replaced by a rename, or
/// written by someone else, differs.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var changed: Int64

    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        self.init(st)
    }

    init?(descriptor: Int32) {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { return nil }
        self.init(st)
    }

    private init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        changed = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
    }
}

/// `close(2)`, out of reach of the stores' own `close()`.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
