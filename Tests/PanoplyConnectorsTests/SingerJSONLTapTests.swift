import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// The real `tap-jsonl` from PyPI (installed into the test venv by scripts/test.sh): run,
/// cancelled at its first committed state, resumed with that state.
///
/// tap-jsonl 0.3.1 (singer-sdk 0.53) writes a file's bookmark only when the whole stream
/// ends (mid-run states hold "not resumable" progress markers), and looks bookmarks up
/// under a key it never writes, so a resumed run reads every file again: the test checks
/// that nothing is lost and records the re-reads as a known issue of the tap.
@Suite("tap-jsonl through singer:", .enabled(if: PythonFixtures.available))
struct SingerJSONLTapTests {
    // Enough that reading them all takes far longer than the first commit (20 ms flushes), under load too.
    static let files = 20, lines = 3000

    /// Writes the files, each with modification times in the past (the tap's bookmark
    /// has 1-second resolution).
    static func writeFiles(_ folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for f in 1...files {
            let text = (1...lines).map { #"{"n": \#($0), "file": \#(f), "pad": "\#(String(repeating: "x", count: 80))"}"# }.joined(separator: "\n") + "\n"
            let path = folder + "/part-\(f).jsonl"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let past = Date().addingTimeInterval(-3600 * Double(files + 1 - f))
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: path)
        }
    }

    @Test("settings come from --about; cancelled mid-way and resumed, every record arrives")
    func runCancelResume() async throws {
        let kind = try SingerSourceKind.kind(executable: "tap-jsonl", environment: PythonFixtures.tapEnvironment)
        #expect(kind.configuration.param("path")?.required == true)
        #expect(kind.configuration.param("emit_state_every")?.kind == .number)
        let h = try RunHarness()
        defer { h.remove() }
        try Self.writeFiles(h.path("data"))
        let params = ["path": h.path("data") + "/*.jsonl", "emit_state_every": "500"]
        let first = try await h.run(kind, params, batchSize: 200) { event, runner in
            if case .state(let s) = event, s["singer"] != nil { runner.cancel() }
        }
        #expect(first.summary.status == .cancelled)
        let firstRecords = try h.delivered()
        #expect(firstRecords.count < Self.files * Self.lines)
        let state = try #require(try h.savedState())
        #expect(state[path: "singer.bookmarks.jsonl"] != nil)

        let second = try await h.run(kind, params, batchSize: 200)
        #expect(second.summary.status == .done, "\(String(describing: second.summary.error))")
        #expect(second.logs.contains { $0.contains("resumes from its saved state") })
        let all = try h.delivered()
        let keys = Set(
            all.compactMap { r -> String? in
                guard let f = r["file"]?.intValue, let n = r["n"]?.intValue else { return nil }
                return "\(f):\(n)"
            })
        #expect(keys.count == Self.files * Self.lines)
        #expect(all.allSatisfy { $0[SourceResource.recordKey] == "jsonl" })
        #expect(!Self.finishedFiles(try #require(try h.savedState())).isEmpty)
        withKnownIssue("tap-jsonl 0.3.1 reads every file again on resume (see above)") {
            #expect(all.count == Self.files * Self.lines)
        }
    }

    /// The files whose partition in the tap's state has a bookmark (done files).
    static func finishedFiles(_ state: JSONObject) -> Set<String> {
        let partitions = state[path: "singer.bookmarks.jsonl"]?.objectValue?["partitions"]?.arrayValue ?? []
        return Set(
            partitions.compactMap { p -> String? in
                guard let o = p.objectValue, o["replication_key_value"] != nil else { return nil }
                return o["context"]?.objectValue?["_sdc_filename"]?.stringValue
            })
    }
}
