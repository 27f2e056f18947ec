import Foundation

/// A run's committed state on disk: the merged state object as JSON, written atomically
/// with mode 0600.
public enum StateFile {
    /// The saved state, nil when the file does not exist.
    /// - Throws: ``PanoplyError`` (config) when it exists but is not a JSON object.
    public static func load(_ path: String) throws -> JSONObject? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PanoplyError.config("cannot read state file '\(path)' (check its permissions)")
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A }) { return nil }
        do {
            guard case .object(let o) = try JSONParser.parse([UInt8](data)) else {
                throw PanoplyError.config("state file '\(path)' must hold a JSON object")
            }
            return o
        } catch let e as JSONError {
            throw PanoplyError.config("state file '\(path)' is not valid JSON: \(e); fix or delete it to start over")
        }
    }

    /// Saves `state` atomically.
    public static func save(_ state: JSONObject, to path: String) throws {
        var bytes: [UInt8] = []
        try JSONWriter.write(.object(state), into: &bytes)
        bytes.append(0x0A)
        try writeAtomically(bytes, to: path, mode: 0o600)
    }
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
