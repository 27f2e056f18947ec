import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a saved source, with its history and committed state.",
        discussion: "A running source is not deleted: cancel it first (panoply cancel NAME).")

    @Argument(help: ArgumentHelp("The saved source.", valueName: "NAME"))
    var name: String
    @Flag(name: .customLong("keep-state"), help: "Keep its committed state (a source saved again under this name resumes from it).")
    var keepState = false
    @OptionGroup var workspaceOptions: WorkspaceOptions

    func run() throws {
        let store = try workspaceOptions.open()
        _ = try SavedSourceRun.find(name, in: store)
        store.settleLostRun(of: name)
        let lease: Lease
        do { lease = try store.acquireLease(of: name, holder: .current(origin: "cli"), wait: nil) } catch let busy as LeaseBusy {
            throw fail("\(busy.message); cancel it first: panoply cancel \(RunCommand.shellQuoted(name))", code: Exit.alreadyRunning)
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        defer { lease.release() }
        do {
            let sources = try store.loadSources().filter { $0.name != name }
            try store.saveSources(sources)
            try store.deleteHistory(of: name)
            store.clearSnapshot(of: name)
            if !keepState { try store.deleteState(of: name) }
        } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        print("deleted '\(name)'" + (keepState ? " (its committed state is kept)" : ""))
    }
}
