import Foundation
import PanoplyKit

/// Objects of a JSON Lines file, one per line, numbers kept exactly as written. The state
/// is the byte offset after the last delivered line and the line number. A `path` that is
/// a folder or a glob pattern makes each file a resource (see ``FileResources``), read by
/// an instance of its own with that file's state.
public actor JSONLSource: EncodedRecordSource {
    public static let type = "jsonl"
    public static let incremental = true
    public static let configuration = SourceConfiguration(
        title: "JSON Lines file", icon: "{}", summary: "One JSON object per line, streamed; numbers kept exactly",
        params: [
            SourceParam(
                "path", title: "Path", kind: .path, required: true, placeholder: "/data/events.jsonl",
                help: "A .jsonl / .ndjson file (one JSON object per line), a folder (its .jsonl and .ndjson files) or a pattern such as /data/*.jsonl"),
            FileResources.filesParam("JSON Lines", example: ".jsonl")
        ], resourcesParam: FileResources.param, readsAllResourcesWhenNonePicked: true)

    /// What a folder's JSON Lines files end with.
    static let extensions = [".jsonl", ".ndjson"]

    private let path: String
    /// The folder or pattern this instance was opened on without a resource: it checks, never reads.
    private let unread: FileSet?
    private let reader: FileChunkReader
    private var buffer: [UInt8] = []
    /// File offset of `buffer[0]`, and how far into `buffer` lines were consumed.
    private var bufferStart: Int
    private var position = 0
    private var atEOF = false
    private var line: Int
    private var records: Int
    private var done = false
    private let context: SourceContext

    public init(source: SourceInput, context: SourceContext) async throws {
        let (path, unread) = try FileResources.file(source, extensions: Self.extensions)
        self.unread = unread
        let saved = source.state?["jsonl"]?.objectValue
        let offset = saved?["offset"]?.intValue ?? 0
        line = saved?["line"]?.intValue ?? 0
        records = saved?["records"]?.intValue ?? 0
        self.path = path
        self.context = context
        reader = try FileChunkReader(path: path, offset: offset)
        bufferStart = offset
        if offset > 0 { context.log("resuming '\(path)' at byte \(offset) after line \(line)") }
        context.log("reading '\(path)' (\(reader.size) bytes)")
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        try await readEncoded(n)?.decoded(reportingTo: context)
    }

    /// Up to `n` lines as they are (a line the SDK would write differently is parsed and
    /// written again); blank lines are skipped. The batch carries the offset after its last line.
    public func readEncoded(_ n: Int) async throws -> EncodedRecords? {
        if let unread { throw FileResources.unread(unread) }
        guard !done else { return nil }
        // Work on copies so a failed read leaves the position where it was.
        var batch = EncodedRecords(reservingCapacity: 256 * max(1, n))
        var lineNo = line
        var pos = position
        while batch.count < max(1, n) {
            let lf =
                buffer.withUnsafeBufferPointer { b -> Int? in
                    guard pos < b.count else { return nil }
                    guard let p = memchr(b.baseAddress! + pos, 0x0A, b.count - pos) else { return nil }
                    return b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
                } ?? (atEOF && pos < buffer.count ? buffer.count : nil)
            guard let lf else {
                if atEOF { break }
                pos -= compact()
                if try !reader.readChunk(into: &buffer) { atEOF = true }
                continue
            }
            lineNo += 1
            var end = lf
            if end > pos, buffer[end - 1] == 0x0D { end -= 1 }
            let (start, stop) = (pos, end)
            pos = min(lf + 1, buffer.count)
            let ok = buffer.withUnsafeBufferPointer { b -> Bool? in
                let bytes = UnsafeBufferPointer(rebasing: b[start..<stop])
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
                return batch.append(json: bytes)
            }
            // An invalid line: parse it for the error that says where.
            if ok == false { _ = try Self.parse(Array(buffer[start..<stop]), line: lineNo, path: path) }
        }
        position = pos
        line = lineNo
        if batch.isEmpty {
            done = true
            reader.close()
            context.progress(reader.size, reader.size, "\(records) records, \(line) lines (done)")
            return nil
        }
        records += batch.count
        let offset = bufferStart + position
        batch.state = (
            "jsonl-\(line)", ["jsonl": ["offset": .number(JSONNumber(offset)), "line": .number(JSONNumber(line)), "records": .number(JSONNumber(records))]]
        )
        batch.progress = (offset, reader.size, "\(records) records, \(offset)/\(reader.size) bytes")
        return batch
    }

    public func close() async { reader.close() }

    static func parse(_ bytes: [UInt8], line: Int, path: String) throws -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch let e as JSONError {
            throw PanoplyError(.config, "'\(path)' line \(line): invalid JSON: \(e.message) (at column \(e.offset + 1))", code: 422)
        }
        guard case .object(let o) = value else {
            throw PanoplyError(.config, "'\(path)' line \(line): expected a JSON object, got \(Self.kind(value))", code: 422)
        }
        return o
    }

    /// Drops the bytes delivered by earlier reads; returns how many. Bytes of the current
    /// read stay, so a read that fails can be retried from its start.
    private func compact() -> Int {
        let drop = position
        guard drop > 0 else { return 0 }
        buffer.removeFirst(drop)
        bufferStart += drop
        position = 0
        return drop
    }

    private static func kind(_ v: JSONValue) -> String {
        switch v {
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .object: "an object"
        }
    }
}
