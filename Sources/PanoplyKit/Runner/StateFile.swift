import Foundation

/// A run's committed state on disk: the merged state object as JSON in `FILE`, written
/// atomically with mode 0600, and the changes committed since in `FILE.journal`
/// (``StateFileStore`` appends there, so a commit costs what changed; see ``StateJournal``).
/// The state of `FILE` alone is the format every version wrote: a file written by an older
/// version loads unchanged, and a run that ends leaves `FILE` whole again.
public enum StateFile {
    /// The saved state (`FILE` with its journal applied), nil when the file does not exist.
    /// - Throws: ``PanoplyError`` (config) when it exists but is not a JSON object.
    public static func load(_ path: String) throws -> JSONObject? {
        try StateJournal.read(path)?.state
    }

    /// Saves `state` whole and atomically; a journal of the older state goes.
    public static func save(_ state: JSONObject, to path: String) throws {
        var bytes: [UInt8] = []
        try JSONWriter.write(.object(state), into: &bytes)
        bytes.append(0x0A)
        try writeAtomically(bytes, to: path, mode: 0o600)
        unlink(StateJournal.path(for: path))
    }

    /// The files a state at `path` may use: `path` and its journal (a source renamed or
    /// deleted moves or removes both).
    public static func files(of path: String) -> [String] { [path, StateJournal.path(for: path)] }
}

/// Writes a file through a temporary file and a rename, with the given mode; the file
/// and its folder are `fsync`ed, so it survives a power loss whole.
/// - Throws: ``PanoplyError`` (config) naming the file and the reason.
public func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    do throws(DurableFile.Failure) { try DurableFile.replace(path, with: bytes, mode: mode) } catch {
        throw PanoplyError.config("cannot write '\(path)': \(error.reason)")
    }
}
