import Foundation
import Synchronization

/// The local destination: each message body becomes one file `DIR/<sequence>.ndjson`,
/// byte for byte what SQS would have received. Numbering continues after the files
/// already in the folder, and a file appears whole (written, then linked into place).
///
/// A message is acknowledged only once it is durable: its file is `fsync`ed before it gets
/// its name, and the folder is `fsync`ed before `send` returns, once for all the files of
/// one call (group commit). Only then may the SDK remove the spool file or a runner commit
/// a state that covers it.
public final class OutboxTransport: MessageTransport {
    public let directory: URL
    private let next: Mutex<UInt64>
    public let maxBatchCount = 10
    public let maxBatchBytes = Int.max

    /// - Throws: ``PanoplyError`` when the folder cannot be created or read.
    public init(directory: String) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw PanoplyError.config("cannot create outbox folder '\(directory)': \(error.localizedDescription)")
        }
        self.directory = url
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let highest =
            existing.compactMap { name -> UInt64? in
                guard name.hasSuffix(".ndjson") else { return nil }
                return UInt64(name.dropLast(".ndjson".count))
            }.max() ?? 0
        next = Mutex(highest + 1)
    }

    /// The file name for sequence number `n`.
    public static func fileName(_ n: UInt64) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".ndjson"
    }

    /// Writes and syncs on a queue of its own: `fsync` blocks, and must not hold up the
    /// threads of the cooperative pool.
    private static let queue = DispatchQueue(label: "panoply.outbox", attributes: .concurrent)

    public func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        await withCheckedContinuation { c in
            Self.queue.async { c.resume(returning: self.writeDurably(messages)) }
        }
    }

    /// Each message as a file, then one sync of the folder for all of them.
    private func writeDurably(_ messages: [OutgoingMessage]) -> [Result<String, TransportError>] {
        let results = messages.map { write($0) }
        guard results.contains(where: { (try? $0.get()) != nil }) else { return results }
        do throws(DurableFile.Failure) { try DurableFile.syncFolder(directory.path) } catch {
            // The files may be there after a crash, or not: sending them again can only
            // duplicate them, never lose them.
            let e = TransportError(code: "OutboxWrite", message: "cannot sync \(directory.path): \(error.reason)", retryable: true)
            return results.map { _ in .failure(e) }
        }
        return results
    }

    /// Writes one body as a file with no name yet (`O_TMPFILE`, where the file system has
    /// it), else under a temporary name; it is fsynced, then linked to the next free sequence
    /// number. `link` fails when the name exists, so two SDKs (or processes) sharing the
    /// folder never overwrite each other's files.
    private func write(_ m: OutgoingMessage) -> Result<String, TransportError> {
        #if os(Linux)
            if !Self.unnamedUnsupported.load(ordering: .relaxed), let r = writeUnnamed(m) { return r }
        #endif
        let tmp = directory.appendingPathComponent(".tmp-\(getpid())-\(UUID().uuidString)")
        defer { unlink(tmp.path) }
        do throws(DurableFile.Failure) { try DurableFile.writeFile(m.body, to: tmp.path, mode: 0o644, sync: true) } catch {
            return writeFailure(error.reason)
        }
        return linkToNextName { link(tmp.path, $0) }
    }

    private func writeFailure(_ reason: String) -> Result<String, TransportError> {
        .failure(TransportError(code: "OutboxWrite", message: "cannot write in \(directory.path): \(reason)", retryable: true))
    }

    /// Links the written file to the next free sequence number with `link(path)` (which
    /// returns 0, or -1 with errno).
    private func linkToNextName(_ link: (String) -> Int32) -> Result<String, TransportError> {
        for _ in 0..<10_000 {
            let n = next.withLock { n in
                defer { n += 1 }
                return n
            }
            let name = Self.fileName(n)
            if link(directory.appendingPathComponent(name).path) == 0 { return .success(name) }
            guard errno == EEXIST else {
                return .failure(
                    TransportError(
                        code: "OutboxWrite", message: "cannot create \(name) in \(directory.path): \(String(cString: strerror(errno)))", retryable: true))
            }
        }
        return .failure(TransportError(code: "OutboxWrite", message: "no free file name in \(directory.path)", retryable: true))
    }

    #if os(Linux)
        /// Set once an unnamed file could not be made or linked (no `O_TMPFILE`, or neither
        /// `AT_EMPTY_PATH` nor /proc): the named temporary file from then on.
        private static let unnamedUnsupported = Atomic<Bool>(false)
        /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Glibc's module does not import.
        private static let oTmpfile: Int32 = 0o20000000 | O_DIRECTORY
        /// `AT_EMPTY_PATH` (linux/fcntl.h), not imported either.
        private static let atEmptyPath: Int32 = 0x1000

        /// The body as an unnamed file in the folder, fsynced, then linked into place (no
        /// temporary name to create and remove: `panoply send` to an ext4 outbox spent 7% of its
        /// samples allocating inodes and names). nil when the file system has no `O_TMPFILE`.
        private func writeUnnamed(_ m: OutgoingMessage) -> Result<String, TransportError>? {
            let fd = open(directory.path, Self.oTmpfile | O_WRONLY | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                guard errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL else {
                    return writeFailure(String(cString: strerror(errno)))
                }
                Self.unnamedUnsupported.store(true, ordering: .relaxed)
                return nil
            }
            defer { close(fd) }
            do throws(DurableFile.Failure) { try DurableFile.writeAll(m.body, to: fd, mode: 0o644, sync: true) } catch {
                return writeFailure(error.reason)
            }
            // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works for everyone where
            // /proc is mounted. Where neither links, the named temporary file is used instead.
            var cannotLink = false
            let linked = linkToNextName { path in
                if linkat(fd, "", AT_FDCWD, path, Self.atEmptyPath) == 0 { return 0 }
                guard errno == ENOENT || errno == EPERM else { return -1 }
                let r = linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW)
                if r != 0, errno == ENOENT { cannotLink = true }
                return r
            }
            guard !cannotLink else {
                Self.unnamedUnsupported.store(true, ordering: .relaxed)
                return nil
            }
            return linked
        }
    #endif
}
