import PanoplyKit

/// What the csv and jsonl sources share about their files as resources: which file an
/// instance reads, the values of the `files` param and the resources with their fields.
///
/// A `path` that is one file is one resource read as before (no `files` to pick: the
/// values are empty, so a run reads it alone with today's destination and state). A
/// folder or a glob gives one resource per file found, its id the file's path relative
/// to the folder (``FileSet``). A file picked by its path as given (ids before they were
/// relative) is still read, under that id (``FileSet/locate(_:in:extensions:)``).
enum FileResources {
    /// The name of the list param that picks files.
    static let param = "files"

    /// The `files` param: its values are the files `path` names. `also` are other params
    /// the values depend on (csv's `delimiter` picks the extensions of a folder's files).
    static func filesParam(_ noun: String, example: String, also: [String] = []) -> SourceParam {
        SourceParam(
            param, title: "Files to read", kind: .list, placeholder: "a\(example), b\(example)",
            help: "When Path is a folder or a pattern: the \(noun) files of it to read (comma-separated); empty: every file found",
            dependencies: ["path"] + also)
    }

    static func files(_ source: SourceInput, extensions: [String]) throws -> FileSet {
        guard let path = source.string("path") else { throw PanoplyError.config("Path (path) is required: a file, a folder or a pattern") }
        return try FileSet.resolve(path, extensions: extensions)
    }

    /// The file an instance reads: its resource (which must be one of the files found) or
    /// the one file `path` names. For a folder or a pattern opened without a resource (by
    /// `check`), the first file found, with the set: such an instance checks but does not
    /// read (``unread(_:)``), since the runner reads each file as a resource.
    /// - Throws: ``PanoplyError`` when the resource is not among the files found.
    static func file(_ source: SourceInput, extensions: [String]) throws -> (path: String, unread: FileSet?) {
        if let resource = source.resource {
            guard let path = source.string("path") else { throw PanoplyError.config("Path (path) is required: a file, a folder or a pattern") }
            return (try FileSet.locate(resource, in: path, extensions: extensions), nil)
        }
        let set = try files(source, extensions: extensions)
        return set.kind == .file ? (set.path, nil) : (set.open(set.ids[0]), set)
    }

    /// Why an instance opened on a whole folder or pattern does not read.
    static func unread(_ set: FileSet) -> PanoplyError {
        PanoplyError.config(
            "'\(set.path)' is a \(set.kind == .folder ? "folder" : "pattern") of \(set.ids.count) files, each read as a resource by the runner (panoply run), not by one instance"
        )
    }

    /// The values of `files`: the ids of the files found, or none when `path` is one file.
    /// Files picked by their path as given (``formerPicks(_:_:)``) are offered too, so a
    /// saved source's picks stay valid.
    static func values(_ param: String, _ source: SourceInput, type: String, extensions: [String]) throws -> [ListValue] {
        guard param == Self.param else { throw PanoplyError(.config, "\(type) has no list param '\(param)'") }
        let set = try files(source, extensions: extensions)
        guard set.kind != .file else { return [] }
        return (set.ids + formerPicks(source, set).map(\.pick)).map { ListValue(name: $0, value: $0) }
    }

    /// Every file as a resource, with the fields `sample` finds in its first records (given
    /// the path to open); files picked by their path as given are listed under that id too.
    static func resources(
        _ source: SourceInput, extensions: [String],
        sample: (String) throws -> [SourceResource.Field]
    ) throws -> [SourceResource] {
        let set = try files(source, extensions: extensions)
        let former = formerPicks(source, set).map { ($0.pick, set.open($0.id)) }
        return try (set.ids.map { ($0, set.open($0)) } + former).map { try SourceResource(id: $0.0, fields: sample($0.1)) }
    }

    /// The picks of `files` that name a file found by its path as given (`/data/in/a.csv`,
    /// as picked before ids were relative to the folder), with the file's id.
    static func formerPicks(_ source: SourceInput, _ set: FileSet) -> [(pick: String, id: String)] {
        let picks: [String] =
            switch source.params[param] {
            case .array(let items)?: items.compactMap(\.stringValue)
            case .string(let text)?: SourceParam.listItems(text)
            default: []
            }
        guard !picks.isEmpty, set.kind != .file else { return [] }
        let ids = Set(set.ids)
        var seen = Set<String>()
        return picks.compactMap { pick in
            guard !ids.contains(pick), seen.insert(pick).inserted, let id = set.formerId(pick), ids.contains(id) else { return nil }
            return (pick, id)
        }
    }
}
