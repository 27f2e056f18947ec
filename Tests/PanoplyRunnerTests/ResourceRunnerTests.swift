import PanoplyKit
import Testing

@Suite("Source runner, resource by resource")
struct ResourceRunnerTests {
    static func rows(_ ids: ClosedRange<Int>) -> [JSONObject] { ids.map { ["id": .number(JSONNumber($0))] } }

    static func resourceEvents(_ events: [RunEvent]) -> [ResourceProgress] {
        events.compactMap { if case .resource(let p) = $0 { p } else { nil } }
    }

    @Test("each picked resource is read by its own instance into TYPE_resource, tagged, with its state nested under its id")
    func readsEachResourceIntoItsOwnTable() async throws {
        let script = ResourcedSource.install([
            "public.orders": [.records(Self.rows(1...3), state: ["last": 3]), .records(Self.rows(4...5), state: ["last": 5])],
            "public.Mixed Case": [.records(Self.rows(1...2), state: ["last": 2])]
        ])
        let transport = GatedTransport()
        let runner = SourceRunner(
            ResourcedSource.self, input: resourcedInput(script, ["public.orders", "public.Mixed Case"]),
            sdk: try testSDK(transport), options: .fast)
        async let collected = collect(runner.events)
        let summary = await runner.run()
        let events = await collected
        #expect(summary.status == .done)
        #expect(summary.recordsRead == 7)
        let records = transport.records
        #expect(records.filter { $0["__table"] == "resourced_public_orders" }.count == 5)
        #expect(records.filter { $0["__table"] == "resourced_public_Mixed_Case" }.count == 2)
        #expect(records.filter { $0["__resource"] == "public.orders" }.count == 5)
        #expect(records.allSatisfy { $0["__state"] != nil })
        // A completed run drops __finished: the next run reads every resource again.
        #expect(summary.state == ["public.orders": ["last": 5], "public.Mixed Case": ["last": 2]])
        let progress = Self.resourceEvents(events)
        #expect(progress.prefix(2).map(\.status) == [.waiting, .waiting])
        #expect(progress.filter { $0.status == .done }.map(\.id).sorted() == ["public.Mixed Case", "public.orders"])
        #expect(progress.last { $0.id == "public.orders" }?.loaded == 5)
        let overall = events.compactMap { if case .progress(let l, _, _) = $0 { l } else { nil } }
        #expect(overall.last == 7)
    }

    @Test("a destination with {resource} names each resource's table; the next run resumes each from its own state")
    func destinationTemplateAndResumeFromOwnState() async throws {
        let script = ResourcedSource.install(["a": [.records(Self.rows(1...1), state: ["last": 9])], "b": []])
        let transport = GatedTransport()
        let earlier: JSONObject = ["a": ["last": 4], "b": ["last": 7]]
        let runner = SourceRunner(
            ResourcedSource.self, input: resourcedInput(script, ["a", "b"], destination: "shop_{resource}", state: earlier),
            sdk: try testSDK(transport), options: .fast)
        let summary = await runner.run()
        #expect(summary.status == .done)
        #expect(transport.records.map { $0["__table"] } == ["shop_a"])
        #expect(ResourcedSource.opened(script, "a") == [["last": 4]])
        #expect(ResourcedSource.opened(script, "b") == [["last": 7]])
        #expect(summary.state == ["a": ["last": 9], "b": ["last": 7]])
    }

    @Test("a failing resource does not stop the others; the run fails naming it, and a retry reads only the unfinished one")
    func failingResourceDoesNotStopOthers() async throws {
        let fatal = PanoplyError(.notFound, "relation does not exist")
        let script = ResourcedSource.install([
            "a": [.records(Self.rows(1...2), state: ["last": 2])],
            "b": [.records(Self.rows(1...1), state: ["last": 1]), .fail(fatal)],
            "c": [.records(Self.rows(1...3), state: ["last": 3])]
        ])
        let transport = GatedTransport()
        let runner = SourceRunner(ResourcedSource.self, input: resourcedInput(script, ["a", "b", "c"]), sdk: try testSDK(transport), options: .fast)
        async let collected = collect(runner.events)
        let summary = await runner.run()
        let events = await collected
        #expect(summary.status == .failed)
        #expect(summary.error?.message.contains("1 of 3 resources failed: b (relation does not exist)") == true)
        #expect(transport.records.count == 6)
        let failed = Self.resourceEvents(events).first { $0.status == .failed }
        #expect(failed?.id == "b")
        #expect(failed?.error?.message == "relation does not exist")
        #expect(summary.state["__finished"] == ["a", "c"])
        #expect(summary.state["b"] == ["last": 1])

        let retry = SourceRunner(
            ResourcedSource.self, input: resourcedInput(script, ["a", "b", "c"], state: summary.state),
            sdk: try testSDK(transport), options: .fast)
        let second = await retry.run()
        #expect(second.status == .done)
        #expect(ResourcedSource.opened(script, "a").count == 1)
        #expect(ResourcedSource.opened(script, "b") == [nil, ["last": 1]])
        #expect(second.state["__finished"] == nil)
    }

