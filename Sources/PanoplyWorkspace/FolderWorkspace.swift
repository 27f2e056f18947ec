import Foundation
import PanoplyKit

/// The workspace in a local config folder (`~/.config/panoply`, `--config-dir`): saved
/// sources, the destination, added types, committed states and run histories as files.
/// Every file is written atomically with mode 0600 (they hold secrets).
package struct FolderWorkspace: Workspace {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    package var location: String { directory }

    package var sourcesFile: String { directory + "/sources.json" }
    package var destinationFile: String { directory + "/destination.json" }

    /// Where the committed state of a saved source's runs is kept.
    package func stateFile(for name: String) -> String {
        directory + "/state/\(Self.safeFileName(name)).json"
    }

    /// The source's state file (``stateFile(for:)``); the lease is not needed (the folder's
    /// lease is a `flock` held for the whole run, nothing to fence).
    package func stateStore(for name: String, lease: Lease?) -> any StateStore {
        StateFileStore(path: stateFile(for: name))
    }

    /// - Throws: ``PanoplyError`` (config) when the state file is not a JSON object.
    package func loadState(of name: String) throws -> JSONObject? {
        try StateFile.load(stateFile(for: name))
    }

    /// A saved source's name as a file name: letters, digits, `-` and `_` kept, the rest `_`.
    package static func safeFileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    package var history: HistoryStore { HistoryStore(directory: directory) }

    /// Makes a saved source's next run start over: its state file keeps only the params
    /// the source saved there (a rotated token), or goes when there are none.
    package func resetState(of name: String) throws {
        let file = stateFile(for: name)
        if let kept = StartPlan.startingOver((try? StateFile.load(file)) ?? nil) {
            try StateFile.save(kept, to: file)
        } else {
            try deleteState(of: name)
        }
    }

    /// Removes a source's state file (and its journal); nothing to do when there is none.
    package func deleteState(of name: String) throws {
        for file in StateFile.files(of: stateFile(for: name)).reversed() where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
    }

    /// Moves a source's state file (and its journal) to its new name (replacing one left there).
    package func renameState(from old: String, to new: String) throws {
        for (from, to) in zip(StateFile.files(of: stateFile(for: old)), StateFile.files(of: stateFile(for: new))).reversed() {
            try Self.move(from, to: to)
        }
    }

    /// Moves a file that follows a renamed source, replacing one left at `to`; nothing to
    /// do when there is none.
    package static func move(_ from: String, to: String) throws {
        guard from != to, FileManager.default.fileExists(atPath: from) else { return }
        if FileManager.default.fileExists(atPath: to) { try FileManager.default.removeItem(atPath: to) }
        try FileManager.default.moveItem(atPath: from, toPath: to)
    }

    /// - Throws: ``PanoplyError`` (config) when the file exists but cannot be read.
    package func loadSources() throws -> [SavedSource] {
        guard let data = FileManager.default.contents(atPath: sourcesFile) else { return [] }
        do {
            return try JSONDecoder().decode(SavedSources.self, from: data).sources
        } catch {
            throw PanoplyError.config("cannot read saved sources in '\(sourcesFile)': \(error.localizedDescription); fix or delete the file")
        }
    }

    /// Saves the whole list; a source without an id gets the one saved under its name
    /// before, else a new one (``SavedSource/withIDs(_:known:)``).
    package func saveSources(_ sources: [SavedSource]) throws {
        let before = (try? loadSources()) ?? []
        try write(SavedSources(sources: SavedSource.withIDs(sources, known: before)), to: sourcesFile)
    }

    /// The saved destination, nil when none was saved.
    package func loadDestination() throws -> DestinationSettings? {
        guard let data = FileManager.default.contents(atPath: destinationFile) else { return nil }
        do {
            return try JSONDecoder().decode(DestinationSettings.self, from: data)
        } catch {
            throw PanoplyError.config("cannot read the saved destination in '\(destinationFile)': \(error.localizedDescription); fix or delete the file")
        }
    }

    package func saveDestination(_ d: DestinationSettings) throws {
        try write(d, to: destinationFile)
    }

    func write<T: Encodable>(_ value: T, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically([UInt8](try encoder.encode(value)), to: path, mode: 0o600)
    }
}

/// The file format of `sources.json`.
private struct SavedSources: Codable {
    var version = 1
    var sources: [SavedSource]
}

extension FolderWorkspace {
    package var hasSavedDestination: Bool { FileManager.default.fileExists(atPath: destinationFile) }
    package func history(of name: String) throws -> [RunRecord] { try history.load(name) }
    package func histories(of names: [String]) -> (history: [String: [RunRecord]], problems: [String]) { history.loadAll(names) }
    package func appendHistory(_ record: RunRecord, to name: String) throws { try history.append(record, to: name) }
    package func deleteHistory(of name: String) throws { try history.delete(name) }
    package func renameHistory(from old: String, to new: String) throws { try history.rename(from: old, to: new) }
}
