import Foundation
import PanoplyKit

/// The files a csv or jsonl `path` names: one file (as before), every file of a folder
/// whose name ends with one of the source's extensions, or the files a glob pattern
/// matches (`data/*.csv`; `*`, `?` and `[...]` in any part of the path). Hidden files
/// (names starting with `.`) are skipped unless the pattern itself starts with a dot.
///
/// Each file found has an id, its path relative to the set's ``base``: a folder's file
/// names (`a.csv`), a glob's paths under its leading parts without a wildcard
/// (`data/*/x.csv` gives `2024/x.csv`). Ids are sorted; ``open(_:)`` gives the path to open.
struct FileSet: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case file, folder, glob }

    let path: String
    let kind: Kind
    /// What ids are relative to: the folder (as given, without a trailing `/`); for a glob,
    /// its leading parts without a wildcard (`/in` of `/in/*.csv`; empty for `*.csv`, whose
    /// ids are the names as matched); empty for one file.
    let base: String
    /// The ids of the files found, sorted; for ``Kind/file`` the path itself.
    let ids: [String]

    /// The path to open for `id`, one of ``ids``: the id joined with the base.
    func open(_ id: String) -> String { Self.join(base, id) }

    /// The paths to open of the files found, in the order of ``ids``.
    var paths: [String] { ids.map(open) }

    /// Whether the path holds a wildcard.
    static func isPattern(_ path: String) -> Bool { path.contains { "*?[".contains($0) } }

    /// Finds the files of `path`. A path that is neither a pattern nor a folder is one
    /// file: whether it exists is checked when it is opened (with the reader's message).
    /// - Parameter extensions: what a folder's files must end with (`.csv`), case-insensitive.
    /// - Throws: ``PanoplyError`` (not found) for a pattern in a missing folder, a pattern
    ///   that matches no file, or a folder without a matching file.
    static func resolve(_ path: String, extensions: [String]) throws -> FileSet {
        if isPattern(path) {
            let base = globBase(path).base
            let ids = try glob(path).map { relative($0, to: base) ?? $0 }
            return FileSet(path: path, kind: .glob, base: base, ids: ids)
        }
        guard isFolder(path) else { return FileSet(path: path, kind: .file, base: "", ids: [path]) }
        let folder = trimmed(path)
        let names = try entries(folder).filter { name in
            !name.hasPrefix(".") && extensions.contains { name.lowercased().hasSuffix($0) }
                && isRegularFile(join(folder, name))
        }
        guard !names.isEmpty else {
            let ends = extensions.count > 1 ? extensions.dropLast().joined(separator: ", ") + " or " + extensions.last! : extensions.first ?? "matching"
            throw PanoplyError(.notFound, "folder '\(path)' holds no \(ends) file (add one, or give a glob such as '\(join(folder, "*.dat"))' for other names)")
        }
        return FileSet(path: path, kind: .folder, base: folder, ids: names.sorted())
    }

    /// A folder path without its trailing `/` (the root `/` stays).
    static func trimmed(_ folder: String) -> String {
        folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder
    }

    /// A pattern split at its first part with a wildcard: the leading parts (the folder ids
    /// are relative to, empty parts dropped) and the rest (what an id matches).
    static func globBase(_ pattern: String) -> (base: String, rest: String) {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let first = parts.firstIndex(where: isPattern) ?? parts.count
        let base = parts[..<first].reduce(pattern.hasPrefix("/") ? "/" : "") { join($0, $1) }
        return (base, parts[first...].joined(separator: "/"))
    }

    /// `file` relative to `base`: what follows `base/`; nil when it is not under it.
    static func relative(_ file: String, to base: String) -> String? {
        guard !base.isEmpty else { return file }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard file.hasPrefix(prefix), file.count > prefix.count else { return nil }
        return String(file.dropFirst(prefix.count))
    }

    /// Expands a pattern part by part: literal parts are kept, a part with a wildcard is
    /// matched (fnmatch) against the names in each folder reached so far.
    private static func glob(_ pattern: String) throws -> [String] {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var reached = [pattern.hasPrefix("/") ? "/" : ""]
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            if !isPattern(part) {
                reached = reached.map { join($0, part) }
                if !last, reached.count == 1, !isFolder(reached[0]) {
                    throw PanoplyError(.notFound, "folder '\(reached[0])' of the pattern '\(pattern)' does not exist (check the path)")
                }
                continue
            }
            var next: [String] = []
            for folder in reached where isFolder(folder.isEmpty ? "." : folder) {
                for name in try entries(folder.isEmpty ? "." : folder).sorted() where fnmatch(part, name, FNM_PERIOD) == 0 {
                    let found = join(folder, name)
                    if last ? isRegularFile(found) : isFolder(found) { next.append(found) }
                }
            }
            reached = next
        }
        let files = reached.filter(isRegularFile).sorted()
        guard !files.isEmpty else {
            throw PanoplyError(.notFound, "no file matches '\(pattern)' (check the pattern; hidden files are matched only by a pattern starting with '.')")
        }
        return files
    }

    private static func entries(_ folder: String) throws -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw PanoplyError(.config, "cannot list folder '\(folder)' (check its permissions)", code: 403)
        }
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.isEmpty ? name : folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    static func isFolder(_ path: String) -> Bool { mode(path) == S_IFDIR }

    static func isRegularFile(_ path: String) -> Bool { mode(path) == S_IFREG }

    /// The file type bits of `path`, following symbolic links; nil when it does not exist.
    private static func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }
}
