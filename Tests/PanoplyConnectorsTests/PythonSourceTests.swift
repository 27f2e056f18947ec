import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

@Suite("Python sources (python:MODULE)", .enabled(if: PythonFixtures.available))
struct PythonSourceTests {
    @Test("CONFIG becomes the configuration: kinds, list values and dependencies, platform types advanced and optional")
    func configMapping() throws {
        let c = try PythonFixtures.kind("t_api").configuration
        #expect(c.title == "API test source")
        #expect(c.param("token")?.kind == .secret)
        #expect(c.param("count")?.kind == .number)
        #expect(c.param("count")?.defaultValue == "5")
        #expect(c.param("verbose")?.kind == .boolean)
        #expect(c.param("regions")?.kind == .list)
        #expect(c.param("regions")?.dependencies == ["account"])
        #expect(c.param("kinds")?.choices == ["a", "b"])
        #expect(c.param("since")?.kind == .text)
        #expect(c.param("since")?.help == "First day (date)")
        #expect(c.param("target")?.category == .advanced)
        #expect(c.param("target")?.required == false)
        #expect(c.param("extra")?.category == .advanced)
        #expect(c.param("account")?.required == true)
        let typed = try c.validate(["account": "acme", "token": "T", "regions": "eu, ap", "kinds": "b"]).get()
        #expect(typed["regions"] == ["eu", "ap"])
        guard case .failure(let e) = c.validate(["account": "acme", "token": "T", "kinds": "z"]) else {
            Issue.record("a value outside the static list was accepted")
            return
        }
        #expect(e.description.contains("Kinds takes values from a, b (got 'z')"))
        guard case .failure(let deps) = c.validate([:], dependenciesOf: "regions") else { Issue.record("missing dependency accepted"); return }
        #expect(deps.description == "Account is required")
    }

