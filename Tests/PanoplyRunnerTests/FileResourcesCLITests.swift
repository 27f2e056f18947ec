import Foundation
import PanoplyKit
import Testing

/// `panoply run csv|jsonl` on a folder or a pattern: each file a resource, read once; a
/// file added later is the only one the next run with the same state reads.
@Suite("CLI: csv and jsonl folders as resources")
struct FileResourcesCLITests {
    /// Runs `panoply ARGS` on a thread of its own, so waiting for it blocks no thread of
    /// the test's concurrency pool (other suites' async tests keep running).
    static func panoply(_ args: [String], in directory: URL? = nil) async throws -> Child.Exit {
        try await withCheckedThrowingContinuation { done in
            Thread { done.resume(with: Result { try CLI.run(args, in: directory) }) }.start()
        }
    }

    static func scratch() throws -> URL {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("panoply-filescli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        return dir
    }

    /// Rows `k*1000+1 ... k*1000+rows` of file `k`, so every row names its file; returns
    /// its resource id, its name in the folder.
    static func writeCSV(_ dir: URL, _ k: Int, rows: Int) throws -> String {
        let path = dir.appendingPathComponent("in/part-\(k).csv").path
        let text = "id,name\n" + (1...rows).map { "\(k * 1000 + $0),\"row \($0), file \(k)\"\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return "part-\(k).csv"
    }

    /// Every outbox record, grouped by its `__resource`.
    static func delivered(_ outbox: URL) throws -> [String: [JSONObject]] {
        guard FileManager.default.fileExists(atPath: outbox.path) else { return [:] }
        var out: [String: [JSONObject]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter({ $0.hasSuffix(".ndjson") }).sorted() {
            for line in try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8).split(separator: "\n") where !line.isEmpty {
                guard case .object(let o) = try JSONParser.parse(String(line)) else { continue }
                out[o["__resource"]?.stringValue ?? "(none)", default: []].append(o)
            }
        }
        return out
    }

    static func ids(_ records: [JSONObject]?) -> [Int] {
        (records ?? []).compactMap { $0["id"]?.intValue ?? $0["id"]?.stringValue.flatMap { Int($0) } }.sorted()
    }

    /// The `resource` of every `progress` event that reached `done`.
    static func doneResources(_ stdout: String) throws -> Set<String> {
        var done = Set<String>()
        for line in stdout.split(separator: "\n") {
            guard let e = try? JSONParser.parse(String(line)), e[path: "event"] == "progress", e[path: "status"] == "done",
                let id = e[path: "resource"]?.stringValue
            else { continue }
            done.insert(id)
        }
        return done
    }

    @Test("a folder of 5 CSV files delivers each file's rows once, tagged with its name in the folder; a 6th file added is all a second run reads")
    func csvFolder() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("in").path
        let files = try (1...5).map { try Self.writeCSV(dir, $0, rows: 40 * $0) }
        try "not,a,part\n".write(toFile: folder + "/.hidden.csv", atomically: true, encoding: .utf8)
        try "notes\n".write(toFile: folder + "/README.md", atomically: true, encoding: .utf8)
        let check = try await Self.panoply(["check", "csv", "--param", "path=\(folder)"])
        #expect(check.status == 0, "\(check.stderr)")
        let state = dir.appendingPathComponent("state.json").path
        let first = try await Self.panoply([
            "run", "csv", "--param", "path=\(folder)", "--state", state, "--events", "json",
            "--outbox", dir.appendingPathComponent("out1").path
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let got = try Self.delivered(dir.appendingPathComponent("out1"))
        #expect(got.keys.sorted() == files)
        for (k, file) in files.enumerated() {
            #expect(Self.ids(got[file]) == Array((k + 1) * 1000 + 1...(k + 1) * 1000 + 40 * (k + 1)))
            #expect(got[file]?.allSatisfy { $0["__table"]?.stringValue == "csv_part_\(k + 1)_csv" } == true)
        }
        #expect(try Self.doneResources(first.stdout) == Set(files))
        let saved = try #require(try StateFile.load(state))
        #expect(saved.keys.sorted() == files)

        let sixth = try Self.writeCSV(dir, 6, rows: 7)
        let second = try await Self.panoply([
            "run", "csv", "--param", "path=\(folder)", "--state", state,
            "--outbox", dir.appendingPathComponent("out2").path
        ])
        #expect(second.status == 0, "\(second.stderr)")
        let again = try Self.delivered(dir.appendingPathComponent("out2"))
        #expect(again.keys.sorted() == [sixth])
        #expect(Self.ids(again[sixth]) == Array(6001...6007))
        #expect(try StateFile.load(state)?.keys.sorted() == files + [sixth])
    }

    @Test("picked files are the only ones read, and a jsonl pattern picks up a file added later")
    func pickedAndJSONL() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try (1...3).map { try Self.writeCSV(dir, $0, rows: 5) }
        let picked = try await Self.panoply([
            "run", "csv", "--param", "path=\(dir.path)/in/*.csv", "--param", "files=\(files[0]),\(files[2])",
            "--outbox", dir.appendingPathComponent("out").path
        ])
        #expect(picked.status == 0, "\(picked.stderr)")
        #expect(try Self.delivered(dir.appendingPathComponent("out")).keys.sorted() == [files[0], files[2]])

        let events = { (k: Int) in "events-\(k).jsonl" }
        let write = { (k: Int, text: String) in try text.write(to: dir.appendingPathComponent("in/" + events(k)), atomically: true, encoding: .utf8) }
        for k in 1...2 { try write(k, "{\"id\":\(k)1}\n{\"id\":\(k)2}\n") }
        let state = dir.appendingPathComponent("jsonl.state").path
        let args = ["run", "jsonl", "--param", "path=\(dir.path)/in/events-*.jsonl", "--state", state, "--outbox"]
        let first = try await Self.panoply(args + [dir.appendingPathComponent("j1").path])
        #expect(first.status == 0, "\(first.stderr)")
        let got = try Self.delivered(dir.appendingPathComponent("j1"))
        #expect(got.mapValues { Self.ids($0) } == [events(1): [11, 12], events(2): [21, 22]])
        try write(3, "{\"id\":31}\n")
        let second = try await Self.panoply(args + [dir.appendingPathComponent("j2").path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.delivered(dir.appendingPathComponent("j2")).mapValues { Self.ids($0) } == [events(3): [31]])
    }

    @Test("a file picked by its old id, its path as given, is still checked and read, and its records carry that id")
    func formerIdPicked() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for k in 1...2 { _ = try Self.writeCSV(dir, k, rows: 3) }
        let folder = dir.appendingPathComponent("in").path
        let old = folder + "/part-2.csv"
        let check = try await Self.panoply(["check", "csv", "--param", "path=\(folder)", "--param", "files=\(old)"])
        #expect(check.status == 0, "\(check.stderr)")
        let run = try await Self.panoply([
            "run", "csv", "--param", "path=\(folder)", "--param", "files=\(old)", "--outbox", dir.appendingPathComponent("out").path
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let got = try Self.delivered(dir.appendingPathComponent("out"))
        #expect(got.mapValues { Self.ids($0) } == [old: [2001, 2002, 2003]])
        #expect(got[old]?.allSatisfy { $0["__table"]?.stringValue == "csv_" + ResourcePlan.tableSafe(old) } == true)
    }

    @Test("a relative path names files relative to its folder: path=in from the folder above, a glob over sub-folders gives sub/name")
    func relativePaths() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.writeCSV(dir, 1, rows: 2)
        let run = try await Self.panoply(["run", "csv", "--param", "path=in", "--outbox", "out"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let got = try Self.delivered(dir.appendingPathComponent("out"))
        #expect(got.mapValues { Self.ids($0) } == ["part-1.csv": [1001, 1002]])
        #expect(got["part-1.csv"]?.allSatisfy { $0["__table"]?.stringValue == "csv_part_1_csv" } == true)

        for sub in ["2025", "2026"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("in/\(sub)"), withIntermediateDirectories: true)
            try "{\"id\":\(sub)}\n".write(to: dir.appendingPathComponent("in/\(sub)/e.jsonl"), atomically: true, encoding: .utf8)
        }
        let glob = try await Self.panoply(["run", "jsonl", "--param", "path=in/*/*.jsonl", "--outbox", "j"], in: dir)
        #expect(glob.status == 0, "\(glob.stderr)")
        let nested = try Self.delivered(dir.appendingPathComponent("j"))
        #expect(nested.mapValues { Self.ids($0) } == ["2025/e.jsonl": [2025], "2026/e.jsonl": [2026]])
        #expect(nested["2026/e.jsonl"]?.first?["__table"]?.stringValue == "jsonl_2026_e_jsonl")
    }

    @Test("field settings name a file by its id: --exclude part-1.csv:name leaves that file's names out, and an unknown field of it is an error")
    func fieldSettingsByFileId() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for k in 1...2 { _ = try Self.writeCSV(dir, k, rows: 2) }
        let folder = dir.appendingPathComponent("in").path
        let run = try await Self.panoply([
            "run", "csv", "--param", "path=\(folder)", "--exclude", "part-1.csv:name", "--outbox", dir.appendingPathComponent("out").path
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let got = try Self.delivered(dir.appendingPathComponent("out"))
        #expect(got["part-1.csv"]?.count == 2)
        #expect(got["part-1.csv"]?.allSatisfy { $0["name"] == nil } == true)
        #expect(got["part-2.csv"]?.allSatisfy { $0["name"] != nil } == true)
        let wrong = try await Self.panoply(["run", "csv", "--param", "path=\(folder)", "--exclude", "part-1.csv:nope", "--outbox", "/nonexistent"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("part-1.csv has no field 'nope' (its fields: id, name)"), "\(wrong.stderr)")
    }

    @Test("a folder with no CSV file fails the run with a message saying what to give")
    func emptyFolder() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("in").path
        let r = try await Self.panoply(["run", "csv", "--param", "path=\(folder)", "--outbox", dir.appendingPathComponent("out").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("folder '\(folder)' holds no .csv file"))
    }
}
