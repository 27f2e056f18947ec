import Foundation
import PanoplyKit

/// Rows of a CSV file, streamed in chunks. The state is the byte offset after the last
/// delivered row and the row count, so a resumed run seeks straight there. A `path` that
/// is a folder or a glob pattern makes each file a resource (see ``FileResources``): an
/// instance reads its `input.resource` with that file's state, so a file read to its end
/// gives nothing new and a file added later is read whole.
public actor CSVSource: EncodedRecordSource {
    public static let type = "csv"
    public static let incremental = true
    public static let configuration = SourceConfiguration(
        title: "CSV file", icon: "▦", summary: "Rows of CSV files, streamed; resumes at the last delivered row",
        params: [
            SourceParam(
                "path", title: "Path", kind: .path, required: true, placeholder: "/data/users.csv",
                help:
                    "A CSV file (UTF-8, optional BOM, LF or CRLF), a folder (its .csv files; .tsv and .tab with a tab delimiter) or a pattern such as /data/*.csv"
            ),
            FileResources.filesParam("CSV", example: ".csv", also: ["delimiter"]),
            SourceParam("delimiter", title: "Delimiter", default: ",", placeholder: ",", help: "One character; \\t or 'tab' for tab-separated files"),
            SourceParam(
                "header", title: "Header row", kind: .boolean, default: "true", help: "The first row names the columns (otherwise column_1, column_2, ...)"),
            SourceParam(
                "infer_types", title: "Infer types", kind: .boolean, default: "false",
                help: "Numbers, true/false and empty values become JSON numbers, booleans and null; otherwise every value stays a string")
        ], resourcesParam: FileResources.param, readsAllResourcesWhenNonePicked: true)

    /// What a folder's files end with: `.csv`, or `.tsv` and `.tab` for tab-separated ones.
    /// Other names are read with a pattern (`/data/*.txt`).
    static func extensions(_ source: SourceInput) -> [String] {
        ["\\t", "tab", "\t"].contains(source.string("delimiter") ?? ",") ? [".tsv", ".tab"] : [".csv"]
    }

    private let path: String
    /// The folder or pattern this instance was opened on without a resource: it checks, never reads.
    private let unread: FileSet?
    private let cursor: CSVCursor
    private var encoder: CSVRecordEncoder
    private var row: Int
    /// What to reserve for a batch's JSON: grows to the largest batch seen.
    private var bytesPerBatch = 64 * 1024
    private var done = false
    private let context: SourceContext

    public init(source: SourceInput, context: SourceContext) async throws {
        let (path, unread) = try FileResources.file(source, extensions: Self.extensions(source))
        self.unread = unread
        let delimiter = try Self.delimiter(source.string("delimiter") ?? ",")
        self.path = path
        self.context = context
        let saved = source.state?["csv"]?.objectValue
        let offset = saved?["offset"]?.intValue ?? 0
        row = saved?["row"]?.intValue ?? 0

        var header: [String]? = nil
        if source.bool("header") ?? true {
            let head = try CSVCursor(path: path, offset: 0, delimiter: delimiter)
            guard let names = try head.next() else {
                head.close()
                throw PanoplyError(.config, "'\(path)' is empty: expected a header row (set header=false for files without one)", code: 422)
            }
            header = names
            // A file read from its start goes on with the cursor that read the header (a folder
            // of small files opens and reads each once); a resumed one seeks.
            if offset <= head.offset {
                cursor = head
            } else {
                head.close()
                cursor = try CSVCursor(path: path, offset: offset, delimiter: delimiter)
            }
        } else {
            cursor = try CSVCursor(path: path, offset: offset, delimiter: delimiter)
        }
        encoder = CSVRecordEncoder(columns: CSVColumns(header: header), inferTypes: source.bool("infer_types") ?? false)
        if offset > 0 { context.log("resuming '\(path)' at byte \(offset) after row \(row)") }
        context.log("reading '\(path)' (\(cursor.fileSize) bytes)")
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        try await readEncoded(n)?.decoded(reportingTo: context)
    }

    /// Up to `n` rows, each written straight from the file's bytes as a JSON object. The
    /// batch carries the offset after its last row.
    public func readEncoded(_ n: Int) async throws -> EncodedRecords? {
        if let unread { throw FileResources.unread(unread) }
        guard !done else { return nil }
        var batch = EncodedRecords(reservingCapacity: bytesPerBatch)
        cursor.beginBatch()
        do {
            while batch.count < max(1, n), try cursor.advance() {
                cursor.withFields { encoder.append($0, $1, to: &batch) }
            }
        } catch {
            cursor.rewind()
            throw error
        }
        if batch.isEmpty {
            done = true
            cursor.close()
            context.progress(cursor.fileSize, cursor.fileSize, "\(row) rows, \(cursor.fileSize) bytes (done)")
            return nil
        }
        bytesPerBatch = max(bytesPerBatch, batch.bytes.count + batch.bytes.count / 8)
        row += batch.count
        let offset = cursor.offset
        batch.state = ("csv-\(row)", ["csv": ["offset": .number(JSONNumber(offset)), "row": .number(JSONNumber(row))]])
        batch.progress = (offset, cursor.fileSize, "\(row) rows, \(offset)/\(cursor.fileSize) bytes")
        return batch
    }

    public func close() async { cursor.close() }

    static func delimiter(_ text: String) throws -> UInt8 {
        switch text {
        case "\\t", "tab", "\t": return UInt8(ascii: "\t")
        default:
            let bytes = Array(text.utf8)
            guard bytes.count == 1, bytes[0] != UInt8(ascii: "\""), bytes[0] != 0x0A, bytes[0] != 0x0D else {
                throw PanoplyError.config("Delimiter must be one ASCII character other than a quote or line break (got '\(text)')")
            }
            return bytes[0]
        }
    }
}
