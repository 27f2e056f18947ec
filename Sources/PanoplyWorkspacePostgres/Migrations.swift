import PanoplyKit

/// The versioned schema of a PostgreSQL workspace, in a schema of its own (`panoply`, or the
/// URL's `?schema=`). Its version is the `schema_version` row of `<schema>.meta`.
///
/// ``apply(_:)`` (`panoply workspace init`) brings a workspace to ``current`` in one
/// transaction, under `pg_advisory_xact_lock` so two inits at once do not race; it is
/// idempotent. ``check(_:)`` (every open) refuses a workspace this binary cannot use.
package enum Migrations {
    /// The schema version this binary writes and reads.
    package static let current = 1

    /// What a workspace's schema is, as `workspace status` reports it.
    package struct Status: Sendable, Equatable {
        /// The schema version found, nil when the workspace has none (never initialized).
        package var version: Int?
        /// The version this binary knows (``Migrations/current``).
        package var current: Int

        /// The workspace can be used as it is.
        package var isCurrent: Bool { version == current }
    }

    /// What ``apply(_:)`` did.
    package struct Applied: Sendable, Equatable {
        /// The version before (nil: the schema was created).
        package var from: Int?
        package var to: Int
        /// Nothing was to do.
        package var upToDate: Bool { from == to }
    }

    /// The statements of each version, in order; version N is `steps[N - 1]`. Every table of
    /// a workspace is created in version 1 (sources, destination, added types, state, run
    /// history, leases, snapshots, cancel requests).
    static func steps(_ s: String) -> [[String]] {
        [
            [
                """
                CREATE TABLE \(s).sources (id text PRIMARY KEY, name text NOT NULL, position int NOT NULL DEFAULT 0,
                  body jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
                  CONSTRAINT sources_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED)
                """,
                """
                CREATE TABLE \(s).destination (id int PRIMARY KEY CHECK (id = 1), body jsonb NOT NULL,
                  updated_at timestamptz NOT NULL DEFAULT now())
                """,
                "CREATE TABLE \(s).source_types (name text PRIMARY KEY, body jsonb NOT NULL, position int NOT NULL DEFAULT 0)",
                """
                CREATE TABLE \(s).state (source_id text NOT NULL, key text NOT NULL, value jsonb NOT NULL,
                  updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source_id, key))
                """,
                "CREATE TABLE \(s).runs (id bigserial PRIMARY KEY, source_id text NOT NULL, body jsonb NOT NULL)",
                "CREATE INDEX runs_source_id ON \(s).runs (source_id, id)",
                """
                CREATE TABLE \(s).leases (source_id text PRIMARY KEY, epoch bigint NOT NULL DEFAULT 0, holder jsonb,
                  taken_at timestamptz)
                """,
                """
                CREATE TABLE \(s).snapshots (source_id text PRIMARY KEY, epoch bigint NOT NULL, body jsonb NOT NULL,
                  updated_at timestamptz NOT NULL DEFAULT now())
                """,
                "CREATE TABLE \(s).cancels (source_id text PRIMARY KEY, who text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
            ]
        ]
    }

    /// Brings the workspace's schema to ``current``: creates the schema and `meta` when
    /// missing, runs the versions after the one found, and records the new version, all in
    /// one transaction. Running it again does nothing; two at once wait for each other.
    /// - Throws: ``PanoplyError`` (config) when the workspace is newer than this binary, or
    ///   the user may not create the schema; any error of the server.
    @discardableResult
    package static func apply(_ client: PGClient) throws -> Applied {
        let s = client.url.schema
        return try client.transaction { session in
            try session.execute("SELECT pg_advisory_xact_lock(hashtext('panoply workspace init'), hashtext($1))", [.text(s)])
            // Created only when missing: CREATE SCHEMA needs CREATE on the database even with
            // IF NOT EXISTS, which a user given a schema made for it may not have.
            do {
                let exists = try session.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [.text(s)])
                if exists.isEmpty { try session.execute("CREATE SCHEMA \(s)") }
            } catch let error as PGError where error.sqlState == "42501" {
                let user = client.url.user
                throw PanoplyError.config(
                    "user '\(user)' may not create the schema '\(s)' in database '\(client.url.database)': "
                        + "grant it CREATE on the database, or create the schema for it (CREATE SCHEMA \(s) AUTHORIZATION \(user))")
            }
            try session.execute("CREATE TABLE IF NOT EXISTS \(s).meta (key text PRIMARY KEY, value text NOT NULL)")
            let found = try version(session, schema: s)
            if let found, found > current { throw newer(found) }
            for step in steps(s)[(found ?? 0)...] {
                for statement in step { try session.execute(statement) }
            }
            try session.execute(
                "INSERT INTO \(s).meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(String(current))])
            return Applied(from: found, to: current)
        }
    }

    /// The workspace's schema version and this binary's.
    /// - Throws: ``PanoplyError`` when the server cannot be reached or read.
    package static func status(_ client: PGClient) throws -> Status {
        let s = client.url.schema
        return try client.withSession { session in
            let meta = try session.query("SELECT to_regclass($1) IS NOT NULL", [.text("\(s).meta")])
            guard try meta.first?.bool(0) == true else { return Status(version: nil, current: current) }
            return Status(version: try version(session, schema: s), current: current)
        }
    }

    /// Refuses a workspace this binary cannot use.
    /// - Throws: ``PanoplyError`` (config): a newer schema asks to upgrade panoply; an older
    ///   or missing one asks for `panoply workspace init --workspace URL`.
    package static func check(_ client: PGClient) throws {
        let status = try status(client)
        let url = client.url.masked
        switch status.version {
        case nil:
            throw PanoplyError.config(
                "the workspace \(url) has no panoply schema '\(client.url.schema)' yet: run `panoply workspace init --workspace URL` with this URL")
        case let v? where v > current:
            throw newer(v)
        case let v? where v < current:
            throw PanoplyError.config(
                "workspace schema version \(v) of \(url) is older than this panoply (knows \(current)): "
                    + "run `panoply workspace init --workspace URL` with this URL")
        default:
            return
        }
    }

    static func newer(_ version: Int) -> PanoplyError {
        PanoplyError.config("workspace schema version \(version) is newer than this panoply (knows \(current)): upgrade panoply")
    }

    private static func version(_ session: PGSession, schema s: String) throws -> Int? {
        let rows = try session.query("SELECT value FROM \(s).meta WHERE key = 'schema_version'")
        guard let text = try rows.first?.text(0) else { return nil }
        guard let v = Int(text) else {
            throw PanoplyError.config("the workspace's \(s).meta holds schema_version '\(text)', which is no number: fix it or start a new schema")
        }
        return v
    }
}
