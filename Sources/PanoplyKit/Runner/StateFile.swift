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

/// Writes a file through a temporary file and a rename, with the given mode.
public func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
    let url = URL(fileURLWithPath: path)
    try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw PanoplyError.config("cannot write '\(path)': \(String(cString: strerror(errno)))") }
    var off = 0
    let ok = bytes.withUnsafeBytes { buf -> Bool in
        while off < buf.count {
            let n = write(fd, buf.baseAddress! + off, buf.count - off)
            if n <= 0 { return false }
            off += n
        }
        return true
    }
    fchmod(fd, mode)
    let synced = ok && fsync(fd) == 0  // the bytes are on disk before the name points at them
    close(fd)
    guard ok, synced, rename(tmp, path) == 0 else {
        unlink(tmp)
        throw PanoplyError.config("cannot write '\(path)': \(String(cString: strerror(errno)))")
    }
    // And the rename itself survives a power loss.
    let dir = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
    if dir >= 0 {
        fsync(dir)
        close(dir)
    }
}
