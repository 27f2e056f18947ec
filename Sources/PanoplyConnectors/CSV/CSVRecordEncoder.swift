import PanoplyKit

/// Turns a CSV file's rows into records: named by ``CSVColumns``, typed by
/// ``CSVValueInference`` when asked, written straight from the row's bytes as JSON (each
/// column's `"name":` encoded once per file), or built as an object for the rare row
/// whose bytes are not valid UTF-8 (the object repairs them as `String(decoding:)` does).
struct CSVRecordEncoder {
    private(set) var columns: CSVColumns
    let inferTypes: Bool
    /// `"name":` of each column, as JSON.
    private var keys: [[UInt8]] = []
    /// `,"name":null` of each column, for a short row's missing fields.
    private var missing: [[UInt8]] = []
    /// Whether a column is named `__table`, `__state` or `__resource` (its records are checked).
    private var hasReservedName = false

    init(columns: CSVColumns, inferTypes: Bool) {
        self.columns = columns
        self.inferTypes = inferTypes
        for i in 0..<columns.count { addKey(columns.names[i]) }
    }

    /// Appends the record of a row's fields (spans of `b`) to `batch`.
    mutating func append(_ b: UnsafeBufferPointer<UInt8>, _ fields: CSVFields, to batch: inout EncodedRecords) {
        while keys.count < max(fields.count, columns.count) { addKey(columns.name(keys.count)) }
        // The record is in the writer's own form (keys and strings by JSONWriter, numbers
        // as JSONNumber takes them, unique names) when no column is a key the runner or the
        // SDK sets and every cell is ASCII: then it needs no check before it is spliced.
        let vouch = !hasReservedName
        let written = batch.append(vouching: { out in
            var ascii = vouch
            out.append(UInt8(ascii: "{"))
            fields.forEach(in: b) { i, text in
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: keys[i])
                if ascii { ascii = EncodedRecords.isASCII(text) }
                CSVValueInference.write(text, infer: inferTypes, into: &out)
            }
            for i in fields.count..<max(fields.count, keys.count) { out.append(contentsOf: missing[i]) }
            out.append(UInt8(ascii: "}"))
            return ascii
        })
        // Only a row with invalid UTF-8 gets here: the writer copies a field's bytes as they
        // are. (`append` throws only for a non-finite number, which CSV text never gives.)
        if !written { try? batch.append(object(fields.strings(in: b))) }
    }

    /// The record of a row's fields as an object.
    mutating func object(_ fields: [String]) -> JSONObject {
        var o = JSONObject()
        for (i, text) in fields.enumerated() {
            o[columns.name(i)] = inferTypes ? CSVValueInference.value(text) : .string(text)
        }
        if fields.count < columns.count {
            for name in columns.names[fields.count...] { o[name] = .null }
        }
        return o
    }

    private mutating func addKey(_ name: String) {
        if EncodedRecords.reservedKeys.contains(name) { hasReservedName = true }
        var key: [UInt8] = []
        JSONWriter.writeString(name, into: &key)
        key.append(UInt8(ascii: ":"))
        keys.append(key)
        missing.append([UInt8(ascii: ",")] + key + CSVValueInference.literalNull)
    }
}
