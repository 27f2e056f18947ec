import Foundation

extension PanoplySDK {
    /// Writes one NDJSON line (one JSON object, without its newline) as a record of
    /// `table`; numbers keep their text exactly as written.
    ///
    /// A line that is already compact JSON (see ``NDJSONFastPath``) is copied with
    /// `,"__table":"T"` spliced in before its closing brace; any other line is parsed and
    /// written again, which gives the same bytes.
    /// - Returns: the record's sequence number.
    /// - Throws: ``PanoplyError`` with code 422 when the line is not a JSON object or cannot
    ///   fit in a message, or as ``write(_:_:)`` (a full buffer, a closing SDK).
    @discardableResult
    public func write(_ table: String, ndjsonLine line: ArraySlice<UInt8>) throws -> UInt64 {
        if let splice = line.withUnsafeBufferPointer({ NDJSONFastPath.check($0) }) {
            return try append(table: table) { out in
                line.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<splice.closeBrace])) }
                out.append(contentsOf: splice.isEmpty ? Self.tableKey.dropFirst() : Self.tableKey[...])
                JSONWriter.writeString(table, into: &out)
                out.append(UInt8(ascii: "}"))
            }
        }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(line)) } catch let e as JSONError {
            throw PanoplyError(.config, "not valid JSON: \(e)", code: 422, retryable: false)
        }
        guard case .object(let record) = value else {
            throw PanoplyError(.config, "expected a JSON object, got \(Self.kind(value))", code: 422, retryable: false)
        }
        return try write(table, record)
    }

    private static let tableKey: [UInt8] = Array(#","__table":"#.utf8)

    private static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
