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
        try writeAtomically([UInt8](try encoder.encode(snapshot)), to: runFile(snapshot.name, "json"), mode: 0o600)
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

    /// When anything under `runs/` last changed (a cheap check before reading snapshots).
    package var runsVersion: String {
        var st = stat()
        guard stat(runsDirectory, &st) == 0 else { return "" }
        return "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }
}
