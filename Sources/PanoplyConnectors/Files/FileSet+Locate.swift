import Foundation
import PanoplyKit

/// Which file a resource id names. An id is the file's path relative to the set's base
/// (`a.csv`); an id in the form used before ids were relative, the file's path as given
/// (`/data/in/a.csv`, as saved in the `files` picks of saved sources and as keys of an
/// interrupted run's state), still names the same file, so those sources keep their
/// tables and states.
///
/// The two forms never clash: a folder's ids hold no `/` while an old id starts with the
/// folder's path and a `/`; a glob's new ids have as many parts as the pattern after its
/// base, its old ids the base's parts more (or, for a glob without a base, are the same).
extension FileSet {
    /// The path to open for resource `id` of `path`, checked without listing the folder
    /// when the id names one of its files: one instance per file of a large folder must not
    /// list it each time.
    /// - Throws: ``PanoplyError`` (not found) listing the ids of the files found.
    static func locate(_ id: String, in path: String, extensions: [String]) throws -> String {
        if let found = quickLocate(id, in: path, extensions: extensions) { return found }
        return try resolve(path, extensions: extensions).locate(id)
    }

    /// The path to open for `id` when it names a file of `path` (in either form); nil when
    /// it cannot say without listing.
    private static func quickLocate(_ id: String, in path: String, extensions: [String]) -> String? {
        if isPattern(path) {
            let (base, rest) = globBase(path)
            let opened = join(base, id)
            // A part starting with a dot (`.*`) also matches `..`, which a listing never
            // gives: an id climbing out of the base is left to the listing, which refuses it.
            if !climbs(id), fnmatch(rest, id, FNM_PATHNAME | FNM_PERIOD) == 0, isRegularFile(opened) { return opened }
            if !climbs(relative(id, to: base) ?? id), fnmatch(normalized(path), id, FNM_PATHNAME | FNM_PERIOD) == 0, isRegularFile(id) {
                return id
            }
            return nil
        }
        if isFolder(path) {
            let folder = trimmed(path)
            let name = id.contains("/") ? relative(id, to: folder) ?? "" : id
            let opened = join(folder, name)
            guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), extensions.contains(where: { name.lowercased().hasSuffix($0) }),
                isRegularFile(opened)
            else { return nil }
            return opened
        }
        return id == path ? path : nil
    }

    /// Whether a relative path has a `..` part.
    private static func climbs(_ relative: String) -> Bool {
        relative.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }

    /// The path as the files found are named: empty parts (`a//b`, a trailing `/`) dropped.
    private static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return path.hasPrefix("/") ? "/" + parts : parts
    }

    /// The path to open for `id`: one of the ids, or a file's path as given (the old form).
    /// - Throws: ``PanoplyError`` (not found) listing the ids found.
    func locate(_ id: String) throws -> String {
        if ids.contains(id) { return open(id) }
        if let old = formerId(id), ids.contains(old) { return id }
        let shown = ids.prefix(10).joined(separator: ", ") + (ids.count > 10 ? ", ..." : "")
        throw PanoplyError(.notFound, "'\(id)' is not one of the files of '\(path)' (found: \(shown)); pick again from the files found")
    }

    /// The id of the file `old` names in the old form (its path as given), when it is under
    /// the base; nil otherwise. Whether that file was found is for the caller to check.
    func formerId(_ old: String) -> String? {
        guard kind != .file, !base.isEmpty, let id = Self.relative(old, to: base), id != old else { return nil }
        return id
    }
}
