import Foundation
import PanoplyKit

/// The run history of saved sources, one file per source in `DIR/history/`, with mode
/// 0600: the newest ``RunRecord/keptRuns`` runs. The UI and `panoply run --saved` (cron)
/// both append to it, so an append holds an exclusive lock on the source's lock file
/// while it reads, adds and writes.
package struct HistoryStore: Sendable {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    package func file(for name: String) -> String { directory + "/history/\(FolderWorkspace.safeFileName(name)).json" }

    /// The recorded runs of `name`, oldest first; none when there is no file.
    /// - Throws: ``PanoplyError`` (config) when the file exists but cannot be read.
    package func load(_ name: String) throws -> [RunRecord] {
        let path = file(for: name)
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        do {
            return try JSONDecoder().decode(HistoryFile.self, from: data).runs
        } catch {
            throw PanoplyError.config("cannot read the run history in '\(path)': \(error.localizedDescription); fix or delete the file")
        }
    }

    /// The histories of `names` that can be read; a note for each that cannot.
    package func loadAll(_ names: [String]) -> (history: [String: [RunRecord]], problems: [String]) {
        var out: [String: [RunRecord]] = [:], problems: [String] = []
        for name in names {
            do { out[name] = try load(name) } catch { problems.append(error.asPanoplyError.message) }
        }
        return (out, problems)
    }

    /// Adds a run to `name`'s history, keeping the newest ``RunRecord/keptRuns``. A history
    /// file that cannot be read is kept aside as `FILE.unreadable` (nothing is lost) and a
    /// new one started.
    package func append(_ record: RunRecord, to name: String) throws {
        let path = file(for: name)
        try FileManager.default.createDirectory(
            atPath: directory + "/history", withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        try withLock(path + ".lock") {
            var runs: [RunRecord]
            do { runs = try load(name) } catch {
                runs = []
                try? FileManager.default.removeItem(atPath: path + ".unreadable")
                try FileManager.default.moveItem(atPath: path, toPath: path + ".unreadable")
            }
            runs.appendKeepingLast(record)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try writeAtomically([UInt8](try encoder.encode(HistoryFile(runs: runs))), to: path, mode: 0o600)
        }
    }

    package func delete(_ name: String) throws {
        for path in [file(for: name), file(for: name) + ".lock"] where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
        }
    }

    /// Moves a renamed source's history to its new name (replacing one left there).
    package func rename(from old: String, to new: String) throws {
        try FolderWorkspace.move(file(for: old), to: file(for: new))
    }

    private func withLock(_ path: String, _ body: () throws -> Void) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PanoplyError.config("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw PanoplyError.config("cannot lock '\(path)': \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        try body()
    }
}

/// The file format of a source's history.
private struct HistoryFile: Codable {
    var version = 1
    var runs: [RunRecord]
}
