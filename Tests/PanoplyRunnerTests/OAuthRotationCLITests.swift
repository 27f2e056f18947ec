import Foundation
import PanoplyKit
import Testing

/// `panoply run http` with OAuth2 refresh token rotation, against
/// scripts/fixtures/http_fixture.py (started by scripts/services/http-fixture.sh).
@Suite("OAuth2 refresh token rotation across runs of the CLI")
struct OAuthRotationCLITests {
    static let base: String? = {
        let v = ProcessInfo.processInfo.environment["PANOPLY_TEST_HTTP_URL"]
        if v?.isEmpty != false { print("skipping OAuth2 rotation CLI tests: PANOPLY_TEST_HTTP_URL is not set (run scripts/services/http-fixture.sh start)") }
        return v?.isEmpty == false ? v : nil
    }()

    @Test(
        "a second process refreshes with the refresh token the first one was rotated to; no token is printed",
        .enabled(if: base != nil))
    func secondRunUsesRotatedToken() throws {
        let base = try #require(Self.base)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = UUID().uuidString
        // The initial access token is expired at once; each issued one works for one request;
        // each refresh token works once and the answer carries the next one.
        let args = [
            "run", "http", "--param", "url=\(base)/items?scenario=\(scenario)&auth=1&expire_after=0&token_uses=1",
            "--param", "records_path=data.items", "--param", "auth=oauth2", "--param", "access_token=initial-token",
            "--param", "token_url=\(base)/oauth/token?scenario=\(scenario)&rotate=1",
            "--param", "client_id=test-client", "--param", "client_secret=test-secret", "--param", "refresh_token=good-refresh",
            "--state", dir.appendingPathComponent("state.json").path,
            "--outbox", dir.appendingPathComponent("out").path, "--events", "json"
        ]
        let first = try CLI.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try outboxIds(dir.appendingPathComponent("out")).count == 20)

