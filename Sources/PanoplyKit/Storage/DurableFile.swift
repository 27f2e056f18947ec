import Foundation

/// Durable file writes, shared by the state file, the spool and the outbox: bytes are
/// written under a temporary name and `fsync`ed before a name points at them, and the
/// folder is `fsync`ed after, so the name survives a power loss too.
enum DurableFile {
    /// Why a write failed (the `strerror` text); callers wrap it in their own message.
    struct Failure: Error { let reason: String }

    /// Writes `bytes` to a new file at `path` (replacing one left there), with `mode`;
    /// `fsync`ed when `sync`.
    static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t, sync: Bool) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(reason: lastError()) }
        do throws(Failure) { try writeAll(bytes, to: fd, mode: mode, sync: sync) } catch {
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)
    }

    /// Writes `bytes` to the open file `fd`, sets `mode` (open's is masked by the umask),
    /// and `fsync`s it when `sync`. The caller closes `fd`.
    static func writeAll(_ bytes: [UInt8], to fd: Int32, mode: mode_t, sync: Bool) throws(Failure) {
        let written = bytes.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        guard written else { throw Failure(reason: lastError()) }
        fchmod(fd, mode)
        guard !sync || fsync(fd) == 0 else { throw Failure(reason: lastError()) }
    }

    /// Replaces the file at `path` with `bytes` at once: through a temporary file in the
    /// same folder and a rename, then (when `sync`) a sync of the folder.
    static func replace(_ path: String, with bytes: [UInt8], mode: mode_t, sync: Bool = true) throws(Failure) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        try writeFile(bytes, to: tmp, mode: mode, sync: sync)
        guard rename(tmp, path) == 0 else {
            let reason = lastError()
            unlink(tmp)
            throw Failure(reason: reason)
        }
        if sync { try syncFolder(folder) }
    }

    /// Makes the names in `folder` (new, renamed or linked files) durable.
    static func syncFolder(_ folder: String) throws(Failure) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(reason: lastError()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(reason: lastError()) }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
