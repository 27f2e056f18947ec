import Foundation
import PanoplyKit
import Testing

/// Finding 7: a record over the message limit failed `run` with no way past it;
/// `--on-invalid skip` leaves it out and logs its resource and position, as `send` does.
@Suite("Records that cannot be sent")
struct InvalidRecordTests {
    static let huge = String(repeating: "y", count: 300_000)

    static func script() -> String {
        let rows: [JSONObject] = [
            ["id": 1, "__resource": "public.users"],
            ["id": 2, "__resource": "public.users", "blob": .string(huge)],
            ["id": 3, "__resource": "public.users"]
        ]
        return ScriptedSource.install([.records(rows, stateId: "a", state: ["k": 1])])
    }

    @Test("by default a record over the message limit fails the run, naming its resource and position")
    func failsByDefault() async throws {
        let runner = SourceRunner(ScriptedSource.self, input: input(Self.script()), sdk: try testSDK(GatedTransport()), options: .fast)
        let summary = await runner.run()
        #expect(summary.status == .failed)
        let message = summary.error?.message ?? ""
        #expect(message.contains("record 2 of resource 'public.users'"), "\(message)")
        #expect(message.contains("more than fits in one message"))
        #expect(message.contains("--on-invalid skip"))
    }

    @Test("with onInvalid skip the record is logged with its resource and position, and the others arrive")
    func skipsAndLogs() async throws {
        let transport = GatedTransport()
        var options = RunOptions.fast
        options.onInvalid = .skip
        let runner = SourceRunner(ScriptedSource.self, input: input(Self.script()), sdk: try testSDK(transport), options: options)
        async let collected = collect(runner.events)
        let summary = await runner.run()
        let logs = await collected.compactMap { if case .log(let l) = $0 { l } else { nil } }
        #expect(summary.status == .done)
        #expect(transport.records.compactMap { $0["id"]?.intValue } == [1, 3])
        #expect(logs.contains { $0.hasPrefix("skipped record 2 of resource 'public.users': ") && $0.contains("more than fits") }, "\(logs)")
        #expect(summary.state["k"] == 1, "the state of the batch is committed once the others are acknowledged")
    }

    @Test("panoply run --on-invalid skip goes past a record over the limit and exits 0")
    func cliSkips() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("in.jsonl").path
        try "{\"id\":1}\n{\"id\":2,\"blob\":\"\(Self.huge)\"}\n{\"id\":3}\n".write(toFile: file, atomically: false, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let args = ["run", "jsonl", "--param", "path=\(file)", "--outbox", out.path]
        let failed = try CLI.run(args)
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("--on-invalid skip"), "\(failed.stderr)")
        let skipped = try CLI.run(args + ["--on-invalid", "skip"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        #expect((skipped.stdout + skipped.stderr).contains("skipped record 2"), "\(skipped.stdout)\n\(skipped.stderr)")
        #expect(try outboxIds(out).sorted() == [1, 1, 3])
    }
}
