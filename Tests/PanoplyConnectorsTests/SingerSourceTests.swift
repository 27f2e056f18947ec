import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

@Suite("Singer taps (singer:EXECUTABLE)", .enabled(if: PythonFixtures.available))
struct SingerSourceTests {
    static func kind(_ tap: String) throws -> SourceKind {
        try SingerSourceKind.kind(executable: tap, environment: PythonFixtures.tapEnvironment)
    }

    @Test("--about settings become params, --discover streams the resources and the values of `streams`")
    func paramsAndDiscovery() async throws {
        let kind = try Self.kind("tap-three")
        let c = kind.configuration
        #expect(c.param("rows")?.kind == .number)
        #expect(c.param("rows")?.required == true)
        #expect(c.param("api_token")?.kind == .secret)
        #expect(c.param("verbose")?.kind == .boolean)
        #expect(c.param("tags")?.kind == .list)
        #expect(c.param("streams")?.kind == .list)
        #expect(c.param("streams")?.dependencies == ["rows"])
        let input = SourceInput(type: kind.type, params: try c.validate(["rows": "5"]).get())
        let values = try await kind.values("streams", source: input, context: SourceContext(input: input))
        #expect(values.map(\.value) == ["users", "orders", "events"])
        let resources = try await kind.listResources(input, context: SourceContext(input: input))
        #expect(resources.first?.fields.contains(SourceResource.Field(name: "id", type: "integer", mandatory: true)) == true)
        #expect(throws: PanoplyError.self) { try Self.kind("tap-that-is-not-installed") }
    }

    @Test("2 of 3 streams picked; a failed tap's stderr tail fails the run; the resume passes the state back")
    func pickFailResume() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let kind = try Self.kind("tap-three")
        let first = try await h.run(kind, ["rows": "5", "streams": "users,orders", "fail_after": "7"], batchSize: 3)
        #expect(first.summary.status == .failed)
        let message = first.summary.error?.message ?? ""
        #expect(message.contains("exited with code 4") && message.contains("failing on purpose after 7 records"), "\(message)")
        // The state file is written before run() returns (a committer that took the last
        // commit is waited for), and matches the summary's state.
        let state = try #require(try h.savedState(), "no state file; the summary has \(first.summary.state)")
        #expect(state == first.summary.state)
        #expect(state[path: "singer.bookmarks.users.last_id"] == 5)
        #expect(state[path: "singer.bookmarks.orders.last_id"] == 2)
        let firstCount = try h.delivered().count
        #expect(firstCount == 7)

        let second = try await h.run(kind, ["rows": "5", "streams": "users,orders"], batchSize: 3)
        #expect(second.summary.status == .done, "\(String(describing: second.summary.error))")
        #expect(second.logs.contains { $0.contains("tap-three: selected users,orders, state") && $0.contains("\"last_id\": 2") })
        let all = try h.delivered()
        let resumed = all.dropFirst(firstCount)
        #expect(resumed.compactMap { $0["name"]?.stringValue } == ["orders-3", "orders-4", "orders-5"])
        for stream in ["users", "orders"] {
            #expect(holdsEachOnce(all.filter { $0[SourceResource.recordKey] == .string(stream) }.compactMap { $0["id"]?.intValue }, 5))
        }
        #expect(!all.contains { $0[SourceResource.recordKey] == "events" })
    }

    @Test("no stream picked: the ones the catalog selects by default")
    func defaultStreams() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(try Self.kind("tap-three"), ["rows": "2"])
        #expect(out.summary.status == .done)
        #expect(Set(try h.delivered().compactMap { $0[SourceResource.recordKey]?.stringValue }) == ["users", "orders"])
        await #expect(throws: PanoplyError.self) {
            let bad = try await h.run(try Self.kind("tap-three"), ["rows": "2", "streams": "nope"])
            if let e = bad.summary.error { throw e }
        }
    }
}
