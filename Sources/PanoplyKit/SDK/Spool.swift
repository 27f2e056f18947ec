import Foundation
import Synchronization

/// A folder holding every sealed, unacknowledged message: written (and fsynced) before
/// the message is sent, removed after it is acknowledged. On start, the files left by a
/// previous process are sent first. Delivery is therefore at least once.
///
/// Files are `<message number>.msg`, the exact message body. A file that is not a valid
/// body (a crash mid-write leaves only `.tmp` files, which are ignored) is moved to
/// `corrupt/` and reported, not sent.
final class Spool: Sendable {
    let directory: URL
    /// Message numbers continue after the files already present.
    let nextMessageNumber: UInt64
    private let paths = Mutex<[UInt64: URL]>([:])
    let fsync: Bool

    init(directory: String, fsync: Bool = true) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw PanoplyError.config("cannot create spool folder '\(directory)': \(error.localizedDescription)")
        }
        self.directory = url
        self.fsync = fsync
        nextMessageNumber = (Self.existing(in: url).map(\.number).max() ?? 0) + 1
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
        let tmp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw PanoplyError(.internal, "cannot write spool file \(tmp.path): \(String(cString: strerror(errno)))", retryable: false) }
        let ok = m.body.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        if fsync { _ = Foundation.fsync(fd) }
        Foundation.close(fd)
        guard ok, rename(tmp.path, url.path) == 0 else {
            throw PanoplyError(.internal, "cannot write spool file \(url.path): \(String(cString: strerror(errno)))", retryable: false)
        }
        paths.withLock { $0[m.number] = url }
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
