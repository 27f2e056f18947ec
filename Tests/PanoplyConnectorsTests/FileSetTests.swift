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

    @Test("a folder gives its files with the source's extensions, named relative to it, sorted, hidden ones and sub-folders left out")
    func folderFiles() throws {
        let dir = try Self.folder(["b.csv", "a.CSV", "c.tsv", ".hidden.csv", "notes.md", "sub.csv/", "sub/d.csv"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let set = try FileSet.resolve(dir + "/", extensions: [".csv", ".tsv"])
        #expect(set.kind == .folder)
        #expect(set.base == dir)
        #expect(set.ids == ["a.CSV", "b.csv", "c.tsv"])
        #expect(set.paths == ["\(dir)/a.CSV", "\(dir)/b.csv", "\(dir)/c.tsv"])
        let csv = SourceInput(type: "csv", params: ["path": .string(dir)])
        #expect(try FileSet.resolve(dir, extensions: CSVSource.extensions(csv)).ids == ["a.CSV", "b.csv"])
        let tsv = SourceInput(type: "csv", params: ["path": .string(dir), "delimiter": "tab"])
        #expect(try FileSet.resolve(dir, extensions: CSVSource.extensions(tsv)).ids == ["c.tsv"])
    }

    @Test("a glob matches * and ? in the last part and in folder parts, sorted, skipping hidden files; ids are relative to its leading folder")
    func globFiles() throws {
        let dir = try Self.folder(["x1.csv", "x2.csv", "x10.csv", ".x3.csv", "y1.csv", "x1.txt", "2025/a.csv", "2026/b.csv", "2026/c.json"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let some = try FileSet.resolve("\(dir)/x?.csv", extensions: [])
        #expect(some.base == dir)
        #expect(some.ids == ["x1.csv", "x2.csv"])
        #expect(some.paths == ["\(dir)/x1.csv", "\(dir)/x2.csv"])
        #expect(try FileSet.resolve("\(dir)/x*", extensions: []).ids == ["x1.csv", "x1.txt", "x10.csv", "x2.csv"])
        #expect(try FileSet.resolve("\(dir)/.x*", extensions: []).ids == [".x3.csv"])
        let nested = try FileSet.resolve("\(dir)//20*/*.csv", extensions: [])
        #expect(nested.kind == .glob)
        #expect(nested.base == dir)
        #expect(nested.ids == ["2025/a.csv", "2026/b.csv"])
        #expect(nested.paths == ["\(dir)/2025/a.csv", "\(dir)/2026/b.csv"])
        #expect(try FileSet.resolve("\(dir)/2026/*", extensions: []).ids == ["b.csv", "c.json"])
    }

    @Test(
        "a pattern's base is its leading parts without a wildcard",
        arguments: [
            ("data/*/x.csv", "data", "*/x.csv"), ("/in/*.csv", "/in", "*.csv"), ("*.csv", "", "*.csv"), ("/*.csv", "/", "*.csv"),
            ("./data//b*", "./data", "b*"), ("in/2026-??/*.jsonl", "in", "2026-??/*.jsonl")
        ])
    func globBase(pattern: String, base: String, rest: String) {
        #expect(FileSet.globBase(pattern) == (base, rest))
    }

    @Test("a relative glob names its files relative to its leading folder, and one with a wildcard first as matched")
    func relativeGlob() throws {
        let dir = try Self.folder(["data/a.csv", "data/b.csv", "c.csv"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cwd = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        #expect(FileManager.default.changeCurrentDirectoryPath(dir))
        let data = try FileSet.resolve("data/*.csv", extensions: [])
        #expect(data.ids == ["a.csv", "b.csv"])
        #expect(data.paths == ["data/a.csv", "data/b.csv"])
        #expect(try FileSet.resolve("./data/b*", extensions: []).paths == ["./data/b.csv"])
        let here = try FileSet.resolve("*/*.csv", extensions: [])
        #expect(here.base == "")
        #expect(here.ids == ["data/a.csv", "data/b.csv"])
        #expect(here.paths == here.ids)
        let folder = try FileSet.resolve("data", extensions: [".csv"])
        #expect(folder.ids == ["a.csv", "b.csv"])
        #expect(folder.paths == ["data/a.csv", "data/b.csv"])
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
        #expect(set == FileSet(path: "/no/such/users.csv", kind: .file, base: "", ids: ["/no/such/users.csv"]))
        #expect(set.paths == ["/no/such/users.csv"])
        #expect(try FileSet.locate("/no/such/users.csv", in: "/no/such/users.csv", extensions: [".csv"]) == "/no/such/users.csv")
    }

    @Test("a resource id is located in the folder or pattern without listing it, and one outside is an error listing the ids")
    func locatesResource() throws {
        let dir = try Self.folder(["a.csv", ".h.csv", "sub/b.csv", "n.md"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try FileSet.locate("a.csv", in: dir, extensions: [".csv"]) == "\(dir)/a.csv")
        #expect(try FileSet.locate("a.csv", in: dir + "/", extensions: [".csv"]) == "\(dir)/a.csv")
        #expect(try FileSet.locate("a.csv", in: "\(dir)//*.csv", extensions: []) == "\(dir)/a.csv")
        #expect(try FileSet.locate("sub/b.csv", in: "\(dir)/*/*.csv", extensions: []) == "\(dir)/sub/b.csv")
        for outside in [".h.csv", "sub/b.csv", "n.md", "gone.csv", "../a.csv", "\(dir)/sub/b.csv", "/etc/passwd"] {
            let e = #expect(throws: PanoplyError.self) { try FileSet.locate(outside, in: dir, extensions: [".csv"]) }
            #expect(e?.message == "'\(outside)' is not one of the files of '\(dir)' (found: a.csv); pick again from the files found")
        }
        #expect(throws: PanoplyError.self) { try FileSet.locate(".h.csv", in: "\(dir)/*.csv", extensions: []) }
        #expect(throws: PanoplyError.self) { try FileSet.locate("sub/b.csv", in: "\(dir)/*.csv", extensions: []) }
        #expect(throws: PanoplyError.self) { try FileSet.locate("b.csv", in: "\(dir)/*/*.csv", extensions: []) }
    }

    @Test("a pattern part starting with a dot matches '..' in fnmatch, yet no id climbs out of the pattern's folder, in either form")
    func noClimbingOut() throws {
        let dir = try Self.folder(["in/.d/x.csv", "x.csv"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pattern = "\(dir)/in/.*/x.csv"
        #expect(try FileSet.locate(".d/x.csv", in: pattern, extensions: []) == "\(dir)/in/.d/x.csv")
        for climbing in ["../x.csv", "\(dir)/in/../x.csv"] {
            #expect(throws: PanoplyError.self, "\(climbing)") { try FileSet.locate(climbing, in: pattern, extensions: []) }
        }
    }

    @Test("an id in the old form, the file's path as given, still names its file and is opened as given")
    func locatesFormerIds() throws {
        let dir = try Self.folder(["a.csv", ".h.csv", "sub/b.csv"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try FileSet.locate("\(dir)/a.csv", in: dir, extensions: [".csv"]) == "\(dir)/a.csv")
        #expect(try FileSet.locate("\(dir)/a.csv", in: dir + "/", extensions: [".csv"]) == "\(dir)/a.csv")
        #expect(try FileSet.locate("\(dir)/a.csv", in: "\(dir)//*.csv", extensions: []) == "\(dir)/a.csv")
        #expect(try FileSet.locate("\(dir)/sub/b.csv", in: "\(dir)/*/*.csv", extensions: []) == "\(dir)/sub/b.csv")
        for outside in ["\(dir)/.h.csv", "\(dir)/sub/b.csv", "\(dir)/gone.csv"] {
            #expect(throws: PanoplyError.self) { try FileSet.locate(outside, in: dir, extensions: [".csv"]) }
        }
        let set = try FileSet.resolve(dir, extensions: [".csv"])
        #expect(set.formerId("\(dir)/a.csv") == "a.csv")
        #expect(set.formerId("a.csv") == nil)
        #expect(try set.locate("\(dir)/a.csv") == "\(dir)/a.csv")
        #expect(try set.locate("a.csv") == "\(dir)/a.csv")
    }
}
