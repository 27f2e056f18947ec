import Foundation
import PanoplyKit

/// Leases, live snapshots and cancel requests in the config folder's `runs/`: a lock file
/// per source (an exclusive `flock`, freed by the kernel when its process dies), the
/// snapshot its holder replaces atomically (mode 0600), and a cancel request file.
extension FolderWorkspace {
    var runsDirectory: String { directory + "/runs" }

    func runFile(_ name: String, _ suffix: String) -> String {
        runsDirectory + "/\(Self.safeFileName(name)).\(suffix)"
    }

    package func acquireLease(of name: String, holder: LeaseHolder, wait: Duration?) throws -> Lease {
        try FileManager.default.createDirectory(atPath: runsDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return try LockFile.acquire(runFile(name, "lock"), name: name, holder: holder, wait: wait)
    }

    package func isRunning(_ name: String) -> Bool { LockFile.isHeld(runFile(name, "lock")) }

    package func publish(_ snapshot: RunSnapshot) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try Self.replaceQuickly(runFile(snapshot.name, "json"), with: [UInt8](try encoder.encode(snapshot)))
    }

    package func snapshot(of name: String) -> RunSnapshot? {
        guard let data = FileManager.default.contents(atPath: runFile(name, "json")) else { return nil }
        return try? JSONDecoder().decode(RunSnapshot.self, from: data)
    }

    package func clearSnapshot(of name: String) {
        try? FileManager.default.removeItem(atPath: runFile(name, "json"))
        try? FileManager.default.removeItem(atPath: runFile(name, "cancel"))
    }

    package func requestCancel(of name: String, by who: String) throws {
        try FileManager.default.createDirectory(atPath: runsDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try writeAtomically(Array(who.utf8), to: runFile(name, "cancel"), mode: 0o600)
    }

    package func cancelRequest(of name: String) -> String? {
        FileManager.default.contents(atPath: runFile(name, "cancel")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Replaces `path` whole (a temporary file renamed over it, mode 0600) without `fsync`:
    /// a snapshot is rewritten every second and is worthless after a power loss, so it
    /// does not pay for durability (the state and the history do).
    static func replaceQuickly(_ path: String, with bytes: [UInt8]) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PanoplyError.config("cannot write '\(tmp)': \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(tmp)
                throw PanoplyError.config("cannot write '\(tmp)': \(reason)")
            }
            written += n
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw PanoplyError.config("cannot replace '\(path)': \(reason)")
        }
    }

    /// When anything under `runs/` last changed (a cheap check before reading snapshots).
    package var runsVersion: String {
        var st = stat()
        guard stat(runsDirectory, &st) == 0 else { return "" }
        return "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }
}
