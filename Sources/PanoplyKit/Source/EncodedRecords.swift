import Synchronization

/// A batch of records already encoded as JSON objects, one after another in one buffer:
/// what a fast source (``EncodedRecordSource``) hands the runner instead of a
/// `JSONObject` per record.
///
/// Each record is checked as it is appended. A compact object that the SDK's writer would
/// write byte for byte the same (see ``NDJSONFastPath``) is later copied into the message
/// with `__state`, `__resource` and `__table` spliced in before its closing brace; any other
/// valid object is parsed and written again on the way out, which gives the same bytes.
/// So numbers, big integers and timestamps keep their exact text, and characters SQS
/// rejects (U+FFFE, U+FFFF) are escaped either way.
///
/// The batch also carries the state and progress its records reach: the runner reports
/// them when it takes the batch, not when the source read it, so a source may read the next
/// batch while the runner still writes this one without a commit covering unwritten records.
public struct EncodedRecords: Sendable {
    /// Where one record lies in ``bytes``; `close` is its final `}` when it can be spliced,
    /// -1 when it is written through the parser.
    struct Entry: Sendable {
        var start: Int
        var end: Int
        var close: Int
        var isEmpty: Bool
    }

    /// The records' JSON text, one after another.
    public internal(set) var bytes: [UInt8] = []
    var entries: [Entry] = []
    /// The state these records reach: `(id, value)` as for ``SourceContext/state(_:_:)``.
    public var state: (id: String, value: JSONObject)?
    /// The progress after these records, as for ``SourceContext/progress(_:_:_:)``.
    public var progress: (loaded: Int?, total: Int?, message: String)?
    /// Whether ``progress``'s total is an estimate (``SourceContext/progress(_:_:_:estimated:)``).
    public var progressIsEstimate = false

    /// An empty batch with room for `bytes` bytes of JSON: in the buffers of a batch the
    /// runner is done with (``recycle()``) when one is spare.
    public init(reservingCapacity bytes: Int = 0) {
        if bytes >= Self.recycledMinimum, let spare = Self.spares.withLock({ $0.popLast() }) {
            (self.bytes, self.entries) = spare
        }
        self.bytes.reserveCapacity(bytes)
    }

    /// Hands this batch's buffers back for the next batch to fill; the batch is empty after.
    ///
    /// A batch's buffer is as big as the batch (~200 KiB for 1,000 rows), so glibc maps it
    /// fresh for each batch and unmaps it when freed: a TLB flush on every core and a page
    /// fault per 4 KiB, about 14% of a SQLite run's CPU. The runner recycles each batch it
    /// has written; a few buffers are kept, the rest freed.
    public mutating func recycle() {
        var b: [UInt8] = [], e: [Entry] = []
        swap(&b, &bytes)
        swap(&e, &entries)
        state = nil
        progress = nil
        progressIsEstimate = false
        guard b.capacity >= Self.recycledMinimum else { return }
        b.removeAll(keepingCapacity: true)  // in place when nothing else holds it
        e.removeAll(keepingCapacity: true)
        Self.spares.withLock { spares in
            if spares.count < Self.maxSpares { spares.append((b, e)) }
        }
    }

    private static let spares = Mutex<[([UInt8], [Entry])]>([])
    static let maxSpares = 4
    /// Smaller buffers come from malloc's heap cheaply: not worth keeping.
    static let recycledMinimum = 64 << 10

    /// The number of records.
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Appends one JSON object's text (no newline), e.g. a JSON Lines line or a database's
    /// `row_to_json`.
    /// - Returns: false, appending nothing, when the text is not a valid JSON object; the
    ///   caller reports that with its own position (line number, row key).
    @discardableResult
    public mutating func append(json: UnsafeBufferPointer<UInt8>) -> Bool {
        if let splice = NDJSONFastPath.check(json) {
            let start = bytes.count
            bytes.append(contentsOf: json)
            appendEntry(from: start, splice)
            return true
        }
        guard case .object(let o)? = try? JSONParser.parse(Array(json)) else { return false }
        appendParsed(o)
        return true
    }

    /// Appends one JSON object's text (no newline); see ``append(json:)-(UnsafeBufferPointer<UInt8>)``.
    @discardableResult
    public mutating func append(json: ArraySlice<UInt8>) -> Bool {
        json.withUnsafeBufferPointer { append(json: $0) }
    }

    /// Appends a record whose JSON object `encode` writes to the end of the buffer (with
    /// ``JSONWriter``'s functions, e.g. ``JSONWriter/writeString(_:into:)``). The bytes are
    /// checked like ``append(json:)-(UnsafeBufferPointer<UInt8>)``.
    /// - Returns: false, appending nothing, when `encode` wrote no valid JSON object.
    @discardableResult
    public mutating func append(encoding encode: (inout [UInt8]) -> Void) -> Bool {
        let start = bytes.count
        encode(&bytes)
        return checkAppended(from: start)
    }

