import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace
import PanoplyWorkspacePostgres

/// `panoply workspace init`: creates or upgrades the workspace's schema.
struct WorkspaceInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the workspace's schema in PostgreSQL, or bring it up to this panoply's version.",
        discussion: "Safe to run again, and from two machines at once: versions already applied are left as they are.")

    @OptionGroup var workspaceOptions: WorkspaceOptions

    func run() throws {
        let url = try workspaceOptions.requireURL(for: "initialise")
        do {
            let client = try PGClient(url: try WorkspaceURL(parsing: url), environment: processEnvironment)
            let applied = try Migrations.apply(client)
            let schema = "schema '\(client.url.schema)' of \(client.url.masked)"
            if applied.upToDate {
                print("\(schema) is up to date (version \(applied.to))")
            } else {
                print("\(schema): version \(applied.from.map(String.init) ?? "none") → \(applied.to)")
            }
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
    }
}

/// `panoply workspace status`: where the workspace is, its version, sources and runs.
struct WorkspaceStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the workspace's URL (password masked), schema version, number of sources and running runs.",
        discussion: "With --json: {\"url\", \"schema\", \"version\", \"binaryVersion\", \"sources\", \"running\", \"key\"}.")

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let url = try workspaceOptions.requireURL(for: "inspect")
        let client: PGClient
        let status: Migrations.Status
        do {
            client = try PGClient(url: try WorkspaceURL(parsing: url), environment: processEnvironment)
            status = try Migrations.status(client)
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        var sources: [SavedSource] = []
        var running: [String] = []
        if status.isCurrent {
            let workspace = try workspaceOptions.open()
            do { sources = try workspace.loadSources() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
            let live = workspace.snapshots(of: sources.map(\.name))  // one query, not one a source
            running = sources.map(\.name).filter { live[$0]?.running == true }
        }
        let key = try? WorkspaceKey.resolve(keyFile: workspaceOptions.keyFile, environment: processEnvironment)
        if json {
            var o: JSONObject = [
                "url": .string(client.url.masked), "schema": .string(client.url.schema), "binaryVersion": .number(JSONNumber(status.current)),
                "sources": .number(JSONNumber(sources.count)), "running": .array(running.map { .string($0) })
            ]
            o["version"] = status.version.map { .number(JSONNumber($0)) } ?? .null
            o["key"] = key.map { .string($0.id) } ?? .null
            print(JSONWriter.string(.object(o)))
            return
        }
        print("workspace  \(client.url.masked)")
        print("schema     \(client.url.schema), version \(status.version.map(String.init) ?? "none") (this panoply: \(status.current))")
        if !status.isCurrent { print("           run `panoply workspace init` to bring it to version \(status.current)") }
        print("sources    \(sources.count)")
        print("running    \(running.isEmpty ? "none" : running.map { "'\($0)'" }.joined(separator: ", "))")
        print("key        \(key.map { "\($0.id) (secrets can be read and saved)" } ?? "none given (sources with secrets cannot run)")")
    }
}

/// `panoply workspace rotate-key --new-key-file F`: every secret sealed again under a new key.
struct WorkspaceRotateKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Encrypt every secret of the workspace again with a new key, in one transaction.",
        discussion: """
            The current key comes from --workspace-key-file or PANOPLY_WORKSPACE_KEY. Afterwards only the new key \
            opens the secrets: give it to every machine (e.g. update the secret PANOPLY_WORKSPACE_KEY comes from).
            """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Option(name: .customLong("new-key-file"), help: ArgumentHelp("The new key (32 bytes, base64).", valueName: "FILE"))
    var newKeyFile: String

    func run() throws {
        let url = try workspaceOptions.requireURL(for: "rotate the key of")
        do {
            guard let old = try WorkspaceKey.resolve(keyFile: workspaceOptions.keyFile, environment: processEnvironment) else {
                throw PanoplyError.config("give the current key: --workspace-key-file FILE or PANOPLY_WORKSPACE_KEY")
            }
            let new = try WorkspaceKey.read(file: newKeyFile)
            let workspace = try PostgresWorkspace.open(url: url, environment: processEnvironment)
            // A run going now holds values sealed with the old key (tokens it may commit).
            let names = try workspace.loadSources().map(\.name)
            let running = workspace.snapshots(of: names).filter(\.value.running).keys.sorted()
            guard running.isEmpty else {
                throw PanoplyError.config(
                    "\(running.map { "'\($0)'" }.joined(separator: ", ")) \(running.count == 1 ? "is" : "are") running: "
                        + "wait for the runs to end (or cancel them: panoply cancel NAME), then rotate the key")
            }
            let done = try workspace.rotateKey(from: old, to: new)
            let destination = done.destination ? " and the destination" : ""
            print(
                "re-encrypted \(done.secrets) secret\(done.secrets == 1 ? "" : "s") of \(done.sources) source\(done.sources == 1 ? "" : "s")\(destination) with \(new.description)"
            )
        } catch let exit as ExitCode { throw exit } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
    }
}

extension WorkspaceOptions {
    /// The workspace URL given; an exit with code 2 when none was (`what` says what needed one).
    func requireURL(for what: String) throws -> String {
        guard let url = workspaceURL() else {
            throw fail("give the workspace to \(what): --workspace URL or PANOPLY_WORKSPACE", code: Exit.usage)
        }
        return url
    }
}
