import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// csv and jsonl sources whose path is a folder or a pattern: each file is a resource.
@Suite("CSV and JSON Lines files as resources")
struct FileResourcesTests {
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "panoply-fileres-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func input(_ type: any DataSource.Type, _ params: [String: String], resource: String? = nil, state: JSONObject? = nil) throws -> SourceInput {
        SourceInput(type: type.type, params: try type.configuration.validate(params).get(), state: state, resource: resource)
    }

    /// Reads an instance to its end; returns the records and the last state it reported.
    static func readAll(_ type: any DataSource.Type, _ input: SourceInput) async throws -> ([JSONObject], JSONObject) {
        let context = SourceContext(input: input)
        let source = try await type.init(source: input, context: context)
        var records: [JSONObject] = []
        while let batch = try await source.read(3) { records += batch }
        await source.close()
        return (records, context.mergedState)
    }

    @Test("the files param lists the folder's files; listResources gives their header columns with guessed types")
    func csvValuesAndResources() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "id,name,price,ok,note\n1,ann,2.50,true,\n2,bob,3,false,x\n".write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
        try "when;count\n2026-01-01;7\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        #expect(CSVSource.configuration.resourcesParam == "files")
        #expect(CSVSource.configuration.param("files")?.dependencies == ["path", "delimiter"])
        #expect(JSONLSource.configuration.param("files")?.dependencies == ["path"])
        let input = try Self.input(CSVSource.self, ["path": dir])
        let context = SourceContext(input: input)
        let values = try await CSVSource.values(param: "files", source: input, context: context)
        #expect(values.map(\.value) == ["a.csv", "b.csv"])
        #expect(values.map(\.name) == ["a.csv", "b.csv"])
        let resources = try await CSVSource.listResources(source: input, context: context)
        #expect(resources.map(\.id) == ["a.csv", "b.csv"])
        let b = resources[1].fields.map { "\($0.name):\($0.type)" }
        #expect(b == ["id:integer", "name:string", "price:number", "ok:boolean", "note:string"])
        let semicolon = try Self.input(CSVSource.self, ["path": dir + "/a.csv", "delimiter": ";"])
        let one = try await CSVSource.listResources(source: semicolon, context: context)
        #expect(one.map(\.id) == ["\(dir)/a.csv"])
        #expect(one[0].fields.map(\.name) == ["when", "count"])
        #expect(try await CSVSource.values(param: "files", source: semicolon, context: context).isEmpty)
    }

    @Test("an instance reads its resource's file with that file's state: a finished file gives nothing, a grown one its new rows")
    func csvInstancePerFile() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "id\n1\n2\n3\n4\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        try "id\n10\n".write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
        let a = "a.csv"
        let (first, state) = try await Self.readAll(CSVSource.self, try Self.input(CSVSource.self, ["path": dir], resource: a))
        #expect(ids(first) == [1, 2, 3, 4])
        let (again, _) = try await Self.readAll(CSVSource.self, try Self.input(CSVSource.self, ["path": dir], resource: a, state: state))
        #expect(again.isEmpty)
        let handle = try #require(FileHandle(forWritingAtPath: dir + "/a.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("5\n".utf8))
        try handle.close()
        let (grown, _) = try await Self.readAll(CSVSource.self, try Self.input(CSVSource.self, ["path": "\(dir)/*.csv"], resource: a, state: state))
        #expect(ids(grown) == [5])
    }

    @Test("a resource that is not among the files found, and a folder opened without a resource, are clear errors")
    func csvWrongResource() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "id\n1\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        let other = try Self.input(CSVSource.self, ["path": dir], resource: "/etc/passwd")
        let wrong = await #expect(throws: PanoplyError.self) { _ = try await Self.readAll(CSVSource.self, other) }
        #expect(wrong?.message == "'/etc/passwd' is not one of the files of '\(dir)' (found: a.csv); pick again from the files found")
        let whole = await #expect(throws: PanoplyError.self) { _ = try await Self.readAll(CSVSource.self, try Self.input(CSVSource.self, ["path": dir])) }
        #expect(whole?.message == "'\(dir)' is a folder of 1 files, each read as a resource by the runner (panoply run), not by one instance")
    }

    @Test("jsonl lists the files of a pattern with the keys of their first objects, and reads one by resource")
    func jsonlResources() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{\"id\":1,\"tags\":[\"a\"]}\n\n{\"id\":2.5,\"meta\":{\"k\":1},\"gone\":null}\r\n".write(
            toFile: dir + "/e1.jsonl", atomically: true, encoding: .utf8)
        try "{\"id\":3}".write(toFile: dir + "/e2.jsonl", atomically: true, encoding: .utf8)
        try "{\"id\":4}\n".write(toFile: dir + "/skip.ndjson", atomically: true, encoding: .utf8)
        #expect(JSONLSource.configuration.resourcesParam == "files")
        let input = try Self.input(JSONLSource.self, ["path": "\(dir)/e*.jsonl"])
        let context = SourceContext(input: input)
        #expect(try await JSONLSource.values(param: "files", source: input, context: context).map(\.value) == ["e1.jsonl", "e2.jsonl"])
        let resources = try await JSONLSource.listResources(source: input, context: context)
        #expect(resources.first?.fields.map { "\($0.name):\($0.type)" } == ["id:number", "tags:array", "meta:object", "gone:string"])
        #expect(resources.last?.fields.map(\.name) == ["id"])
        let (records, state) = try await Self.readAll(
            JSONLSource.self, try Self.input(JSONLSource.self, ["path": "\(dir)/e*.jsonl"], resource: "e2.jsonl"))
        #expect(ids(records) == [3])
        let (again, _) = try await Self.readAll(JSONLSource.self, try Self.input(JSONLSource.self, ["path": dir], resource: "e2.jsonl", state: state))
        #expect(again.isEmpty)
    }

    @Test("a runner on a folder reads each file as a resource, while a path that is one file runs as before")
    func runnerFolderAndOneFile() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        try FileManager.default.createDirectory(atPath: h.path("in"), withIntermediateDirectories: true)
        try "id\n1\n2\n".write(toFile: h.path("in/a.csv"), atomically: true, encoding: .utf8)
        try "id\n3\n".write(toFile: h.path("in/b.csv"), atomically: true, encoding: .utf8)
        let folder = try await h.run(CSVSource.self, ["path": h.path("in")])
        #expect(folder.summary.status == .done, "\(folder.summary.error?.message ?? "")")
        let records = try h.delivered()
        #expect(
            records.map { "\($0["__resource"]?.stringValue ?? "-"):\($0["id"]?.stringValue ?? "-")" }.sorted()
                == ["a.csv:1", "a.csv:2", "b.csv:3"])
        #expect(records.map { $0["__table"]?.stringValue ?? "-" }.sorted() == ["csv_a_csv", "csv_a_csv", "csv_b_csv"])
        #expect(folder.logs.contains("no files to read picked: reading all 2 found"))
        #expect(try h.savedState()?.keys.sorted() == ["a.csv", "b.csv"])

        let single = try RunHarness()
        defer { single.remove() }
        let one = try await single.run(CSVSource.self, ["path": h.path("in/a.csv")])
        #expect(one.summary.status == .done)
        #expect(try single.delivered().map { $0["__table"]?.stringValue } == ["csv", "csv"])
        #expect(try single.savedState()?["csv"]?.objectValue?["row"] == 2)
    }

    @Test("a file picked by its path as given (ids before they were relative) is still offered, listed and read under that id")
    func formerPicks() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "id,name\n1,ann\n2,bob\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
        try "id\n3\n".write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
        let old = dir + "/a.csv"
        let input = try Self.input(CSVSource.self, ["path": dir, "files": "\(old), b.csv, \(dir)/gone.csv"])
        let context = SourceContext(input: input)
        #expect(try await CSVSource.values(param: "files", source: input, context: context).map(\.value) == ["a.csv", "b.csv", old])
        let resources = try await CSVSource.listResources(source: input, context: context)
        #expect(resources.map(\.id) == ["a.csv", "b.csv", old])
        #expect(resources.last?.fields.map(\.name) == ["id", "name"])
        let (records, _) = try await Self.readAll(CSVSource.self, try Self.input(CSVSource.self, ["path": "\(dir)/*.csv"], resource: old))
        #expect(ids(records) == [1, 2])
        let none = try Self.input(CSVSource.self, ["path": dir])
        #expect(try await CSVSource.values(param: "files", source: none, context: context).map(\.value) == ["a.csv", "b.csv"])
    }

    @Test("a run picking files by their old ids keeps those ids and tables, and resumes the state an interrupted run left under them")
    func runnerFormerIds() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        try FileManager.default.createDirectory(atPath: h.path("in"), withIntermediateDirectories: true)
        try "id\n1\n2\n3\n".write(toFile: h.path("in/a.csv"), atomically: true, encoding: .utf8)
        try "id\n10\n".write(toFile: h.path("in/b.csv"), atomically: true, encoding: .utf8)
        let (a, b) = (h.path("in/a.csv"), h.path("in/b.csv"))
        // An interrupted run read a.csv's first row and all of b.csv.
        try StateFile.save([a: ["csv": ["offset": 5, "row": 1]], ResourcePlan.finishedKey: [.string(b)]], to: h.stateFile)
        let run = try await h.run(CSVSource.self, ["path": h.path("in"), "files": "\(a),\(b)"])
        #expect(run.summary.status == .done, "\(run.summary.error?.message ?? "")")
        let records = try h.delivered()
        #expect(records.map { "\($0["__resource"]?.stringValue ?? "-"):\($0["id"]?.stringValue ?? "-")" } == ["\(a):2", "\(a):3"])
        #expect(records.allSatisfy { $0["__table"]?.stringValue == "csv_" + ResourcePlan.tableSafe(a) })
        let state = try #require(try h.savedState())
        #expect(state[a]?.objectValue?["csv"]?.objectValue?["row"] == 3)
        #expect(state["a.csv"] == nil)
    }

    @Test("a source with no picks whose state holds old ids reads every file again under its relative id, into its new table")
    func noPicksAfterFormerIds() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        try FileManager.default.createDirectory(atPath: h.path("in"), withIntermediateDirectories: true)
        try "id\n1\n2\n".write(toFile: h.path("in/a.csv"), atomically: true, encoding: .utf8)
        try StateFile.save([h.path("in/a.csv"): ["csv": ["offset": 7, "row": 2]]], to: h.stateFile)
        let run = try await h.run(CSVSource.self, ["path": h.path("in")])
        #expect(run.summary.status == .done, "\(run.summary.error?.message ?? "")")
        #expect(try h.delivered().map { "\($0["__table"]?.stringValue ?? "-"):\($0["id"]?.stringValue ?? "-")" } == ["csv_a_csv:1", "csv_a_csv:2"])
        #expect(try h.savedState()?["a.csv"]?.objectValue?["csv"]?.objectValue?["row"] == 2)
    }

    @Test("values computed from the dependencies alone, as a form asks for them, follow the delimiter: a tab folder lists its .tsv files")
    func valuesFromDependencies() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["a.csv", "b.tsv", "c.tab"] { try "id\n1\n".write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        let config = CSVSource.configuration
        for (delimiter, expected) in [(",", ["a.csv"]), ("tab", ["b.tsv", "c.tab"])] {
            let deps = try config.validate(["path": dir, "delimiter": delimiter, "header": "maybe"], dependenciesOf: "files").get()
            let input = SourceInput(type: "csv", params: deps)
            let values = try await CSVSource.values(param: "files", source: input, context: SourceContext(input: input))
            #expect(values.map(\.value) == expected)
        }
        let onlyPath = try config.validate(["path": dir], dependenciesOf: "files").get()
        #expect(onlyPath["delimiter"] == ",")
    }
}
