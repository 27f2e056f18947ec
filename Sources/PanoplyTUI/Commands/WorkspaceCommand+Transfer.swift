import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

/// `panoply workspace import [--from DIR]`: a config folder's sources, destination, state,
/// history and added types into the team's workspace.
struct WorkspaceImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Copy a config folder (sources, destination, state, history, added types) into the workspace.",
        discussion: "Sources whose names the workspace already has are refused, and nothing is copied, unless --replace (never while one of them runs).")

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Option(name: .customLong("from"), help: ArgumentHelp("The config folder to copy (default: this machine's config folder).", valueName: "DIR"))
    var from: String?
    @Flag(name: .customLong("replace"), help: "Overwrite sources of the same name, their state and history, and the destination.")
    var replace = false

    func run() throws {
        let target = try workspaceOptions.openShared(for: "import into")
        let folder = Workspaces.folder(from ?? workspaceOptions.configDir)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.directory, isDirectory: &isFolder), isFolder.boolValue else {
            throw fail("no config folder at \(folder.directory) (give the folder to import: --from DIR)", code: Exit.usage)
        }
        var transfer = WorkspaceTransfer(from: folder, to: target)
        transfer.replace = replace
        let summary: WorkspaceTransfer.Summary
        do { summary = try transfer.run() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        print("imported \(WorkspaceTransferText.describe(summary)) from \(folder.location) into \(target.location)")
        if summary.keptDestination { printError("kept the workspace's own destination (give --replace to overwrite it)") }
    }
}

/// `panoply workspace export --to DIR`: the workspace written back as a config folder.
struct WorkspaceExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the workspace's sources, destination, state, history and added types into a config folder.",
        discussion: """
            Secret values (secret params, the hash salt, the destination's API secret and AWS secret key, params a run \
            saved in its state) are left out unless --with-secrets, which needs the workspace key; files are written with \
            mode 0600. `${NAME}` references are always kept.
            """)

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Option(name: .customLong("to"), help: ArgumentHelp("The config folder to write.", valueName: "DIR"))
    var to: String
    @Flag(name: .customLong("with-secrets"), help: "Export secret values too (needs the workspace key).")
    var withSecrets = false
    @Flag(name: .customLong("replace"), help: "Overwrite sources of the same name already in DIR.")
    var replace = false

    func run() throws {
        let source = try workspaceOptions.openShared(for: "export")
        let registry = try Workspaces.registry(source)
        var transfer = WorkspaceTransfer(from: source, to: FolderWorkspace(directory: to))
        transfer.replace = replace
        transfer.keepSecrets = withSecrets
        transfer.secretParams = { saved in
            let params = (try? registry.kind(named: saved.type))??.configuration.params ?? []
            return Set(params.filter(\.isSecret).map(\.name))
        }
        let summary: WorkspaceTransfer.Summary
        do { summary = try transfer.run() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        print("exported \(WorkspaceTransferText.describe(summary)) from \(source.location) to \(to)")
        if summary.keptDestination { printError("kept the destination already in \(to) (give --replace to overwrite it)") }
        if !summary.withheld.isEmpty {
            printError("left out (give --with-secrets to export them): \(summary.withheld.joined(separator: "; "))")
        }
    }
}

enum WorkspaceTransferText {
    /// `3 sources ('a', 'b', 'c'), 3 states, 12 runs, the destination, 1 added type`.
    static func describe(_ s: WorkspaceTransfer.Summary) -> String {
        var parts = [counted(s.sources.count, "source") + (s.sources.isEmpty ? "" : " (" + s.sources.map { "'\($0)'" }.joined(separator: ", ") + ")")]
        parts.append(counted(s.states, "state"))
        parts.append(counted(s.runs, "run"))
        if s.destination { parts.append("the destination") }
        if s.types > 0 { parts.append(counted(s.types, "added type")) }
        return parts.joined(separator: ", ")
    }

    private static func counted(_ n: Int, _ noun: String) -> String { "\(Format.count(n)) \(noun)\(n == 1 ? "" : "s")" }
}

extension WorkspaceOptions {
    /// The team's workspace these options name.
    /// - Throws: an exit with code 2 when no URL was given (`what` says what needed one).
    func openShared(for what: String) throws -> any Workspace {
        _ = try requireURL(for: what)
        return try open()
    }
}
