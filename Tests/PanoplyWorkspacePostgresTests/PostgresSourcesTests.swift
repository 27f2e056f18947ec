import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyWorkspacePostgres

@Suite("PostgreSQL workspace: saved sources", .enabled(if: TestDatabase.available))
struct PostgresSourcesTests {
    static let orders = SavedSource(name: "Orders", type: "demo", values: ["rows": "5"], table: "orders", lastStatus: .failed)
    static let users = SavedSource(name: "Users", type: "csv", values: ["path": "/data/u.csv"], outbox: "/tmp/out")

    @Test("sources come back as saved, in order, each with an id that a second save keeps")
    func roundTrip() throws {
        try TestDatabase.withWorkspace { ws, _ in
            #expect(try ws.loadSources().isEmpty)
            try ws.saveSources([Self.users, Self.orders])
            let loaded = try ws.loadSources()
            #expect(loaded.map(\.withoutID) == [Self.users, Self.orders])
            #expect(loaded.allSatisfy { $0.id != nil })
            // Saved again without ids (as a form does): the ids stay.
            try ws.saveSources([Self.users, Self.orders])
            #expect(try ws.loadSources().map(\.id) == loaded.map(\.id))
        }
    }

    @Test("a rename keeps the id, so the state and history follow without moving anything")
    func renameKeepsID() throws {
        try TestDatabase.withWorkspace { ws, _ in
            try ws.saveSources([Self.orders])
            try ws.stateStore(for: "Orders", lease: nil).save(["cursor": 42])
            try ws.appendHistory(RunRecord(started: 1, ended: 2, status: .done, origin: "cli"), to: "Orders")
            var renamed = try ws.loadSources()
            renamed[0].name = "Orders v2"
            try ws.saveSources(renamed)
            try ws.renameState(from: "Orders", to: "Orders v2")
            try ws.renameHistory(from: "Orders", to: "Orders v2")
            #expect(try ws.loadSources().map(\.name) == ["Orders v2"])
            #expect(try ws.loadSources().first?.id == renamed[0].id)
            #expect(try ws.loadState(of: "Orders v2") == ["cursor": 42])
            #expect(try ws.history(of: "Orders v2").count == 1)
            #expect(try ws.loadState(of: "Orders") == nil)
        }
    }

    @Test("a rename that lost the id (a new entry under the new name) takes the old state and history along")
    func renameWithoutID() throws {
        try TestDatabase.withWorkspace { ws, _ in
            try ws.saveSources([Self.orders])
            _ = try ws.loadSources()
            try ws.stateStore(for: "Orders", lease: nil).save(["cursor": 7])
            try ws.appendHistory(RunRecord(started: 1, ended: 2, status: .done, origin: "ui"), to: "Orders")
            var entry = Self.orders
            entry.name = "Orders v2"
            try ws.saveSources([entry])
            try ws.renameState(from: "Orders", to: "Orders v2")
            try ws.renameHistory(from: "Orders", to: "Orders v2")
            #expect(try ws.loadState(of: "Orders v2") == ["cursor": 7])
            #expect(try ws.history(of: "Orders v2").count == 1)
        }
    }

    @Test("a whole-list save deletes only the sources this instance knew, never one added elsewhere meanwhile")
    func wholeListDeleteRule() throws {
        try TestDatabase.withWorkspace { a, url in
            let b = try TestDatabase.open(url)
            defer { b.close() }
            try a.saveSources([Self.orders])
            #expect(try b.loadSources().map(\.name) == ["Orders"])
            var fromB = try b.loadSources()
            fromB.append(Self.users)
            try b.saveSources(fromB)
            // A never saw Users: its list without Orders deletes Orders only.
            try a.saveSources([])
            #expect(try b.loadSources().map(\.name) == ["Users"])
            // B's list still holds Orders, which B saved: saving it brings it back (as the
            // folder would: the last whole list wins for what it holds).
            try b.saveSources(fromB)
            #expect(try a.loadSources().map(\.name) == ["Orders", "Users"])
            // B removes Users, which it knows; Orders stays (it is in the list).
            try b.saveSources([fromB[0]])
            #expect(try a.loadSources().map(\.name) == ["Orders"])
        }
    }

    @Test("a name another machine took meanwhile is refused, and nothing of the save lands")
    func nameTakenElsewhere() throws {
        try TestDatabase.withWorkspace { a, url in
            let b = try TestDatabase.open(url)
            defer { b.close() }
            try a.saveSources([Self.orders])
            var mine = try a.loadSources()
            mine[0].id = UUID().uuidString
            let error = try #require(throws: PanoplyError.self) { try b.saveSources(mine + [Self.users]) }
            #expect(error.message.contains("another saved source is named 'Orders'"), "\(error.message)")
            #expect(try a.loadSources().map(\.name) == ["Orders"])
        }
    }

    @Test("the destination and the added types round trip; the destination is one row")
    func destinationAndTypes() throws {
        try TestDatabase.withWorkspace { ws, _ in
            #expect(try ws.loadDestination() == nil)
            #expect(!ws.hasSavedDestination)
            // No secret in it: sealing secrets needs a workspace key (tested with the secrets).
            let d = DestinationSettings(kind: .endpoint, apiKey: "acme/r1", endpoint: "https://in.example.com", outbox: "./out")
            try ws.saveDestination(d)
            var d2 = d
            d2.concurrency = 3
            try ws.saveDestination(d2)
            #expect(try ws.loadDestination() == d2)
            #expect(ws.hasSavedDestination)
            let types = [AddedSourceType(type: "python:my.mod", python: "/usr/bin/python3"), AddedSourceType(type: "singer:tap-x")]
            try ws.saveAddedTypes(types)
            #expect(try ws.loadAddedTypes() == types)
            try ws.saveAddedTypes([types[1]])
            #expect(try ws.loadAddedTypes() == [types[1]])
        }
    }
}