    @Test("every DataSource API reaches the run, with and without the original SDK", arguments: [false, true])
    func wholeAPI(originalSDK: Bool) async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let kind = try PythonFixtures.kind("t_api", originalSDK: originalSDK)
        let params = [
            "account": "acme", "token": "OLD-TOKEN", "refresh_token": "R1", "count": "5", "verbose": "true",
            "regions": "eu,ap", "kinds": "b"
        ]
        let out = try await h.run(kind, params, options: ["refresh": ["client_id": "cid"]])
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error)) \(out.logs.suffix(12))")
        let records = try h.delivered()
        let probe = try #require(records.first { $0["kind"] == "probe" })
        #expect(probe["count_type"] == "str")
        #expect(probe["verbose"] == true)
        #expect(
            probe["regions"] == [
                ["name": "Region EU", "value": "eu", "disabled": false, "requires": []],
                ["name": "Region AP", "value": "ap", "disabled": false, "requires": []]
            ])
        #expect(probe["kinds"] == [["name": "B", "value": "b"]])
        #expect(probe["refresh"] == ["client_id": "cid"])
        #expect(probe["request"] == "ok")
        #expect(probe["slow"] == "exported")
        #expect(probe["resumed"] == .null)
        #expect(probe["__state"] == "s0")
        let raw = try #require(records.first { $0["type"] == "raw" })
        #expect(raw["tag"] == "file-1")
        #expect(raw["raw"] == "aGVsbG8=")
        let items = records.filter { $0[SourceResource.recordKey] == "items" }
        #expect(items.compactMap { $0["id"]?.intValue } == [1, 2, 3, 4, 5])
        #expect(items.allSatisfy { $0["__state"] == "s1" })
        #expect(out.sourceChanges.contains { $0["token"] == "NEW-TOKEN" })
        #expect(out.fired.contains { $0.0 == "custom-event" && $0.1 == ["step": 4] })
        #expect(out.logs.contains("opened account acme"))
        #expect(out.logs.contains("callback got a token of 9 characters"))
        #expect(out.logs.contains("waiting for the export"))
        #expect(out.logs.contains("closed"))
        #expect(out.progress.contains { $0.0 == 5 && $0.1 == nil })
        #expect(out.progress.contains { $0.0 == nil && $0.1 == nil })
        #expect(try h.savedState()?[path: "api.next"] == 6)

        // Resumed: the committed state arrives as source['state'], the refreshed token is kept.
        let again = try await h.run(kind, params, options: ["refresh": ["client_id": "cid"]])
        #expect(again.summary.status == .done)
        let second = try h.delivered().dropFirst(records.count)
        #expect(second.first { $0["kind"] == "probe" }?[path: "resumed.api.next"] == 6)
        #expect(second.filter { $0[SourceResource.recordKey] == "items" }.compactMap { $0["id"]?.intValue } == [6, 7, 8, 9, 10])
    }

    @Test("text beyond ASCII arrives as written; a lone surrogate becomes U+FFFD, a split pair is joined")
    func text() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(try PythonFixtures.kind("t_text"), [:])
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error))")
        let records = try h.delivered()
        #expect(records.first?["name"] == "Zoë ✓ 日本 \u{1F600}")
        #expect(records.first?["quote"] == "a \"b\"\n\tc \\ \u{2028}")
        #expect(records.last?["name"] == "lone \u{FFFD} surrogate")
        #expect(records.last?["pair"] == "\u{1F600}")
        #expect(out.logs.contains("read Zoë ✓"))
    }

    @Test("list_resources, get_resource and a list's values come from the module")
    func discovery() async throws {
        let kind = try PythonFixtures.kind("t_api")
        let input = SourceInput(type: kind.type, params: ["account": "acme"])
        let context = SourceContext(input: input)
        let values = try await kind.values("regions", source: input, context: context)
        #expect(values.map(\.value) == ["eu", "us", "ap"])
        #expect(values.first?.name == "Region EU")
        let resources = try await kind.listResources(input, context: context)
        #expect(resources.map(\.id) == ["items", "audit"])
        #expect(resources.first?.fields == [SourceResource.Field(name: "id", type: "integer", mandatory: true, available: true)])
        let audit = try await kind.resource("audit", source: input, context: context)
        #expect(audit.available == false)
        #expect(audit.requires == ["items"])
        await #expect(throws: PanoplyError.self) { try await kind.resource("nope", source: input, context: context) }

        // A Stream that keeps the base list_resources / get_resource lists nothing (code 501).
        let plain = try PythonFixtures.kind("t_state")
        let plainInput = SourceInput(type: plain.type, params: ["batches": "1"])
        for call in [
            { _ = try await plain.listResources(plainInput, context: SourceContext(input: plainInput)) },
            { _ = try await plain.resource("x", source: plainInput, context: SourceContext(input: plainInput)) }
        ] {
            do {
                try await call()
                Issue.record("a module without list_resources/get_resource listed something")
            } catch {
                #expect(error.asPanoplyError.code == 501, "\(error)")
                #expect(error.asPanoplyError.retryable == false)
            }
        }
        // One whose list_resources raises NotImplementedError itself: the same.
        let raising = try PythonFixtures.kind("t_fail")
        let raisingInput = SourceInput(type: raising.type, params: ["mode": "fatal"])
        await #expect { try await raising.listResources(raisingInput, context: SourceContext(input: raisingInput)) } throws: { error in
            let e = error.asPanoplyError
            return e.code == 501 && e.message == "python:t_fail: t_fail does not list resources (resources are not listed for this account)"
        }
    }

    @Test("a module that does not import is a clear config error")
    func importError() throws {
        #expect {
            try PythonFixtures.kind("t_broken")
        } throws: { error in
            let e = error.asPanoplyError
            return e.category == .config && e.message.contains("does not import")
                && e.message.contains("module_that_does_not_exist") && e.message.contains("PYTHONPATH")
        }
        #expect(throws: PanoplyError.self) { try PythonFixtures.kind("no_such_module_here") }
    }
}
