import Foundation
import PanoplyKit

/// The files a csv or jsonl `path` names: one file (as before), every file of a folder
/// whose name ends with one of the source's extensions, or the files a glob pattern
/// matches (`data/*.csv`; `*`, `?` and `[...]` in any part of the path). Hidden files
/// (names starting with `.`) are skipped unless the pattern itself starts with a dot.
/// Each file is named by the path as given joined with the names found, sorted.
struct FileSet: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case file, folder, glob }

    let path: String
    let kind: Kind
    /// The files found, sorted; for ``Kind/file`` the path itself.
    let files: [String]

    /// Whether the path holds a wildcard.
    static func isPattern(_ path: String) -> Bool { path.contains { "*?[".contains($0) } }

    /// Finds the files of `path`. A path that is neither a pattern nor a folder is one
    /// file: whether it exists is checked when it is opened (with the reader's message).
    /// - Parameter extensions: what a folder's files must end with (`.csv`), case-insensitive.
    /// - Throws: ``PanoplyError`` (not found) for a pattern in a missing folder, a pattern
    ///   that matches no file, or a folder without a matching file.
    static func resolve(_ path: String, extensions: [String]) throws -> FileSet {
        if isPattern(path) { return FileSet(path: path, kind: .glob, files: try glob(path)) }
        guard isFolder(path) else { return FileSet(path: path, kind: .file, files: [path]) }
        let folder = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        let names = try entries(folder).filter { name in
            !name.hasPrefix(".") && extensions.contains { name.lowercased().hasSuffix($0) }
                && isRegularFile(join(folder, name))
        }
        guard !names.isEmpty else {
            let ends = extensions.count > 1 ? extensions.dropLast().joined(separator: ", ") + " or " + extensions.last! : extensions.first ?? "matching"
            throw PanoplyError(.notFound, "folder '\(path)' holds no \(ends) file (add one, or give a glob such as '\(join(folder, "*.dat"))' for other names)")
        }
        return FileSet(path: path, kind: .folder, files: names.sorted().map { join(folder, $0) })
    }

    /// Checks that `file` is one of the files `path` names (a resource the runner asks
    /// for), without listing the folder when it is: one instance per file of a large folder
    /// must not list it each time.
    /// - Throws: ``PanoplyError`` (not found) listing what was found.
    static func check(_ file: String, in path: String, extensions: [String]) throws {
        if isPattern(path) {
            let pattern = normalized(path)
            if fnmatch(pattern, file, FNM_PATHNAME | FNM_PERIOD) == 0, isRegularFile(file) { return }
        } else if isFolder(path) {
            let folder = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            let name = file.hasPrefix(folder + "/") ? String(file.dropFirst(folder.count + 1)) : ""
            if !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), extensions.contains(where: { name.lowercased().hasSuffix($0) }),
                isRegularFile(file)
            {
                return
            }
        } else if file == path {
            return
        }
        try resolve(path, extensions: extensions).check(file)
    }

    /// The path as the files found are named: empty parts (`a//b`, a trailing `/`) dropped.
    private static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return path.hasPrefix("/") ? "/" + parts : parts
    }

    /// Whether `file` is one of the files found.
    /// - Throws: ``PanoplyError`` (not found) listing what was found.
    func check(_ file: String) throws {
        guard !files.contains(file) else { return }
        let shown = files.prefix(10).joined(separator: ", ") + (files.count > 10 ? ", ..." : "")
        throw PanoplyError(.notFound, "'\(file)' is not one of the files of '\(path)' (found: \(shown)); pick again from the files found")
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

    private static func join(_ folder: String, _ name: String) -> String {
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
