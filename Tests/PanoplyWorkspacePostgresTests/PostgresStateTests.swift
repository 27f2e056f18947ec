import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyWorkspacePostgres

@Suite("PostgreSQL workspace: committed state and history", .enabled(if: TestDatabase.available))
struct PostgresStateTests {
    static let source = SavedSource(name: "Shop", type: "demo", values: [:])

    /// The transaction id that last wrote each state row of `name` (`xmin`), by key.
    static func writers(_ ws: PostgresWorkspace, _ name: String) throws -> [String: String] {
        let id = try #require(try ws.sourceID(of: name))
        let rows = try ws.client.query("SELECT key, xmin::text FROM \(ws.schema).state WHERE source_id = $1", [.text(id)])
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.text(0) ?? "", try $0.text(1) ?? "") })
    }

    @Test("a save writes only the keys that changed, and deletes the keys that went")
    func writesOnlyChangedKeys() throws {
        try TestDatabase.withWorkspace { ws, _ in
            ws.useSecrets(WorkspaceSecrets(key: try WorkspaceKey(bytes: Data(repeating: 1, count: 32), origin: "test")))  // __params are sealed
            try ws.saveSources([Self.source])
            let store = ws.stateStore(for: "Shop", lease: nil)
            try store.save(["a": ["cursor": 1], "b": ["cursor": 2], "c": 3, "__params": ["token": "t1"]])
            let first = try Self.writers(ws, "Shop")
            #expect(Set(first.keys) == ["a", "b", "c", "__params"])
            try store.save(["a": ["cursor": 1], "b": ["cursor": 20], "__params": ["token": "t1"]])
            let second = try Self.writers(ws, "Shop")
            #expect(Set(second.keys) == ["a", "b", "__params"])
            #expect(second["a"] == first["a"] && second["__params"] == first["__params"])
            #expect(second["b"] != first["b"])
            #expect(try store.load() == ["a": ["cursor": 1], "b": ["cursor": 20], "__params": ["token": "t1"]])
        }
    }

    @Test("__finished is a row per resource: a resource that finishes adds one row, the others stay untouched")
    func finishedRows() throws {
        try TestDatabase.withWorkspace { ws, _ in
            try ws.saveSources([Self.source])
            let store = ws.stateStore(for: "Shop", lease: nil)
            try store.save(["r1": ["k": 1], "__finished": ["r1", "r2"]])
            let first = try Self.writers(ws, "Shop")
            #expect(Set(first.keys) == ["r1", "__finished:r1", "__finished:r2"])
            try store.save(["r1": ["k": 1], "__finished": ["r1", "r2", "r3"]])
            let second = try Self.writers(ws, "Shop")
            #expect(second["__finished:r1"] == first["__finished:r1"] && second["__finished:r2"] == first["__finished:r2"])
            #expect(second["__finished:r3"] != nil)
            #expect(try ws.loadState(of: "Shop") == ["r1": ["k": 1], "__finished": ["r1", "r2", "r3"]])
            // A completed run drops the key: every row of it goes.
            try store.save(["r1": ["k": 2]])
            #expect(Set(try Self.writers(ws, "Shop").keys) == ["r1"])
        }
    }

    @Test("a store's first save replaces whatever state was there")
    func firstSaveReplaces() throws {
        try TestDatabase.withWorkspace { ws, _ in
            try ws.saveSources([Self.source])
            try ws.stateStore(for: "Shop", lease: nil).save(["old": 1, "kept": 2])
            try ws.stateStore(for: "Shop", lease: nil).save(["kept": 3])
            #expect(try ws.loadState(of: "Shop") == ["kept": 3])
        }
    }

    @Test("a save under a lease whose epoch moved on throws LostLease naming the new holder, and writes nothing")
    func staleEpoch() throws {
        try TestDatabase.withWorkspace { ws, _ in
            try ws.saveSources([Self.source])
            let id = try #require(try ws.sourceID(of: "Shop"))
            let holder = LeaseHolder(pid: 7, host: "host-b", origin: "cli", since: 0)
            let json = String(decoding: try JSONEncoder().encode(holder), as: UTF8.self)
            try ws.client.execute("INSERT INTO \(ws.schema).leases (source_id, epoch, holder) VALUES ($1, 8, $2::jsonb)", [.text(id), .text(json)])
            let lease = Lease(name: "Shop", holder: .current(origin: "cli"), epoch: 7) {}
            let store = ws.stateStore(for: "Shop", lease: lease)
            let lost = try #require(throws: LostLease.self) { try store.save(["a": 1]) }
            #expect(lost.message.hasPrefix("lost lease: source 'Shop' was taken by pid 7 on host-b"), "\(lost.message)")
            #expect(lost.message.hasSuffix("(epoch 8 > 7)"), "\(lost.message)")
            #expect(try ws.loadState(of: "Shop") == nil)
        }
    }

    @Test("a save under the current epoch goes through while the lease's lock is held, and is refused once it is not")
    func lockMustBeHeld() throws {
        try TestDatabase.withWorkspace { ws, url in
            try ws.saveSources([Self.source])
            let id = try #require(try ws.sourceID(of: "Shop"))
            try ws.client.execute("INSERT INTO \(ws.schema).leases (source_id, epoch) VALUES ($1, 3)", [.text(id)])
            let holder = try TestDatabase.client(url)
            try holder.query("SELECT pg_advisory_lock(hashtext($1), hashtext($2))", [.text(ws.schema), .text(id)])
            let store = ws.stateStore(for: "Shop", lease: Lease(name: "Shop", holder: .current(origin: "cli"), epoch: 3) {})
            try store.save(["a": 1])
            #expect(try ws.loadState(of: "Shop") == ["a": 1])
            holder.close()
            // The server frees the lock when the holder's session ends, just after the close.
            let free = try waitUntil(seconds: 5) {
                try ws.client.query(
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext($1)::oid)", [.text(id)]
                ).first?.bool(0) == true
            }
            #expect(free)
            let lost = try #require(throws: LostLease.self) { try store.save(["a": 2]) }
            #expect(lost.message.contains("is no longer held"), "\(lost.message)")
            #expect(try ws.loadState(of: "Shop") == ["a": 1])
        }
    }

    @Test("reset keeps only the saved params; delete removes all; an unsaved name has no state")
    func resetAndDelete() throws {
        try TestDatabase.withWorkspace { ws, _ in
            ws.useSecrets(WorkspaceSecrets(key: try WorkspaceKey(bytes: Data(repeating: 1, count: 32), origin: "test")))  // __params are sealed
            try ws.saveSources([Self.source])
            try ws.stateStore(for: "Shop", lease: nil).save(["a": 1, "__params": ["token": "t"]])
            try ws.resetState(of: "Shop")
            #expect(try ws.loadState(of: "Shop") == ["__params": ["token": "t"]])
            try ws.deleteState(of: "Shop")
            #expect(try ws.loadState(of: "Shop") == nil)
            #expect(try ws.loadState(of: "Nobody") == nil)
            #expect(throws: PanoplyError.self) { try ws.stateStore(for: "Nobody", lease: nil).save(["a": 1]) }
        }
    }

    @Test("history keeps the newest 50 runs per source; histories reads several sources at once")
    func historyKeepsFifty() throws {
        try TestDatabase.withWorkspace { ws, _ in
            try ws.saveSources([Self.source, SavedSource(name: "Other", type: "demo", values: [:])])
            for i in 1...55 {
                try ws.appendHistory(RunRecord(started: Double(i), ended: Double(i) + 1, status: .done, origin: "cli", log: ["run \(i)"]), to: "Shop")
            }
            try ws.appendHistory(RunRecord(started: 1, ended: 2, status: .failed, origin: "ui"), to: "Other")
            let runs = try ws.history(of: "Shop")
            #expect(runs.count == RunRecord.keptRuns)
            #expect(runs.first?.started == 6 && runs.last?.started == 55)
            let all = ws.histories(of: ["Shop", "Other", "Missing"])
            #expect(all.problems.isEmpty)
            #expect(all.history["Shop"]?.count == 50 && all.history["Other"]?.count == 1 && all.history["Missing"] == [])
            try ws.deleteHistory(of: "Shop")
            #expect(try ws.history(of: "Shop").isEmpty)
            #expect(throws: PanoplyError.self) { try ws.appendHistory(runs[0], to: "Missing") }
        }
    }
}
