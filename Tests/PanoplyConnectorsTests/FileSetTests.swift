import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// Which files a csv/jsonl `path` names: a folder, a glob pattern or one file.
@Suite("File sets of folder and pattern paths")
struct FileSetTests {
    /// A scratch folder holding `names` (each a small file; a name ending in `/` a folder).
    static func folder(_ names: [String]) throws -> String {
        let dir = NSTemporaryDirectory() + "panoply-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in names {
            let path = dir + "/" + name
            if name.hasSuffix("/") {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } else {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try "id\n1\n".write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
        return dir
    }

    @Test("a folder gives its files with the source's extensions, sorted, hidden ones and sub-folders left out")
    func folderFiles() throws {
        let dir = try Self.folder(["b.csv", "a.CSV", "c.tsv", ".hidden.csv", "notes.md", "sub.csv/", "sub/d.csv"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let set = try FileSet.resolve(dir + "/", extensions: [".csv", ".tsv"])
        #expect(set.kind == .folder)
        #expect(set.files == ["\(dir)/a.CSV", "\(dir)/b.csv", "\(dir)/c.tsv"])
        let csv = SourceInput(type: "csv", params: ["path": .string(dir)])
        #expect(try FileSet.resolve(dir, extensions: CSVSource.extensions(csv)).files == ["\(dir)/a.CSV", "\(dir)/b.csv"])
        let tsv = SourceInput(type: "csv", params: ["path": .string(dir), "delimiter": "tab"])
        #expect(try FileSet.resolve(dir, extensions: CSVSource.extensions(tsv)).files == ["\(dir)/c.tsv"])
    }

    @Test("a glob matches * and ? in the last part and in folder parts, sorted, skipping hidden files")
    func globFiles() throws {
        let dir = try Self.folder(["x1.csv", "x2.csv", "x10.csv", ".x3.csv", "y1.csv", "x1.txt", "2025/a.csv", "2026/b.csv", "2026/c.json"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try FileSet.resolve("\(dir)/x?.csv", extensions: []).files == ["\(dir)/x1.csv", "\(dir)/x2.csv"])
        #expect(try FileSet.resolve("\(dir)/x*", extensions: []).files == ["\(dir)/x1.csv", "\(dir)/x1.txt", "\(dir)/x10.csv", "\(dir)/x2.csv"])
        #expect(try FileSet.resolve("\(dir)/.x*", extensions: []).files == ["\(dir)/.x3.csv"])
        let nested = try FileSet.resolve("\(dir)/20*/*.csv", extensions: [])
        #expect(nested.kind == .glob)
        #expect(nested.files == ["\(dir)/2025/a.csv", "\(dir)/2026/b.csv"])
    }

    @Test("a relative glob names its files relative, as given")
    func relativeGlob() throws {
        let dir = try Self.folder(["data/a.csv", "data/b.csv"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cwd = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        #expect(FileManager.default.changeCurrentDirectoryPath(dir))
        #expect(try FileSet.resolve("data/*.csv", extensions: []).files == ["data/a.csv", "data/b.csv"])
        #expect(try FileSet.resolve("./data/b*", extensions: []).files == ["./data/b.csv"])
    }

    @Test("a folder without a matching file, a pattern in a missing folder and a pattern matching nothing are clear errors")
    func clearErrors() throws {
        let dir = try Self.folder(["notes.md", ".hidden.csv"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = #expect(throws: PanoplyError.self) { try FileSet.resolve(dir, extensions: [".csv", ".tsv"]) }
        #expect(empty?.category == .notFound)
        #expect(empty?.message == "folder '\(dir)' holds no .csv or .tsv file (add one, or give a glob such as '\(dir)/*.dat' for other names)")
        let missing = #expect(throws: PanoplyError.self) { try FileSet.resolve("\(dir)/nope/*.csv", extensions: []) }
        #expect(missing?.message == "folder '\(dir)/nope' of the pattern '\(dir)/nope/*.csv' does not exist (check the path)")
        let none = #expect(throws: PanoplyError.self) { try FileSet.resolve("\(dir)/*.csv", extensions: []) }
        #expect(none?.message.hasPrefix("no file matches '\(dir)/*.csv'") == true)
    }

    @Test("a path that is one file stays one file, even when it does not exist yet")
    func oneFile() throws {
        let set = try FileSet.resolve("/no/such/users.csv", extensions: [".csv"])
        #expect(set == FileSet(path: "/no/such/users.csv", kind: .file, files: ["/no/such/users.csv"]))
    }

    @Test("a resource is checked against the folder or pattern without listing it, and one outside is an error listing the files")
    func checksResource() throws {
        let dir = try Self.folder(["a.csv", ".h.csv", "sub/b.csv", "n.md"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileSet.check("\(dir)/a.csv", in: dir, extensions: [".csv"])
        try FileSet.check("\(dir)/a.csv", in: dir + "/", extensions: [".csv"])
        try FileSet.check("\(dir)/a.csv", in: "\(dir)//*.csv", extensions: [])
        try FileSet.check("\(dir)/sub/b.csv", in: "\(dir)/*/*.csv", extensions: [])
        for outside in ["\(dir)/.h.csv", "\(dir)/sub/b.csv", "\(dir)/n.md", "\(dir)/gone.csv"] {
            let e = #expect(throws: PanoplyError.self) { try FileSet.check(outside, in: dir, extensions: [".csv"]) }
            #expect(e?.message == "'\(outside)' is not one of the files of '\(dir)' (found: \(dir)/a.csv); pick again from the files found")
        }
        #expect(throws: PanoplyError.self) { try FileSet.check("\(dir)/.h.csv", in: "\(dir)/*.csv", extensions: []) }
        #expect(throws: PanoplyError.self) { try FileSet.check("\(dir)/sub/b.csv", in: "\(dir)/*.csv", extensions: []) }
    }
}
