import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

/// An outbox folder is local to each host: a shared workspace that names one (a saved
/// destination, or a source's saved outbox) has `run --saved` on another host make it there
/// and say so. Real `panoply` processes on the real PostgreSQL, a schema of their own.
@Suite("An outbox folder named in a shared workspace", .serialized, .enabled(if: PostgresServer.available, PostgresServer.skipMessage))
struct WorkspaceOutboxCLITests {
    static let note = "on this host (an outbox is local to each host; teams send to SQS)"

    /// `panoply ARGS` on `host`, in its HOME (nothing lands in the test's folder).
    static func run(_ host: WorkspaceCLITests.Host, _ args: [String]) throws -> Child.Exit {
        try CLI.run(args, in: host.home, environment: host.env)
    }

    /// Imports a config folder written on host A (`configure` fills it) into the workspace.
    static func importFolder(_ a: WorkspaceCLITests.Host, replace: Bool = false, _ configure: (FolderWorkspace) throws -> Void) throws {
        let dir = try temporaryDirectory().appendingPathComponent("folder")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try configure(FolderWorkspace(directory: dir.path))
        let imported = try Self.run(a, ["workspace", "import", "--from", dir.path] + (replace ? ["--replace"] : []))
        guard imported.status == 0 else { throw TestFailure("workspace import exited \(imported.status): \(imported.stderr)") }
    }

    @Test("a source's saved outbox, then a saved destination's, are made on host B by run --saved, said on stderr")
    func outboxMadeOnThisHost() throws {
        let (_, a, b) = try WorkspaceCLITests.workspace()
        let sourceOutbox = a.home.appendingPathComponent("source-outbox")
        try Self.importFolder(a) { folder in
            try folder.saveSources([SavedSource(name: "Small", type: "demo", values: ["rows": "40"], outbox: sourceOutbox.path)])
        }

        let first = try Self.run(b, ["run", "--saved", "Small"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("Small: created the outbox folder \(sourceOutbox.path) \(Self.note)"), "\(first.stderr)")
        #expect(try Set(outboxIds(sourceOutbox)) == Set(1...40))

        // There now: nothing to make, nothing said.
        let again = try Self.run(b, ["run", "--saved", "Small", "--full-refresh"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("created the outbox folder"), "\(again.stderr)")

        // A saved destination wins over the source's folder, and is made the same way.
        let destinationOutbox = a.home.appendingPathComponent("destination-outbox")
        try Self.importFolder(a, replace: true) { folder in
            try folder.saveDestination(DestinationSettings(kind: .outbox, outbox: destinationOutbox.path))
        }
        let second = try Self.run(b, ["run", "--saved", "Small", "--full-refresh"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("Small: created the outbox folder \(destinationOutbox.path) \(Self.note)"), "\(second.stderr)")
        #expect(try Set(outboxIds(destinationOutbox)) == Set(1...40))

        // A folder named on the command line is this run's own: the plain line.
        let given = b.home.appendingPathComponent("given-outbox")
        let third = try Self.run(b, ["run", "--saved", "Small", "--full-refresh", "--outbox", given.path])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stderr.contains("Small: created the outbox folder \(given.path)\n"), "\(third.stderr)")
        #expect(!third.stderr.contains(Self.note), "\(third.stderr)")
    }

    @Test("the config folder says only that it made the folder, as before")
    func folderUnchanged() throws {
        let home = try temporaryDirectory()
        let config = home.appendingPathComponent("config"), outbox = home.appendingPathComponent("out")
        try FolderWorkspace(directory: config.path).saveSources([
            SavedSource(name: "Small", type: "demo", values: ["rows": "10"], outbox: outbox.path)
        ])
        let run = try CLI.run(
            ["run", "--saved", "Small", "--config-dir", config.path], in: home, environment: ["HOME": home.path, "PANOPLY_WORKSPACE": ""])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("Small: created the outbox folder \(outbox.path)\n"), "\(run.stderr)")
        #expect(!run.stderr.contains(Self.note), "\(run.stderr)")
    }
}