    /// Appends a record that `encode` writes to the end of the buffer, as
    /// ``append(encoding:)``, but skips the check when `encode` returns true: it vouches that
    /// it wrote one object in ``JSONWriter``'s own form, i.e. only with ``JSONWriter``'s
    /// functions (strings, keys) and literals `null`, `true`, `false` and numbers whose text
    /// ``JSONNumber/literalLength(_:)`` takes whole, from valid UTF-8, with unique keys and
    /// no top-level `__table`, `__state` or `__resource` key. Parsing and writing such a
    /// record again gives the same bytes, so it is spliced as it is. When `encode` returns
    /// false its bytes are checked.
    /// - Returns: false, appending nothing, when unvouched bytes are no valid JSON object.
    @discardableResult
    public mutating func append(vouching encode: (inout [UInt8]) -> Bool) -> Bool {
        let start = bytes.count
        guard encode(&bytes) else { return checkAppended(from: start) }
        entries.append(Entry(start: start, end: bytes.count, close: bytes.count - 1, isEmpty: bytes.count - start == 2))
        return true
    }

    /// Keys the runner or the SDK sets: an encoder with a column of such a name cannot vouch.
    public static let reservedKeys: Set<String> = ["__table", "__state", "__resource"]

    /// Whether every byte is below 0x80 (so valid UTF-8, and no U+FFFE or U+FFFF): text an
    /// encoder may vouch for once ``JSONWriter`` escaped it.
    @inline(__always)
    public static func isASCII(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var acc: UInt64 = 0
        var i = 0
        while i + 8 <= p.count {
            acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < p.count {
            acc |= UInt64(base[i])
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// Checks the record written from `start` to the end: kept (spliced or parsed), or removed.
    private mutating func checkAppended(from start: Int) -> Bool {
        let splice = bytes.withUnsafeBufferPointer { NDJSONFastPath.check(UnsafeBufferPointer(rebasing: $0[start...])) }
        if let splice {
            appendEntry(from: start, splice)
            return true
        }
        let parsed = try? JSONParser.parse(Array(bytes[start...]))
        bytes.removeSubrange(start...)
        guard case .object(let o)? = parsed else { return false }
        appendParsed(o)
        return true
    }

    /// Appends a record given as an object.
    /// - Throws: ``JSONError`` for a non-finite number.
    public mutating func append(_ record: JSONObject) throws {
        let start = bytes.count
        do { try JSONWriter.write(.object(record), into: &bytes) } catch {
            bytes.removeSubrange(start...)
            throw error
        }
        entries.append(Entry(start: start, end: bytes.count, close: -1, isEmpty: record.isEmpty))
    }

    /// The record from `start` to the end of ``bytes``, checked: spliced at its closing brace
    /// unless it holds a runner key of its own.
    private mutating func appendEntry(from start: Int, _ splice: NDJSONFastPath.Splice) {
        entries.append(Entry(start: start, end: bytes.count, close: splice.hasRunnerKey ? -1 : start + splice.closeBrace, isEmpty: splice.isEmpty))
    }

    /// A valid object whose text cannot be spliced: kept in the writer's form, written
    /// through the parser.
    private mutating func appendParsed(_ o: JSONObject) {
        let start = bytes.count
        if (try? JSONWriter.write(.object(o), into: &bytes)) == nil {
            bytes.removeSubrange(start...)
            return
        }
        entries.append(Entry(start: start, end: bytes.count, close: -1, isEmpty: o.isEmpty))
    }

    /// Appends the records of `other` after these (not its state and progress): for a
    /// source that reads parts of a batch in parallel.
    public mutating func append(contentsOf other: EncodedRecords) {
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        entries.reserveCapacity(entries.count + other.entries.count)
        for e in other.entries {
            entries.append(Entry(start: e.start + base, end: e.end + base, close: e.close < 0 ? -1 : e.close + base, isEmpty: e.isEmpty))
        }
    }

    /// The JSON text of record `i`.
    public subscript(i: Int) -> ArraySlice<UInt8> { bytes[entries[i].start..<entries[i].end] }

    /// The records as objects (for callers of ``DataSource/read(_:)``).
    /// - Throws: ``JSONError`` only when a record's bytes were corrupted after appending.
    public func objects() throws -> [JSONObject] {
        try (0..<count).map { i in
            guard case .object(let o) = try JSONParser.parse(Array(self[i])) else { throw JSONError(message: "not an object", offset: 0) }
            return o
        }
    }

    /// Reports the batch's state and progress to `context`, as the source would have.
    public func report(to context: SourceContext) {
        if let state { context.state(state.id, state.value) }
        if let progress { context.progress(progress.loaded, progress.total, progress.message, estimated: progressIsEstimate) }
    }

    /// The batch as objects, its state and progress reported to `context`: a fast source's
    /// `read(_:)` in one line.
    public func decoded(reportingTo context: SourceContext) throws -> [JSONObject] {
        report(to: context)
        return try objects()
    }
}

/// A source that reads its records as JSON text (``EncodedRecords``), which the runner
/// splices into messages without building a `JSONObject` per record. The runner reads one
/// batch ahead of the one it writes, so reading and writing share the two cores; a batch's
/// state and progress go in the batch (not through the context), reported when the runner
/// takes it.
///
/// `read(_:)` must still work (`try await readEncoded(n)?.decoded(reportingTo: context)`).
/// A failed `readEncoded` must leave the source where it was, so a retry reads the same
/// records again.
public protocol EncodedRecordSource: DataSource {
    /// Reads up to about `n` records; `nil` at the end of data.
    func readEncoded(_ n: Int) async throws -> EncodedRecords?
}