        let statePath = dir.appendingPathComponent("state.json").path
        let state = try #require(try StateFile.load(statePath))
        #expect(state[SavedParams.stateKey]?[path: "refresh_token.value"] == "rotated-refresh-2")
        let mode = try FileManager.default.attributesOfItem(atPath: statePath)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Source changes and saved params are masked in the event stream.
        let events = second.stdout.split(separator: "\n").compactMap { (try? JSONParser.parse(String($0)))?.objectValue }
        let change = try #require(events.first { $0["event"] == "source-change" })
        #expect(JSONValue.object(change)[path: "changes.refresh_token"] == "****")
        #expect(events.contains { $0["event"] == "state" && JSONValue.object($0)[path: "state.__params.refresh_token"] == "****" })
        for out in [first.stdout, first.stderr, second.stdout, second.stderr] {
            for secret in ["good-refresh", "rotated-refresh", "fresh-token", "test-secret"] {
                #expect(!out.contains(secret), "\(secret) was printed")
            }
        }
    }

    @Test(
        "check refreshes with the run's state file: the rotated token is saved there and the next run uses it",
        .enabled(if: base != nil))
    func checkKeepsRotatedToken() throws {
        let base = try #require(Self.base)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let statePath = dir.appendingPathComponent("state.json").path
        func args(_ scenario: String) -> [String] {
            [
                "http", "--param", "url=\(base)/items?scenario=\(scenario)&auth=1&expire_after=0&token_uses=1",
                "--param", "records_path=data.items", "--param", "auth=oauth2", "--param", "access_token=initial-token",
                "--param", "token_url=\(base)/oauth/token?scenario=\(scenario)&rotate=1",
                "--param", "client_id=test-client", "--param", "client_secret=test-secret", "--param", "refresh_token=good-refresh"
            ]
        }
        // Without a state file, check warns that a rotated token is not kept.
        let lost = try CLI.run(["check"] + args(UUID().uuidString))
        #expect(lost.status == 0, "\(lost.stderr)")
        #expect(lost.stderr.contains("without --state FILE it is not kept"), "\(lost.stderr)")

        let scenario = UUID().uuidString
        let check = try CLI.run(["check"] + args(scenario) + ["--state", statePath])
        #expect(check.status == 0, "\(check.stderr)")
        let state = try #require(try StateFile.load(statePath))
        #expect(state[SavedParams.stateKey]?[path: "refresh_token.value"] == "rotated-refresh-1")
        // good-refresh is revoked now; the run refreshes with the saved rotated one.
        let run = try CLI.run(["run"] + args(scenario) + ["--state", statePath, "--outbox", dir.appendingPathComponent("out").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try outboxIds(dir.appendingPathComponent("out")).count == 10)  // the fixture's first page
        for out in [lost.stdout, lost.stderr, check.stdout, check.stderr, run.stdout, run.stderr] {
            for secret in ["good-refresh", "rotated-refresh", "fresh-token", "test-secret"] {
                #expect(!out.contains(secret), "\(secret) was printed")
            }
        }
    }

    @Test(
        "resources of one run share the rotating grant: each delivers every record, and the state keeps the newest refresh token",
        .enabled(if: base != nil), arguments: [(parallel: 1, tokenUses: 1), (parallel: 2, tokenUses: 1000)])
    func resourcesShareRotatedToken(parallel: Int, tokenUses: Int) async throws {
        let base = try #require(Self.base)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = UUID().uuidString
        // The initial access token is expired at once; each issued one works for `tokenUses`
        // requests; each refresh token works once and the answer carries the next one.
        // One run at a time (1) rotates within and between resources; two at once (2) both
        // start with the expired token, and the third opens after the first rotation.
        let totals = [23, 14, 6]
        let endpoints = totals.map { "items?scenario=\(scenario)&auth=1&expire_after=0&token_uses=\(tokenUses)&total=\($0)" }
        let statePath = dir.appendingPathComponent("state.json").path
        let run = try CLI.run([
            "run", "http", "--param", "base_url=\(base)", "--param", "endpoints=\(endpoints.joined(separator: ","))",
            "--param", "records_path=data.items", "--param", "pagination=page", "--param", "page_size_param=per_page", "--param", "page_size=10",
            "--param", "auth=oauth2", "--param", "access_token=initial-token",
            "--param", "token_url=\(base)/oauth/token?scenario=\(scenario)&rotate=1",
            "--param", "client_id=test-client", "--param", "client_secret=test-secret", "--param", "refresh_token=good-refresh",
            "--parallel-resources", String(parallel), "--state", statePath, "--outbox", dir.appendingPathComponent("out").path
        ])
        #expect(run.status == 0, "\(run.stderr)")

        // Every record of every resource, once.
        let records = try outboxRecords(dir.appendingPathComponent("out"))
        let byEndpoint = Dictionary(grouping: records) { $0["__resource"]?.stringValue ?? "-" }
        #expect(byEndpoint.keys.sorted() == endpoints.sorted())
        for (endpoint, total) in zip(endpoints, totals) {
            let ids = (byEndpoint[endpoint] ?? []).compactMap { $0["id"]?.intValue }
            #expect(ids.sorted() == Array(1...total), "\(endpoint): \(ids)")
        }

        // No refresh was made with a revoked token; the state holds every resource's end
        // and the newest refresh token.
        let stats = try await Self.stats(base, scenario)
        let refreshes = try #require(stats["refresh"]?.intValue)
        #expect(stats["refresh_rejected"] == nil, "\(stats)")
        #expect(parallel == 1 ? refreshes > totals.count : refreshes == 1, "\(stats)")
        let state = try #require(try StateFile.load(statePath))
        for (endpoint, total) in zip(endpoints, totals) {
            #expect(state[endpoint]?[path: "http.records"] == .number(JSONNumber(total)))
        }
        #expect(state[ResourcePlan.finishedKey] == nil)
        #expect(state[SavedParams.stateKey]?[path: "refresh_token.value"] == .string("rotated-refresh-\(refreshes)"))
        for secret in ["good-refresh", "rotated-refresh", "fresh-token", "test-secret"] {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "\(secret) was printed")
        }
    }

    /// What the fixture counted in `scenario` (refreshes, rejected ones).
    static func stats(_ base: String, _ scenario: String) async throws -> JSONObject {
        let response = try await WebClient().get(URL(string: "\(base)/stats?scenario=\(scenario)")!, headers: [])
        return try #require(try JSONParser.parse(response.body).objectValue)
    }

    /// Every record line of the outbox in `dir`.
    func outboxRecords(_ dir: URL) throws -> [JSONObject] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ndjson") }.sorted()
        return try names.flatMap { name in
            try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
                .compactMap { try JSONParser.parse(String($0)).objectValue }
        }
    }
}
