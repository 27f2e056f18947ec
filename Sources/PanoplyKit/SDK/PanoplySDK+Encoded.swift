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
