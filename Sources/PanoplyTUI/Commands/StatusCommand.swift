import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show which saved sources are running (from any process: the UI, cron, another shell) and their last run.",
        discussion: """
            A running source shows its origin (ui or cli), pid, host, progress, rate and records delivered, \
            live. A run whose process was killed is recorded as lost here, and the next run resumes from \
            its committed state.

            With --json: {"sources": [{"name", "type", "running": null or {"origin", "pid", "host", "started", \
            "loaded", "total", "delivered", "rate"}, "lastRun": null or the object `panoply list --json` gives}]}
            """)

    @Flag(help: "Print JSON instead of text.")
    var json = false
    @Argument(help: ArgumentHelp("Saved sources to show (default: all).", valueName: "NAME"))
    var names: [String] = []
    @OptionGroup var workspaceOptions: WorkspaceOptions

    func run() throws {
        let store = try workspaceOptions.open()
        var sources: [SavedSource]
        do { sources = try store.loadSources() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        if !names.isEmpty {
            for n in names where !sources.contains(where: { $0.name == n }) { _ = try SavedSourceRun.find(n, in: store) }
            sources = sources.filter { names.contains($0.name) }
        }
        let live = Self.liveRuns(of: sources.map(\.name), in: store)
        let (lastRuns, problems) = store.lastRuns(of: sources.map(\.name))
        for p in problems { printError("warning: \(p)") }
        if json {
            let list: [JSONValue] = sources.map { s in
                var o = ListCommand.sourceJSON(s, last: lastRuns[s.name])
                o["running"] = live[s.name].map { .object(Self.runningJSON($0)) } ?? .null
                return .object(o)
            }
            print(JSONWriter.string(.object(["sources": .array(list)])))
            return
        }
        if sources.isEmpty { return print("no saved sources in \(store.location) (save one in the UI: panoply)") }
        for s in sources {
            let last = lastRuns[s.name].map { "last run \($0.statusName), \(Format.count($0.delivered)) delivered" } ?? "never run"
            guard let r = live[s.name] else {
                print("\(s.name)  idle  (\(last))")
                continue
            }
            let progress = r.total.map { "\(Format.count(r.loaded ?? 0))/\(Format.count($0))" } ?? Format.count(r.loaded ?? r.counters.records)
            let rate = r.rate.map { "\(Format.count(Int($0)))/s" } ?? "-"
            print("\(s.name)  running  \(r.holder.description)  \(progress)  \(rate)  \(Format.count(r.counters.recordsDelivered)) delivered  (\(last))")
        }
    }

    /// The snapshots of the runs of `names` that hold their source's lease now, by name;
    /// a snapshot left by a run that ended without finishing is settled on the way (recorded
    /// lost, ``Workspace/settleLostRun(of:)``). Every snapshot is read at once
    /// (``Workspace/snapshots(of:)``: one query in a shared workspace, however many sources).
    static func liveRuns(of names: [String], in store: any Workspace) -> [String: RunSnapshot] {
        var live: [String: RunSnapshot] = [:]
        for (name, kept) in store.snapshots(of: names) {
            if !kept.running {
                store.settleLostRun(of: name)
            } else if kept.snapshot.status == .running {
                live[name] = kept.snapshot
            }
        }
        return live
    }

    static func runningJSON(_ r: RunSnapshot) -> JSONObject {
        func n(_ i: Int?) -> JSONValue { i.map { .number(JSONNumber($0)) } ?? .null }
        return [
            "origin": .string(r.holder.origin), "pid": n(Int(r.holder.pid)), "host": .string(r.holder.host),
            "started": .string(ListCommand.iso(r.holder.since)), "loaded": n(r.loaded ?? r.counters.records), "total": n(r.total),
            "delivered": n(r.counters.recordsDelivered), "rate": r.rate.map { .number(JSONNumber(Int($0.rounded()))) } ?? .null
        ]
    }
}
