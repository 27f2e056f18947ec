import Foundation
import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// The workspace in a PostgreSQL schema (`--workspace postgres://…`): saved sources, the
/// destination, added types, committed state, run history, leases, snapshots and cancel
/// requests as rows, so every machine that opens it sees the same sources and runs.
///
/// Saved sources are keyed by their ``SavedSource/id`` (stable across renames); state, history,
/// leases and snapshots by that id, so a rename is only the source row's new name. Ordinary
/// calls share one connection (``PGClient``); a run's lease holds a connection of its own.
/// Opening checks the schema version (``Migrations/check(_:)``).
package final class PostgresWorkspace: Workspace {
    package let url: WorkspaceURL
    package let client: PGClient
    let environment: [String: String]
    /// The ids this instance loaded or saved (a whole-list save deletes only those), and the
    /// ids of the sources it removed, by name (their state and history are found by name
    /// until deleted or moved to the source's new row).
    let known = Mutex(KnownSources())
    /// The workspace key and the secret params it seals with (``useSecrets(_:)``).
    let secretsState = Mutex(WorkspaceSecrets.none)
    /// The leases this instance holds and its listener of the runs channel (`LISTEN`).
    let runs: WorkspaceRuns

    struct KnownSources {
        var ids: Set<String> = []
        var removed: [String: String] = [:]
    }

    /// Opens the workspace at `url`, checking that its schema is this binary's.
    /// - Parameters:
    ///   - url: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=…&schema=…` (``WorkspaceURL``).
    ///   - environment: the process environment, for the password (`${NAME}`, password file).
    /// - Throws: ``PanoplyError``: a URL that does not parse, a server that cannot be
    ///   reached or refuses the login, a schema that is missing or older (asks for
    ///   `panoply workspace init --workspace URL`) or newer (asks to upgrade panoply).
    package static func open(url: String, environment: [String: String]) throws -> PostgresWorkspace {
        try open(url: WorkspaceURL(parsing: url), environment: environment)
    }

    /// Opens the workspace at a parsed `url` (see ``open(url:environment:)-(String,_)``).
    package static func open(url: WorkspaceURL, environment: [String: String]) throws -> PostgresWorkspace {
        let client = try PGClient(url: url, environment: environment, setup: sessionSettings)
        try Migrations.check(client)
        return PostgresWorkspace(client: client, environment: environment)
    }

    /// The settings of the workspace's own connection: a machine that vanishes mid-transaction
    /// (its locks on a `leases` row held) is noticed by the server within a minute, and a
    /// transaction left open by a client that gave up is ended after 20 s, so no source stays
    /// locked for the kernel's two hours.
    static let sessionSettings = [
        "SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5", "SET tcp_keepalives_count = 3",
        "SET tcp_user_timeout = 30000", "SET idle_in_transaction_session_timeout = '20s'", "SET application_name = 'panoply'"
    ]

    /// A workspace over `client`, its schema not checked (``open(url:environment:)-(String,_)`` checks).
    package init(client: PGClient, environment: [String: String]) {
        self.url = client.url
        self.client = client
        self.environment = environment
        self.runs = WorkspaceRuns(url: client.url, environment: environment)
    }

    /// The masked URL (password `***`).
    package var location: String { url.masked }

    /// The schema, to put before table names (checked to need no quoting).
    var schema: String { url.schema }

    /// Closes the shared connection and stops listening.
    package func close() {
        runs.listener.stop()
        client.close()
    }

    /// The saved sources, in their saved order.
    /// - Throws: ``PanoplyError`` when the workspace cannot be read, or a source's row is not
    ///   a saved source.
    package func loadSources() throws -> [SavedSource] {
        let rows = try client.query("SELECT id, name, body::text FROM \(schema).sources ORDER BY position, name")
        let sources = try rows.map { row in
            try decodeSourceBody(try row.text(2) ?? "", id: try row.text(0) ?? "", name: try row.text(1) ?? "")
        }
        known.withLock { k in k.ids.formUnion(sources.compactMap(\.id)) }
        return sources
    }

    /// Saves the whole list of sources, as the UI and the commands see it: every source is
    /// written (upserted by id, in the list's order), and the sources this instance loaded or
    /// saved before that are no longer in the list are deleted. A source another machine
    /// added meanwhile is never deleted. A source without an id takes the id of the source of
    /// its name (this instance's, else the workspace's), else a new one.
    /// - Throws: ``PanoplyError`` (config) when a name is taken by a source saved elsewhere
    ///   meanwhile; any error of the server (nothing is then saved).
    package func saveSources(_ sources: [SavedSource]) throws {
        let removed = try client.transaction { session -> [String: String] in
            let rows = try session.query("SELECT id, name FROM \(schema).sources FOR UPDATE")
            let existing = try rows.map { row in (id: try row.text(0) ?? "", name: try row.text(1) ?? "") }
            let knownIDs = known.withLock { $0.ids }
            let holding = existing.map { row in
                var held = SavedSource(name: row.name, type: "", values: [:])
                held.id = row.id
                return held
            }
            let listed = SavedSource.withIDs(sources, known: holding)
            let bodies = try listed.map { try encodeSourceBody($0) }
            try checkSealingKey(of: bodies, session)
            let payload = zip(listed, bodies).enumerated().map { position, item in
                "{\"id\":\(quoted(item.0.id!)),\"name\":\(quoted(item.0.name)),\"position\":\(position),\"body\":\(item.1)}"
            }
            try upsertSources("[" + payload.joined(separator: ",") + "]", session)
            let keep = Set(listed.compactMap(\.id))
            let gone = existing.filter { knownIDs.contains($0.id) && !keep.contains($0.id) }
            let staying = existing.filter { !keep.contains($0.id) && !gone.map(\.id).contains($0.id) }
            if let taken = listed.first(where: { s in staying.contains { $0.name == s.name } }) {
                throw nameTaken(taken.name)
            }
            if !gone.isEmpty {
                try session.execute(
                    "DELETE FROM \(schema).sources WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))", [.text(jsonArray(gone.map(\.id)))])
            }
            try checkNamesUnique(session)
            known.withLock { k in
                k.ids = keep
                for source in listed { k.removed[source.name] = nil }
            }
            return Dictionary(gone.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        }
        known.withLock { k in k.removed.merge(removed) { _, new in new } }
    }

    private func upsertSources(_ payload: String, _ session: PGSession) throws {
        try session.execute(
            """
            INSERT INTO \(schema).sources (id, name, position, body, updated_at)
            SELECT e->>'id', e->>'name', (e->>'position')::int, e->'body', now() FROM jsonb_array_elements($1::jsonb) e
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, position = excluded.position, body = excluded.body, updated_at = now()
            WHERE (sources.name, sources.position, sources.body) IS DISTINCT FROM (excluded.name, excluded.position, excluded.body)
            """, [.text(payload)])
    }

    /// Checks the deferred unique name now (a source saved elsewhere since this save read
    /// the list), to fail with a message.
    private func checkNamesUnique(_ session: PGSession) throws {
        do {
            try session.execute("SET CONSTRAINTS \(schema).sources_name_key IMMEDIATE")
        } catch let error as PGError where error.sqlState == "23505" {
            throw nameTaken(nil)
        }
    }

    private func nameTaken(_ name: String?) -> PanoplyError {
        PanoplyError.config(
            "another saved source is named \(name.map { "'\($0)'" } ?? "as one of these") in the workspace \(location) "
                + "(saved from elsewhere meanwhile): reload and choose another name")
    }

    /// The id of the saved source called `name`, else of the source of that name this
    /// instance removed (its state and history are still found), else nil.
    /// - Throws: ``PanoplyError`` when the workspace cannot be read.
    package func sourceID(of name: String) throws -> String? {
        let rows = try client.query("SELECT id FROM \(schema).sources WHERE name = $1", [.text(name)])
        if let id = try rows.first?.text(0) { return id }
        return known.withLock { $0.removed[name] }
    }

    /// The id of the saved source called `name`.
    /// - Throws: ``PanoplyError`` (config) when there is none.
    func requireSourceID(of name: String) throws -> String {
        guard let id = try sourceID(of: name) else {
            throw PanoplyError.config("no saved source is named '\(name)' in the workspace \(location) (list them: panoply list)")
        }
        return id
    }

    /// A source as stored in its row's `body` (JSON text). Secret values are sealed here.
    func encodeSourceBody(_ source: SavedSource) throws -> String {
        guard let id = source.id else { throw PanoplyError(.internal, "the saved source '\(source.name)' has no id to seal its secrets with") }
        return try sealedSourceBody(source, id: id)
    }

    /// A source from its row; the row's id and name win over the body's. Sealed values are
    /// opened here.
    /// - Throws: ``PanoplyError`` (config) naming the source when the body cannot be read.
    func decodeSourceBody(_ body: String, id: String, name: String) throws -> SavedSource {
        do {
            var source = try openedSourceBody(body, id: id, name: name)
            source.id = id
            source.name = name
            return source
        } catch let error as PanoplyError {
            throw error  // a secret that does not open: the message says which and why
        } catch {
            throw PanoplyError.config(
                "cannot read the saved source '\(name)' (id \(id)) in the workspace \(location): \(error.localizedDescription); save it again or delete it")
        }
    }
}

/// `text` as a JSON string literal.
func quoted(_ text: String) -> String { JSONWriter.string(.string(text)) }

/// `items` as a JSON array of strings.
func jsonArray(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ",") + "]" }
