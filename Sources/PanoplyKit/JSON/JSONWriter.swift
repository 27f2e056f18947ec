/// Writes JSON values as compact UTF-8 straight into a byte buffer.
///
/// This is the hot path of `write()`: no intermediate strings, no Foundation.
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
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            guard n.isFinite else {
                throw JSONError(message: "\(n.text) is not a finite number and has no JSON form", offset: out.count)
            }
            out.append(contentsOf: n.text.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): try writeObject(o, into: &out)
        }
    }

    static func writeObject(_ o: JSONObject, into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        var first = true
        for (k, v) in o {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(k, into: &out)
            out.append(UInt8(ascii: ":"))
            try write(v, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Writes `record` with `"__table": table`, replacing an existing `__table` in place
    /// (as the original SDK did) or appending it at the end.
    static func writeRecord(_ record: JSONObject, table: String, into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        var first = true
        var wroteTable = false
        for (k, v) in record {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(k, into: &out)
            out.append(UInt8(ascii: ":"))
            if k == "__table" {
                writeString(table, into: &out)
                wroteTable = true
            } else {
                try write(v, into: &out)
            }
        }
        if !wroteTable {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #""__table":"#.utf8)
            writeString(table, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a quoted JSON string; only `"`, `\` and control characters are escaped.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeStringBytes($0, into: &out) }
    }

    /// Appends UTF-8 bytes as a quoted JSON string.
    public static func writeStringBytes(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        do {
            var start = 0
            for i in 0..<buf.count {
                let c = buf[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i])) }
                start = i + 1
                out.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                }
            }
            if start < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
