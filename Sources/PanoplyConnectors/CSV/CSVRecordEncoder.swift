import PanoplyKit

/// Turns a CSV file's rows into records: named by ``CSVColumns``, typed by
/// ``CSVValueInference`` when asked, written straight from the row's bytes as JSON (each
/// column's `"name":` encoded once per file), or built as an object for the rare row
/// whose bytes are not valid UTF-8 (the object repairs them as `String(decoding:)` does).
struct CSVRecordEncoder {
    private(set) var columns: CSVColumns
    let inferTypes: Bool
    /// `"name":` of each column, as JSON (every column seen so far).
    private var keys: RecordKeys

    init(columns: CSVColumns, inferTypes: Bool) {
        self.columns = columns
        self.inferTypes = inferTypes
        keys = RecordKeys(columns.names)
    }

    /// Appends the record of a row's fields (spans of `b`) to `batch`, cell by cell
    /// through a ``RecordWriter``. It is spliced as written (no check) when no column is a key
    /// the runner or the SDK sets and every cell is ASCII.
    mutating func append(_ b: UnsafeBufferPointer<UInt8>, _ fields: CSVFields, to batch: inout EncodedRecords) {
        if keys.count < max(fields.count, columns.count) {
            // A row longer than any before: its extra fields get names.
            if fields.count > columns.count { _ = columns.name(fields.count - 1) }
            keys = RecordKeys(columns.names)
        }
        let infer = inferTypes, width = keys.count
        let written = batch.append(keys: keys) { w in
            fields.forEach(in: b) { i, text in
                w.key(i)
                CSVValueInference.write(text, infer: infer, into: &w)
            }
            // A short row's missing fields are null.
            for i in fields.count..<max(fields.count, width) {
                w.key(i)
                w.null()
            }
        }
        // Only a row with invalid UTF-8 gets here: the writer copies a field's bytes as they
        // are.
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
}