    @Test("an empty batch is not the end of a resource")
    func emptyBatchIsNotTheEnd() async throws {
        let script = ResourcedSource.install(["a": [.records([], state: ["last": 0]), .records(Self.rows(1...2), state: ["last": 2])]])
        let transport = GatedTransport()
        let runner = SourceRunner(ResourcedSource.self, input: resourcedInput(script, ["a"]), sdk: try testSDK(transport), options: .fast)
        let summary = await runner.run()
        #expect(summary.status == .done)
        #expect(transport.records.count == 2)
    }

    @Test("with parallelResources 2 two resources are read at once")
    func readsResourcesInParallel() async throws {
        let script = ResourcedSource.install([
            "a": [.meet(2), .records(Self.rows(1...1), state: ["last": 1])],
            "b": [.meet(2), .records(Self.rows(1...1), state: ["last": 1])]
        ])
        var options = RunOptions.fast
        options.parallelResources = 2
        let runner = SourceRunner(ResourcedSource.self, input: resourcedInput(script, ["a", "b"]), sdk: try testSDK(GatedTransport()), options: options)
        let run = Task { await runner.run() }
        // Each waits for the other: read one at a time, the run would never end.
        try await waitUntil { ResourcedSource.opened(script, "b").count == 1 && ResourcedSource.opened(script, "a").count == 1 }
        let timer = Task {
            try await Task.sleep(for: .seconds(20))
            runner.cancel()
        }
        let summary = await run.value
        timer.cancel()
        #expect(summary.status == .done)
    }

    @Test("a finished resource enters __finished only in a state committed after its records are acknowledged")
    func finishedWaitsForAcknowledgement() async throws {
        let script = ResourcedSource.install(["a": [.records(Self.rows(1...4), state: ["last": 4])], "b": [.hang]])
        let transport = GatedTransport(open: false)
        let sdk = try testSDK(transport)
        var options = RunOptions.fast
        options.parallelResources = 2
        let runner = SourceRunner(ResourcedSource.self, input: resourcedInput(script, ["a", "b"]), sdk: sdk, options: options)
        async let collected = collect(runner.events)
        let run = Task { await runner.run() }
        try await waitUntil { sdk.counters.sends >= 1 }
        #expect(runner.committedState["__finished"] == nil)
        transport.setOpen(true)
        try await waitUntil { runner.committedState["__finished"] == ["a"] }
        #expect(runner.committedState["a"] == ["last": 4])
        runner.cancel()
        let summary = await run.value
        let events = await collected
        #expect(summary.status == .cancelled)
        // Cancelled, not completed: a resumed run skips the finished resource.
        #expect(summary.state["__finished"] == ["a"])
        let states = events.compactMap { if case .state(let s) = $0 { s } else { nil } }
        #expect(states.contains { $0["__finished"] == ["a"] })
    }

    @Test("the plan: table-safe ids, default destination per type, list values typed as text")
    func planDecisions() {
        let c = ResourcedSource.configuration
        #expect(ResourcePlan.tableSafe("public.Mixed Case-1") == "public_Mixed_Case_1")
        let plan = ResourcePlan(configuration: c, input: SourceInput(type: "resourced", params: ["items": "x.y, z, x.y"]))
        #expect(plan?.ids == ["x.y", "z"])
        #expect(plan?.destination(for: "x.y") == "resourced_x_y")
        #expect(ResourcePlan(configuration: c, input: SourceInput(type: "resourced", params: ["items": .array([])])) == nil)
        #expect(
            ResourcePlan(configuration: c, input: SourceInput(type: "resourced", params: ["items": "a"], destination: "fixed"))?.destination(for: "a")
                == "fixed")
        var one = SourceInput(type: "resourced", params: ["items": "a"])
        one.resource = "a"
        #expect(ResourcePlan(configuration: c, input: one) == nil)
    }

    @Test("a source that reads several resources itself gets per-resource progress from its records' __resource tags")
    func taggedRecordsGiveResourceProgress() async throws {
        let tagged: [JSONObject] = [["id": 1, "__resource": "users"], ["id": 2, "__resource": "users"], ["id": 3, "__resource": "orders"]]
        let script = ScriptedSource.install([.records(tagged, stateId: "a", state: ["n": 3])])
        let transport = GatedTransport()
        let runner = SourceRunner(ScriptedSource.self, input: input(script), sdk: try testSDK(transport), options: .fast)
        async let collected = collect(runner.events)
        let summary = await runner.run()
        let progress = Self.resourceEvents(await collected)
        #expect(summary.status == .done)
        // One instance, today's destination and state shape.
        #expect(transport.records.allSatisfy { $0["__table"] == "t" })
        #expect(summary.state == ["n": 3])
        #expect(progress.filter { $0.status == .done }.map(\.id) == ["users", "orders"])
        #expect(progress.last { $0.id == "users" }?.loaded == 2)
    }
}
