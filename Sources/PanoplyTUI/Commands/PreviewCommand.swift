import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

struct PreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Show the first records of a source's resources, with its field settings applied; sends nothing.",
        discussion: """
            Reads the first N records (default 20) of each picked resource (or of the source), applies \
            --exclude, --hash and --rename (or a saved source's settings), and prints a table per resource \
            cut to the terminal's width (COLUMNS), or with --json one record a line with its "__resource". \
            Nothing is sent, committed or recorded: no outbox file, no state, no history.

            Examples:
              panoply preview postgres --param database=shop --param user=reader \\
                --param tables=public.users --exclude public.users:ssn --hash public.users:email
              panoply preview --saved "Orders DB" --resource public.orders --limit 5 --json
            """)

    @OptionGroup var source: SourceSelection
    @OptionGroup var fields: FieldOptions
    @Option(help: ArgumentHelp("Preview a saved source by its name, with its params and field settings.", valueName: "NAME"))
    var saved: String?
    @Option(name: .customLong("resource"), help: ArgumentHelp("A resource to preview (default: those picked, or all); repeat for each.", valueName: "ID"))
    var resources: [String] = []
    @Option(help: ArgumentHelp("Records per resource.", valueName: "N"))
    var limit = 20
    @Flag(help: "Print the records as JSON lines instead of tables.")
    var json = false
    @OptionGroup var workspaceOptions: WorkspaceOptions

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        if saved != nil {
            if source.type != nil { throw ValidationError("give a source TYPE or --saved NAME, not both") }
            if !source.params.isEmpty { throw ValidationError("--param does not go with --saved") }
            if fields.given { throw ValidationError("--exclude, --hash, --rename and --hash-salt do not go with --saved (panoply save changes them)") }
        } else if source.type == nil {
            throw ValidationError("give a source TYPE (see panoply sources) or --saved NAME (see panoply list)")
        }
    }

    func run() async throws {
        let (kind, given) = try await resolve()
        let input: SourceInput, ids: [String]
        do { (input, ids) = try await Preview.plan(kind, input: given, picked: resources) } catch {
            throw fail(error.asPanoplyError.message, code: error.asPanoplyError.category == .config ? Exit.usage : Exit.runFailed)
        }
        let read: [Preview.Resource]
        do {
            read = try await Preview.read(kind, input: input, ids: ids, limit: limit) { printError($0) }
        } catch {
            let e = error.asPanoplyError
            throw fail("\(kind.configuration.title): \(e.message) (code \(e.code))", code: Exit.runFailed)
        }
        if json {
            for r in read {
                for var record in r.records {
                    if let id = r.id { record[SourceResource.recordKey] = .string(id) }
                    print(JSONWriter.string(.object(record)))
                }
            }
            return
        }
        let width = Int(processEnvironment["COLUMNS"] ?? "").flatMap { $0 >= 20 ? $0 : nil } ?? 80
        for (i, r) in read.enumerated() {
            if i > 0 { print("") }
            let title = r.id ?? kind.type
            print("\(title): \(r.records.count == 1 ? "1 record" : "\(r.records.count) records")")
            for line in PreviewTable.lines(r.records, width: width) { print(line) }
        }
    }

    /// The source and its input, with the field settings given or saved.
    private func resolve() async throws -> (SourceKind, SourceInput) {
        let (store, registry) = try workspaceOptions.openWithRegistry()
        if let saved {
            let run = try SavedSourceRun(name: saved, store: store, registry: registry, fullRefresh: false, environment: processEnvironment)
            OutputRedaction.add(run.redactor.secrets)
            var input = run.input
            input.fields = try await FieldCheck.validate(input.fields, kind: run.kind, input: input)
            return (run.kind, input)
        }
        var (kind, input) = try source.resolve(registry)
        input.fields = try FieldCheck.resolvingSalt(try await fields.settings(kind, input: input))
        return (kind, input)
    }
}

/// Records as a text table cut to a width: a column per key (in the order met), each at
/// most 30 characters wide; columns that do not fit are named on a line after it.
enum PreviewTable {
    static func lines(_ records: [JSONObject], width: Int) -> [String] {
        var keys: [String] = []
        for r in records { for k in r.keys where !keys.contains(k) { keys.append(k) } }
        guard !keys.isEmpty else { return records.isEmpty ? ["(no records)"] : ["(records without fields)"] }
        let cells = records.map { r in keys.map { k in cut(r[k].map(text) ?? "", 30) } }
        var shown: [Int] = [], used = 0
        for (c, k) in keys.enumerated() {
            let w = max(cut(k, 30).count, cells.map { $0[c].count }.max() ?? 0)
            guard used + w + (shown.isEmpty ? 0 : 2) <= width || shown.isEmpty else { break }
            used += w + (shown.isEmpty ? 0 : 2)
            shown.append(w)
        }
        func row(_ values: [String]) -> String {
            let line = zip(values, shown).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            return cut(String(line.reversed().drop { $0 == " " }.reversed()), width)
        }
        var out = [row(keys.map { cut($0, 30) })] + cells.map(row)
        if shown.count < keys.count {
            out.append("(\(keys.count - shown.count) more columns: \(keys[shown.count...].joined(separator: ", ")); --json shows them)")
        }
        return out
    }

    /// A value as a cell: a string as it is, anything else as compact JSON; one line.
    static func text(_ v: JSONValue) -> String {
        let s = v.stringValue ?? JSONWriter.string(v)
        return s.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\t", with: " ")
    }

    static func cut(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(max(n - 1, 0))) + "…" }
}
