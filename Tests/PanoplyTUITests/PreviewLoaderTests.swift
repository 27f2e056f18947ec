import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// The app side of #30's UI: the preview read in the background (``PreviewLoader``), and the
/// form's field settings checked at Ctrl-S (``RunCoordinator/checkFields(_:kind:input:)``).
@Suite("The preview loader and the Ctrl-S field check")
@MainActor
struct PreviewLoaderTests {
    let inbox = Inbox()

    /// Drains the inbox until `done` holds for the events so far (within `limit`).
    func events(until done: ([AppEvent]) -> Bool, within limit: Duration = .seconds(30)) async throws -> [AppEvent] {
        var all = inbox.drain()
        let deadline = ContinuousClock.now + limit
        while !done(all) {
            if ContinuousClock.now > deadline { throw TestFailure("timed out after \(limit); \(all.count) events so far") }
            try await Task.sleep(for: .milliseconds(10))  // polls the inbox, as the UI loop does
            all += inbox.drain()
        }
        return all
    }

    /// Waits until every task `loader` started has ended, a cancelled one included (within `limit`).
    func settled(_ loader: PreviewLoader, within limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while !loader.isSettled {
            if ContinuousClock.now > deadline { throw TestFailure("the preview's tasks did not end within \(limit)") }
            try await Task.sleep(for: .milliseconds(10))  // polls, as events(until:) does
        }
    }

    static let params: [String: JSONValue] = ["host": "db.local", "password": "s3cret-pw"]

    @Test("a preview reads the picked resources with the field settings applied (salt from the environment) and answers once")
    func readsWithSettings() async throws {
        let loader = PreviewLoader(registry: SourceRegistry([ShopSource.self]), inbox: inbox, environment: ["SALT": "pepper"])
        let fields = FieldSettings(
            resources: ["public.orders": ResourceFields(exclude: ["id"], hash: ["table"])], hashSalt: "${SALT}")
        loader.load(PreviewRequest(id: 7, type: "shop", params: Self.params, resources: ["public.orders", "public.customers"], fields: fields))
        #expect(loader.isBusy)
        let events = try await events { $0.contains { if case .previewLoaded = $0 { true } else { false } } }
        guard case .previewLoaded(let id, let records)? = events.first else {
            Issue.record("want previewLoaded, got \(events)")
            return
        }
        #expect(id == 7)
        #expect(records.count == 6)
        let orders = records.filter { $0.resource == "public.orders" }
        let hashed = FieldHash(salt: "pepper").hash(.string("public.orders"))
        #expect(orders.count == 3)
        #expect(orders.allSatisfy { $0.values == ["table": hashed] }, "id excluded, table hashed with the salt")
        #expect(records.filter { $0.resource == "public.customers" }.first?.values["table"] == .string("public.customers"))
        try await settled(loader)
        #expect(!loader.isBusy)
    }

    @Test("a form's preview with nothing picked reads the first resource only")
    func firstResourceOnly() async throws {
        let loader = PreviewLoader(registry: SourceRegistry([ShopSource.self]), inbox: inbox)
        loader.load(PreviewRequest(id: 1, type: "shop", params: Self.params, resources: [], fields: nil))
        let events = try await events { !$0.isEmpty }
        guard case .previewLoaded(_, let records)? = events.first else {
            Issue.record("want previewLoaded, got \(events)")
            return
        }
        #expect(Set(records.map(\.resource)).count == 1)
        #expect(records.count == 3)
    }

    @Test("an unset salt variable and an unknown type answer with the message")
    func failures() async throws {
        let loader = PreviewLoader(registry: SourceRegistry([ShopSource.self]), inbox: inbox, environment: [:])
        loader.load(PreviewRequest(id: 1, type: "shop", params: Self.params, resources: [], fields: FieldSettings(hashSalt: "${NOPE}")))
        loader.load(PreviewRequest(id: 2, type: "nope", params: [:], resources: [], fields: nil))
        let events = try await events { $0.count == 2 }
        var messages: [Int: String] = [:]
        for e in events { if case .previewFailed(let id, let m) = e { messages[id] = m } }
        #expect(messages[1]?.contains("NOPE is not set") == true)
        #expect(messages[2] == "unknown source type 'nope'")
    }

    @Test("a cancelled preview answers nothing")
    func cancelled() async throws {
        let loader = PreviewLoader(registry: SourceRegistry([ShopSource.self]), inbox: inbox)
        loader.load(PreviewRequest(id: 4, type: "shop", params: Self.params, resources: ["public.orders"], fields: nil))
        loader.cancel(4)
        #expect(!loader.isBusy)
        // Once its task has ended, a cancelled preview can answer nothing more.
        try await settled(loader)
        #expect(inbox.drain().isEmpty)
    }

    @Test("Ctrl-S's check refuses field settings that name a field the resource does not have, naming those it has")
    func ctrlSChecksTheFields() async throws {
        let dir = try temporaryDirectory()
        let coordinator = RunCoordinator(registry: SourceRegistry([ShopSource.self]), store: FolderWorkspace(directory: dir.path), inbox: inbox)
        var params = Self.params
        params["tables"] = .array([.string("public.orders")])
        let bad = FieldSettings(resources: ["public.orders": ResourceFields(exclude: ["ssn"])])
        coordinator.check(CheckRequest(id: 1, type: "shop", params: params, fields: bad))
        let good = FieldSettings(resources: ["public.orders": ResourceFields(hash: ["name"])])
        coordinator.check(CheckRequest(id: 2, type: "shop", params: params, fields: good))
        let events = try await events { $0.filter { if case .checkFinished = $0 { true } else { false } }.count == 2 }
        var results: [Int: PanoplyError?] = [:]
        for e in events { if case .checkFinished(let id, let error) = e { results[id] = error } }
        #expect(results[1]??.message == "public.orders has no field 'ssn' (its fields: id, name, updated_at)")
        #expect(results[1]??.category == .config)
        #expect(results[2] == .some(nil))
    }
}
