/// Writes JSON values as compact UTF-8 straight into a byte buffer.
///
/// This is the hot path of `write()`: no intermediate strings, no Foundation. Objects are
/// walked through their storage (no iterator copies, no per-element retain/release) and
/// strings are scanned for bytes to escape, with whole runs appended at once.
///
/// One walk (``JSONWalk``) writes every value, into a growing array or, for records up to
/// 4 KiB, into a stack buffer through a pointer (``ByteWriter``).
///
/// Besides `"`, `\` and control characters, U+FFFE and U+FFFF are written as `\ufffe`
/// and `\uffff`: SQS rejects a message holding them (they are outside its allowed
/// characters, #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF; surrogates cannot
/// occur in a Swift string), so a record with one arrives whole instead of blocking its
/// message forever.
public enum JSONWriter {
    /// Compact JSON text of `value`.
    public static func string(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        try? write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact JSON form of `value` to `out`.
    /// - Throws: ``JSONError`` for non-finite numbers.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) throws {
        try ArraySink.with(&out) { try JSONWalk.value(value, into: &$0) }
    }

    /// Appends the UTF-8 of `s` without copying it first when its storage is contiguous.
    @inline(__always)
    static func appendUTF8(_ s: String, into out: inout [UInt8]) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { out.append(contentsOf: $0) }
        if done == nil { out.append(contentsOf: s.utf8) }
    }

    /// Writes `record` with `"__table": table`, replacing an existing `__table` in place
    /// (as the original SDK did) or appending it at the end.
    ///
    /// Records up to 1 KiB are written into a stack buffer through a pointer (no
    /// per-byte capacity and uniqueness checks) and appended to `out` at once; up to 4 KiB
    /// into a heap buffer the same way (a temporary allocation over 1 KiB is a malloc on
    /// Linux); bigger records, and records with an error, are written again into the array.
    static func writeRecord(_ record: JSONObject, table: String, into out: inout [UInt8]) throws {
        if withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024, { write(record, table, $0, into: &out) }) { return }
        if withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096, { write(record, table, $0, into: &out) }) { return }
        try ArraySink.with(&out) { try JSONWalk.record(record, table: table, into: &$0) }
    }

    @inline(__always)
    private static func write(_ record: JSONObject, _ table: String, _ buf: UnsafeMutableBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var w = ByteWriter(base: buf.baseAddress!, capacity: buf.count)
        do { try JSONWalk.record(record, table: table, into: &w) } catch { return false }
        out.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress, count: w.count))
        return true
    }

    /// Appends `s` as a quoted JSON string (see the type's note on what is escaped).
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { writeStringBytes($0, into: &out) }
        if done == nil {
            var s = s
            s.withUTF8 { writeStringBytes($0, into: &out) }
        }
    }

    /// Appends UTF-8 bytes as a quoted JSON string.
    public static func writeStringBytes(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        // Most strings need no escaping: find the first byte that does.
        let i = firstSpecial(buf)
        let n = buf.count
        out.append(UInt8(ascii: "\""))
        if i == n {
            out.append(contentsOf: buf)
        } else {
            let rest = UnsafeBufferPointer(rebasing: buf[i...])
            let extra = escapedCount(rest)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[..<i]))
            let old = out.count
            out.append(contentsOf: repeatElement(0, count: extra))
            out.withUnsafeMutableBufferPointer { p in
                _ = writeEscaped(rest, to: p.baseAddress! + old)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
