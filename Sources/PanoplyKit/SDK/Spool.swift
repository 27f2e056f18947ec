import Foundation
import Synchronization

/// A folder holding every sealed, unacknowledged message: written (and fsynced) before
/// the message is sent, removed after it is acknowledged. On start, the files left by a
/// previous process are sent first. Delivery is therefore at least once.
///
/// Files are `<message number>.msg`, the exact message body. A file that is not a valid
/// body (a crash mid-write leaves only `.tmp` files, which are removed on start) is moved
/// to `corrupt/` and reported, not sent.
///
/// Sync policy: each file is written to a temporary name, `fsync`ed, renamed into place,
/// and the folder is `fsync`ed, before the message is sent; so an acknowledged send always
/// has its file on disk first. Removal after the acknowledgement is not synced (a crash
/// then can only lead to a duplicate, never to a loss).
///
/// One process at a time: the folder is locked (`flock` on `.lock`) for the spool's life;
/// a second process with the same folder gets a clear error instead of sharing (and
/// overwriting) files.
final class Spool: Sendable {
    let directory: URL
    /// Message numbers continue after the files already present.
    let nextMessageNumber: UInt64
    private let paths = Mutex<[UInt64: URL]>([:])
    let fsync: Bool
    private let lockFD: Mutex<Int32>

    init(directory: String, fsync: Bool = true) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw PanoplyError.config("cannot create spool folder '\(directory)': \(error.localizedDescription)")
        }
        lockFD = Mutex(try Self.lock(url))
        self.directory = url
        self.fsync = fsync
        Self.removeTemporaryFiles(in: url)
        nextMessageNumber = (Self.existing(in: url).map(\.number).max() ?? 0) + 1
    }

    deinit { release() }

    /// Gives up the folder's lock (when the SDK closes), so another SDK may use it.
    func release() {
        lockFD.withLock { fd in
            if fd >= 0 { Foundation.close(fd) }
            fd = -1
        }
    }

    /// Takes the folder's lock, or throws naming the process that holds it.
    private static func lock(_ dir: URL) throws -> Int32 {
        let path = dir.appendingPathComponent(".lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PanoplyError.config("cannot use spool folder '\(dir.path)': cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            Foundation.close(fd)
            let who = holder.isEmpty ? "another process" : "another process (pid \(holder))"
            throw PanoplyError.config("spool folder '\(dir.path)' is in use by \(who); give each process its own --spool folder")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    /// Half-written files of a process that died while writing.
    private static func removeTemporaryFiles(in dir: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") && name.contains(".msg.") {
            unlink(dir.appendingPathComponent(name).path)
        }
    }

    static func existing(in dir: URL) -> [(number: UInt64, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap { name in
            guard name.hasSuffix(".msg"), let n = UInt64(name.dropLast(4)) else { return nil }
            return (n, dir.appendingPathComponent(name))
        }.sorted { $0.number < $1.number }
    }

    func fileURL(_ number: UInt64) -> URL {
        directory.appendingPathComponent(OutboxTransport.fileName(number).replacingOccurrences(of: ".ndjson", with: ".msg"))
    }

    /// Writes the message durably before it is sent.
    func store(_ m: OutgoingMessage) throws {
        let url = fileURL(m.number)
        do throws(DurableFile.Failure) { try DurableFile.replace(url.path, with: m.body, mode: 0o600, sync: fsync) } catch {
            throw PanoplyError(.internal, "cannot write spool file \(url.path): \(error.reason)", retryable: false)
        }
        paths.withLock { $0[m.number] = url }
    }

    /// The body of a spool file, or a message saying why it cannot be read.
    static func read(_ url: URL) -> Result<[UInt8], PanoplyError> {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return .failure(PanoplyError(.internal, "spool file \(url.path) cannot be read (check its permissions); it is left in place", retryable: false))
        }
        return .success([UInt8](data))
    }

    /// The message was acknowledged: forget it.
    func remove(_ m: OutgoingMessage) {
        guard let url = paths.withLock({ $0.removeValue(forKey: m.number) }) else { return }
        unlink(url.path)
    }

    /// Records that a recovered message (already on disk at `url`) now has number `number`.
    func adopt(_ url: URL, as number: UInt64) { paths.withLock { $0[number] = url } }

    /// Moves an unreadable file aside into `corrupt/`.
    func setAside(_ url: URL) -> URL {
        let dir = directory.appendingPathComponent("corrupt", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let dest = dir.appendingPathComponent(url.lastPathComponent)
        try? FileManager.default.removeItem(at: dest)
        try? FileManager.default.moveItem(at: url, to: dest)
        return dest
    }

    /// Counts the records in a spooled body, checking that it is well-formed NDJSON
    /// (each record one JSON object followed by a blank line).
    static func recordCount(_ body: [UInt8]) -> Int? {
        guard !body.isEmpty, body.count >= 2, body[body.count - 1] == 0x0A, body[body.count - 2] == 0x0A else { return nil }
        var count = 0
        var start = 0
        var i = 0
        while i + 1 < body.count {
            if body[i] == 0x0A, body[i + 1] == 0x0A {
                guard body[start] == UInt8(ascii: "{"), body[i - 1] == UInt8(ascii: "}") else { return nil }
                count += 1
                i += 2
                start = i
                continue
            }
            i += 1
        }
        return start == body.count ? count : nil
    }
}
