import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the sources saved in the UI, with their last run.",
        discussion: """
            With --json: {"sources": [{"name", "type", "lastRun": {"status", "started", "ended", "records", "error"} or null}]} \
            (started and ended in ISO 8601, UTC; records delivered). Run one with `panoply run --saved NAME`.
            """)

    @Flag(help: "Print JSON instead of text.")
    var json = false
    @OptionGroup var workspaceOptions: WorkspaceOptions

    func run() throws {
        let store = try workspaceOptions.open()
        let sources: [SavedSource]
        do { sources = try store.loadSources() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        _ = StatusCommand.liveRuns(of: sources.map(\.name), in: store)  // lost runs settled, so their history says so
        let (lastRuns, problems) = store.lastRuns(of: sources.map(\.name))
        for p in problems { printError("warning: \(p)") }
        if json {
            let list: [JSONValue] = sources.map { .object(Self.sourceJSON($0, last: lastRuns[$0.name])) }
            print(JSONWriter.string(.object(["sources": .array(list)])))
            return
        }
        if sources.isEmpty {
            print("no saved sources in \(store.location) (save one in the UI: panoply)")
            return
        }
        for line in Self.table(sources, history: lastRuns.mapValues { [$0] }, zone: .current) { print(line) }
    }

    /// The text listing: a header row, then one row per source; times in `zone`, named.
    static func table(_ sources: [SavedSource], history: [String: [RunRecord]], zone: TimeZone, now: Date = Date()) -> [String] {
        let rows: [[String]] = sources.map { s in
            guard let r = history[s.name]?.last else { return [s.name, s.type, "never run", "", "", ""] }
            let when = Date(timeIntervalSince1970: r.started)
            let time = Format.dateTime(r.started, utcOffset: zone.secondsFromGMT(for: when)) + " " + Self.zoneName(zone, at: when)
            return [s.name, s.type, r.statusName, time, Format.count(r.delivered), r.error ?? ""]
        }
        let header = ["NAME", "TYPE", "LAST RUN", "STARTED", "DELIVERED", "ERROR"]
        let all = [header] + rows
        let widths = (0..<header.count - 1).map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            let cells = row.enumerated().map { c, cell in
                c < widths.count ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) : cell
            }
            return String(cells.joined(separator: "  ").reversed().drop { $0 == " " }.reversed())
        }
    }

    /// `UTC`, `CET`, ... or `UTC+05:30` when the zone has no abbreviation.
    static func zoneName(_ zone: TimeZone, at date: Date) -> String {
        if let a = zone.abbreviation(for: date), a.first?.isLetter == true, !a.hasPrefix("GMT+"), !a.hasPrefix("GMT-") { return a == "GMT" ? "UTC" : a }
        let offset = zone.secondsFromGMT(for: date)
        let h = abs(offset) / 3600, m = abs(offset) % 3600 / 60
        return "UTC" + (offset < 0 ? "-" : "+") + (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }

    static func sourceJSON(_ s: SavedSource, last: RunRecord?) -> JSONObject {
        let lastRun: JSONValue =
            last.map { r in
                var o: JSONObject = [
                    "status": .string(r.statusName), "started": .string(iso(r.started)), "ended": .string(iso(r.ended)),
                    "records": .number(JSONNumber(r.delivered)), "error": r.error.map { .string($0) } ?? .null,
                    "origin": .string(r.origin), "cancelledBy": r.cancelledBy.map { .string($0) } ?? .null
                ]
                if let changes = r.schemaChanges { o["schemaChanges"] = .array(changes.map { .string($0) }) }
                return .object(o)
            } ?? .null
        var o: JSONObject = ["name": .string(s.name), "type": .string(s.type), "lastRun": lastRun]
        if let fields = s.fields, !fields.isEmpty || fields.isSalted { o["fields"] = fields.json }
        return o
    }

    static func iso(_ unix: Double) -> String {
        Format.dateTime(unix, utcOffset: 0).replacingOccurrences(of: " ", with: "T") + "Z"
    }
}
