import Foundation

/// Durable file writes, shared by the state file, the spool and the outbox: bytes are
/// written under a temporary name and `fsync`ed before a name points at them, and the
/// folder is `fsync`ed after, so the name survives a power loss too.
enum DurableFile {
    /// Why a write failed (the `strerror` text); callers wrap it in their own message.
    struct Failure: Error {
        let reason: String
        /// The `errno` of the failed call.
        var errno: Int32 = 0
    }

    /// Creates a new file at `path` with `bytes` and `mode`; `fsync`ed when `sync`. The
    /// name must be free: an existing file or symlink there is never opened or followed
    /// (`O_EXCL | O_NOFOLLOW`), so nobody can make the write go through a name they planted.
    /// The file is created readable by its owner only, and gets `mode` once written.
    /// A file this call created is removed when the write fails.
    static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t, sync: Bool) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure() }
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
        guard writeEvery(bytes, to: fd) else { throw failure() }
        fchmod(fd, mode)
        guard !sync || fsync(fd) == 0 else { throw failure() }
    }

    /// Replaces the file at `path` with `bytes` at once: through a new temporary file in the
    /// same folder (a name no one can guess: pid and random, created with `O_EXCL`) and a
    /// rename, then (when `sync`) a sync of the folder. The temporary file is removed when
    /// a step fails.
    static func replace(_ path: String, with bytes: [UInt8], mode: mode_t, sync: Bool = true) throws(Failure) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var tmp = ""
        attempts: for attempt in 1...8 {
            tmp = url.deletingLastPathComponent().appendingPathComponent(temporaryName(for: url.lastPathComponent)).path
            do throws(Failure) {
                try writeFile(bytes, to: tmp, mode: mode, sync: sync)
                break attempts
            } catch {
                // Taken (by chance, or by someone who planted it): another name.
                guard error.errno == EEXIST, attempt < 8 else { throw error }
            }
        }
        guard rename(tmp, path) == 0 else {
            let f = failure()
            unlink(tmp)
            throw f
        }
        if sync { try syncFolder(folder) }
    }

    /// Opens an existing file (never through a symlink) to append to it.
    static func openForAppending(_ path: String) throws(Failure) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw failure() }
        return fd
    }

    /// Appends `bytes` to `fd` (opened with `O_APPEND`) and `fdatasync`s it.
    static func append(_ bytes: [UInt8], to fd: Int32) throws(Failure) {
        guard writeEvery(bytes, to: fd), fdatasync(fd) == 0 else { throw failure() }
    }

    /// Writes all of `bytes` (a `write` may take part of them). - Returns: false on an error.
    private static func writeEvery(_ bytes: [UInt8], to fd: Int32) -> Bool {
        bytes.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return true
        }
    }

    /// `.NAME.PID.RANDOM.tmp`: hidden, unique to this process and this write.
    static func temporaryName(for name: String) -> String {
        ".\(name).\(getpid()).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp"
    }

    /// Makes the names in `folder` (new, renamed or linked files) durable.
    static func syncFolder(_ folder: String) throws(Failure) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure() }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure() }
    }

    /// The failure `errno` says.
    private static func failure() -> Failure {
        let e = errno
        return Failure(reason: String(cString: strerror(e)), errno: e)
    }
}
