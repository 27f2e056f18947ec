import Foundation
import PanoplyKit
import PanoplyTestSupport
import Testing

/// `panoply run --saved NAME` and `panoply list`, on sources saved as the UI saves them.
@Suite("panoply run --saved and list")
struct SavedRunCLITests {
    /// A config folder holding `sources` (name, type, values) in the UI's format.
    static func configFolder(_ sources: [(String, String, [String: String])]) throws -> URL {
        let dir = try temporaryDirectory()
        let list = sources.map { ["name": $0.0, "type": $0.1, "values": $0.2, "table": ""] as [String: Any] }
        let data = try JSONSerialization.data(withJSONObject: ["version": 1, "sources": list])
        try data.write(to: dir.appendingPathComponent("sources.json"))
        return dir
    }

    static func historyRuns(_ dir: URL, _ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: dir.appendingPathComponent("history/\(name).json"))
        let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(o["runs"] as? [[String: Any]])
    }

    @Test("a failed saved run resumes the next time, a done one starts over, and both are in the history and list --json")
    func savedRunsResumeAndAreRecorded() throws {
        let dir = try Self.configFolder([("Nightly", "demo", ["rows": "3000", "batch_size": "500", "fail_at": "2000", "fail_mode": "fatal"])])
        let out = dir.appendingPathComponent("out").path
        let args = ["run", "--saved", "Nightly", "--config-dir", dir.path, "--outbox", out]
        let first = try CLI.run(args)
        #expect(first.status == 1, "\(first.stderr)")
        let second = try CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resuming from the committed state"), "\(second.stderr)")
        let ids = try outboxIds(URL(fileURLWithPath: out))
        #expect(Set(ids) == Set(1...3000))
        #expect(ids.count < 4500, "the second run resumed instead of reading everything again")
        let list = try CLI.run(["list", "--json", "--config-dir", dir.path])
        #expect(list.status == 0, "\(list.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let sources = try #require(o["sources"] as? [[String: Any]])
        #expect(sources.first?["name"] as? String == "Nightly")
        #expect(sources.first?["type"] as? String == "demo")
        let last = try #require(sources.first?["lastRun"] as? [String: Any])
        #expect(last["status"] as? String == "done")
        // The resumed run delivered the rows after the failed run's committed state.
        #expect((1500...3000).contains(last["records"] as? Int ?? 0), "\(last)")
        #expect((last["started"] as? String)?.hasSuffix("Z") == true)

        let third = try CLI.run(args)
        #expect(third.stderr.contains("starting over"), "demo is not incremental: \(third.stderr)")
        #expect(third.status == 1, "started over, so it reaches the failing row again")

        let runs = try Self.historyRuns(dir, "Nightly")
        #expect(runs.map { $0["status"] as? String } == ["failed", "done", "failed"])
        #expect(runs[0]["origin"] as? String == "cli")
        #expect((runs[0]["error"] as? String)?.contains("demo failure at row 2000") == true)
        #expect((runs[0]["log"] as? [String])?.contains { $0.contains("failed: demo failure") } == true)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("history/Nightly.json").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

    }

    @Test("--full-refresh starts over after a failure")
    func fullRefreshStartsOver() throws {
        let dir = try Self.configFolder([("Nightly", "demo", ["rows": "3000", "batch_size": "500", "fail_at": "2000", "fail_mode": "fatal"])])
        let out = dir.appendingPathComponent("out").path
        let args = ["run", "--saved", "Nightly", "--config-dir", dir.path, "--outbox", out]
        _ = try CLI.run(args)
        let again = try CLI.run(args + ["--full-refresh"])
        #expect(again.stderr.contains("full refresh: starting over"), "\(again.stderr)")
        #expect(again.stderr.contains("demo failure at row 2000"), "started over, so it reaches the failing row again: \(again.stderr)")
    }

    @Test("an expanded ${VAR} never reaches the saved file, the history, the log or --events json")
    func environmentSecretsStayOut() throws {
        let secret = "s3cr3t-folder-\(UUID().uuidString.prefix(8))"
        let base = try temporaryDirectory()
        let dir = try Self.configFolder([("Files", "csv", ["path": base.path + "/${DATA_SECRET}/users.csv"])])
        let args = ["run", "--saved", "Files", "--config-dir", dir.path, "--outbox", dir.appendingPathComponent("out").path, "--events", "json"]
        let failed = try CLI.run(args, environment: ["DATA_SECRET": secret])
        #expect(failed.status != 0, "the file does not exist yet: \(failed.stderr)")
        #expect(failed.stdout.contains("****") || failed.stderr.contains("****"), "the error names the path, masked: \(failed.stdout)\(failed.stderr)")
        try FileManager.default.createDirectory(at: base.appendingPathComponent(secret), withIntermediateDirectories: true)
        try "id,name\n1,ann\n2,bob\n".write(to: base.appendingPathComponent("\(secret)/users.csv"), atomically: true, encoding: .utf8)
        let done = try CLI.run(args, environment: ["DATA_SECRET": secret])
        #expect(done.status == 0, "\(done.stderr)")
        for text in [failed.stdout, failed.stderr, done.stdout, done.stderr] { #expect(!text.contains(secret)) }
        let sources = try String(contentsOf: dir.appendingPathComponent("sources.json"), encoding: .utf8)
        #expect(sources.contains("${DATA_SECRET}") && !sources.contains(secret))
        let history = try String(contentsOf: dir.appendingPathComponent("history/Files.json"), encoding: .utf8)
        #expect(!history.contains(secret))
        #expect(try Self.historyRuns(dir, "Files").map { $0["status"] as? String } == ["failed", "done"])
    }

    @Test("a missing variable is a config error that names it")
    func missingVariableIsNamed() throws {
        let dir = try Self.configFolder([("Files", "csv", ["path": "/data/${NO_SUCH_PANOPLY_VAR}.csv"])])
        let r = try CLI.run(["run", "--saved", "Files", "--config-dir", dir.path, "--outbox", dir.appendingPathComponent("out").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("NO_SUCH_PANOPLY_VAR is not set"), "\(r.stderr)")
    }

    @Test("an unknown saved name lists the saved ones; TYPE and --saved do not go together")
    func badUsage() throws {
        let dir = try Self.configFolder([("Nightly", "demo", [:])])
        let r = try CLI.run(["run", "--saved", "Nope", "--config-dir", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no saved source named 'Nope'") && r.stderr.contains("'Nightly'"), "\(r.stderr)")
        let both = try CLI.run(["run", "demo", "--saved", "Nightly", "--config-dir", dir.path])
        #expect(both.status == 2)
        #expect(both.stderr.contains("not both"), "\(both.stderr)")
    }

    @Test("sources --json shows when a param applies (visibleWhen)")
    func sourcesShowVisibleWhen() throws {
        let r = try CLI.run(["sources", "--json", "http"])
        #expect(r.status == 0, "\(r.stderr)")
        let types = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let params = try #require(types.first?["params"] as? [[String: Any]])
        let tokenURL = try #require(params.first { $0["name"] as? String == "token_url" })
        #expect(tokenURL["visibleWhen"] as? [String: [String]] == ["auth": ["oauth2"]])
        let url = try #require(params.first { $0["name"] as? String == "url" })
        #expect(url["visibleWhen"] as? [String: [String]] == [:])
    }

    @Test("panoply --help names the config folder and how to move it")
    func helpNamesTheConfigFolder() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        for text in ["--config-dir", "PANOPLY_CONFIG_DIR", "XDG_CONFIG_HOME", "~/.config/panoply"] {
            #expect(help.stdout.contains(text), "\(text): \(help.stdout)")
        }
    }
}
