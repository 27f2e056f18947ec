import Foundation

extension PanoplySDK {
    /// Writes record `i` of `batch` for `table` with the runner's keys: `__state` and
    /// `__resource` (when given), then `__table`, waiting while the buffer is full. A record
    /// the batch marked as spliceable is copied with the keys spliced in before its closing
    /// brace; any other is parsed and written as ``write(_:_:)`` would, which gives the
    /// same bytes, and keeps the record's own `__state` or `__resource`.
    /// - Throws: as ``writeWithBackpressure(_:_:)``.
    func writeWithBackpressure(_ table: String, _ batch: EncodedRecords, at i: Int, state: String?, resource: String?) async throws -> UInt64 {
        let entry = batch.entries[i]
        guard entry.close >= 0 else {
            guard case .object(var record) = try JSONParser.parse(Array(batch[i])) else {
                throw PanoplyError(.config, "expected a JSON object", code: 422, retryable: false)
            }
            if record["__state"] == nil, let state { record["__state"] = .string(state) }
            if let resource, record[SourceResource.recordKey] == nil { record[SourceResource.recordKey] = .string(resource) }
            return try await writeWithBackpressure(table, record)
        }
        let encode = { (out: inout [UInt8]) in
            batch.bytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[entry.start..<entry.close])) }
            var first = entry.isEmpty
            if let state { Self.appendKey(Self.stateKey, first: &first, into: &out); JSONWriter.writeString(state, into: &out) }
            if let resource { Self.appendKey(Self.resourceKey, first: &first, into: &out); JSONWriter.writeString(resource, into: &out) }
            Self.appendKey(Self.encodedTableKey, first: &first, into: &out)
            JSONWriter.writeString(table, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        while true {
            if case .written(let seq) = try appendIfRoom(table: table, encode: encode) { return seq }
            if let stuck = await capacityAnswer() { throw stuck }
        }
    }

    /// The runner's keys for every record of a batch, as JSON text to put before a
    /// record's closing brace: `,"__state":S,"__resource":R,"__table":T}` (the same bytes
    /// ``writeWithBackpressure(_:_:at:state:resource:)`` splices in record by record).
    static func runnerKeys(table: String, state: String?, resource: String?) -> [UInt8] {
        var out: [UInt8] = []
        var first = false
        if let state { appendKey(stateKey, first: &first, into: &out); JSONWriter.writeString(state, into: &out) }
        if let resource { appendKey(resourceKey, first: &first, into: &out); JSONWriter.writeString(resource, into: &out) }
        appendKey(encodedTableKey, first: &first, into: &out)
        JSONWriter.writeString(table, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Writes spliceable records of `batch` from `i` on under one hold of the lock, each
    /// with `keys` (from ``runnerKeys(table:state:resource:)``) spliced in, and stops before
    /// the first record that is not spliceable or cannot be written now (the buffer is full,
    /// or it fails), after a record that sealed a message, or after `limit` records. The
    /// caller writes the record it stopped at with ``writeWithBackpressure(_:_:at:state:resource:)``,
    /// which waits for room, or takes the parser's path, or throws that record's error.
    /// - Returns: the index of the first record not written, and the sequence number of the
    ///   last one written (nil when none was).
    func writeSpliced(_ table: String, _ batch: EncodedRecords, from i: Int, keys: [UInt8], limit: Int = 256) -> (end: Int, last: UInt64?) {
        let t = now()
        let stop = min(batch.count, i + limit)
        let (end, last, r) = state.withLock { s -> (Int, UInt64?, Resumptions?) in
            var j = i
            var last: UInt64?
            while j < stop {
                let entry = batch.entries[j]
                guard entry.close >= 0 else { break }
                let outcome = try? s.machine.write(now: t, table: table) { out in
                    batch.bytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[entry.start..<entry.close])) }
                    keys.withUnsafeBufferPointer { out.append(contentsOf: entry.isEmpty ? UnsafeBufferPointer(rebasing: $0[1...]) : $0) }
                }
                switch outcome {
                case .written(let seq)?: last = seq; j += 1
                case .sealed(let seq, let a)?: return (j + 1, seq, s.take(a))
                case .full?, nil: return (j, last, nil)
                }
            }
            return (j, last, nil)
        }
        if let r { perform(r) }
        return (end, last)
    }

    private static let stateKey: [UInt8] = Array(#""__state":"#.utf8)
    private static let resourceKey: [UInt8] = Array(#""__resource":"#.utf8)
    private static let encodedTableKey: [UInt8] = Array(#""__table":"#.utf8)

    @inline(__always)
    private static func appendKey(_ key: [UInt8], first: inout Bool, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(contentsOf: key)
    }
}
