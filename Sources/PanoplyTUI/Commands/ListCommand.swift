import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyTUICore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the sources saved in the UI, with their last run.",
        discussion: """
        With --json: {"sources": [{"name", "type", "lastRun": {"status", "started", "ended", "records", "error"} or null}]}
        (started and ended in ISO 8601, UTC; records delivered). Run one with `panoply run --saved NAME`.
        """)

    @Flag(help: "Print JSON instead of text.")
    var json = false
    @Option(name: .customLong("config-dir"), help: ArgumentHelp("Where saved sources live.", valueName: "DIR"))
    var configDir: String?

    func run() throws {
        let store = ConfigStore(directory: configDir ?? defaultConfigDirectory())
        let sources: [SavedSource]
        do { sources = try store.loadSources() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        let (history, problems) = store.history.loadAll(sources.map(\.name))
        for p in problems { printError("warning: \(p)") }
        if json {
            let list: [JSONValue] = sources.map { .object(Self.sourceJSON($0, last: history[$0.name]?.last)) }
            print(JSONWriter.string(.object(["sources": .array(list)])))
            return
        }
        if sources.isEmpty { print("no saved sources in \(store.directory) (save one in the UI: panoply)") }
        let width = max(4, sources.map(\.name.count).max() ?? 4)
        for s in sources {
            var line = s.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + s.type.padding(toLength: 9, withPad: " ", startingAt: 0)
            if let r = history[s.name]?.last {
                line += "  \(r.status.rawValue) \(Format.dateTime(r.started, utcOffset: TimeZone.current.secondsFromGMT())) \(Format.count(r.delivered)) delivered"
                if let e = r.error { line += ": \(e)" }
            } else {
                line += "  never run"
            }
            print(line)
        }
    }

    static func sourceJSON(_ s: SavedSource, last: RunRecord?) -> JSONObject {
        let lastRun: JSONValue = last.map { r in
            .object(["status": .string(r.status.rawValue), "started": .string(iso(r.started)), "ended": .string(iso(r.ended)),
                     "records": .number(JSONNumber(r.delivered)), "error": r.error.map { .string($0) } ?? .null])
        } ?? .null
        return ["name": .string(s.name), "type": .string(s.type), "lastRun": lastRun]
    }

    static func iso(_ unix: Double) -> String {
        Format.dateTime(unix, utcOffset: 0).replacingOccurrences(of: " ", with: "T") + "Z"
    }
}
