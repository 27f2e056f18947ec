import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Ask the running run of a saved source to cancel, wherever it was started (the UI, cron, another shell).",
        discussion: """
            The run notices within a second and cancels as SIGINT or its own c would: it stops reading, \
            delivers what it read, commits, and ends cancelled (its process exits 5). Its history records \
            who asked. A source that is not running is said so, with exit 0.
            """)

    @Argument(help: ArgumentHelp("The saved source.", valueName: "NAME"))
    var name: String
    @Option(
        name: .customLong("wait"),
        help: ArgumentHelp(
            "Wait for the run to end (at most SECONDS; --wait alone: no limit) and exit with its exit code (5 cancelled, 3 undelivered, ...).",
            valueName: "SECONDS"))
    var wait: WaitLimit?
    @OptionGroup var workspaceOptions: WorkspaceOptions

    func run() async throws {
        let store = try workspaceOptions.open()
        _ = try SavedSourceRun.find(name, in: store)
        store.settleLostRun(of: name)
        guard store.isRunning(name), let running = store.snapshot(of: name) else {
            print("'\(name)' is not running")
            return
        }
        let who = "cli on \(ProcessInfo.processInfo.hostName)"
        do { try store.requestCancel(of: name, by: who) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        printError("asked '\(name)' (\(running.holder.description)) to cancel")
        guard let wait else { return }
        let code = try await Self.waitForEnd(of: name, in: store, since: running.holder.since, limit: wait.duration)
        if code != 0 { throw ExitCode(code) }
    }

    /// Waits until the run of `name` that started at `since` has ended (its lease is free, or
    /// held by a later run), and returns its exit code as `run --saved` would have.
    static func waitForEnd(of name: String, in store: any Workspace, since: Double, limit: Duration?) async throws -> Int32 {
        let deadline = limit.map { ContinuousClock.now + $0 }
        func ended() -> Bool { !store.isRunning(name) || store.snapshot(of: name).map { $0.holder.since != since } ?? false }
        while !ended() {
            if let deadline, ContinuousClock.now >= deadline {
                throw fail("'\(name)' is still running after the --wait limit", code: Exit.runFailed)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        store.settleLostRun(of: name)
        let runs = (try? store.history(of: name)) ?? []
        guard let record = runs.last(where: { abs($0.started - since) < 2 }) else { return Exit.runFailed }
        if let code = record.exitCode { return code }
        switch record.status {
        case .done: return Exit.success
        case .cancelled: return Exit.cancelled
        default: return Exit.runFailed
        }
    }
}
