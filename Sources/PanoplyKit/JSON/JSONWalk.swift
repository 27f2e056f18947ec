/// Where ``JSONWalk`` writes: a growing array (``ArraySink``) or fixed memory (``ByteWriter``).
protocol JSONSink {
    mutating func byte(_ b: UInt8) throws
    mutating func bytes(_ p: UnsafeBufferPointer<UInt8>) throws
    /// A quoted, escaped JSON string of these UTF-8 bytes.
    mutating func stringBytes(_ buf: UnsafeBufferPointer<UInt8>) throws
    /// A number's text. - Throws: for a non-finite number.
    mutating func number(_ n: JSONNumber) throws
}

extension JSONSink {
    @inline(__always)
    mutating func literal(_ s: StaticString) throws {
        try bytes(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func string(_ s: String) throws {
        if let r: Void = try s.utf8.withContiguousStorageIfAvailable({ try stringBytes($0) }) { return r }
        var s = s
        try s.withUTF8 { try stringBytes($0) }
    }
}

/// The one walk over a value that writes its JSON, generic over where it goes (each
/// sink gets its own specialized copy).
enum JSONWalk {
    static func value<S: JSONSink>(_ v: JSONValue, into s: inout S) throws {
        switch v {
        case .null: try s.literal("null")
        case .bool(let b): try s.literal(b ? "true" : "false")
        case .number(let n): try s.number(n)
        case .string(let str): try s.string(str)
        case .array(let a):
            try s.byte(UInt8(ascii: "["))
            try a.withUnsafeBufferPointer { vs in
                for i in vs.indices {
                    if i > 0 { try s.byte(UInt8(ascii: ",")) }
                    try value(vs[i], into: &s)
                }
            }
            try s.byte(UInt8(ascii: "]"))
        case .object(let o): try object(o, table: nil, into: &s)
        }
    }

    /// An object; with `table`, as a record: its `__table` replaced in place (as the
    /// original SDK did) or appended at the end.
    static func object<S: JSONSink>(_ o: JSONObject, table: String?, into s: inout S) throws {
        try s.byte(UInt8(ascii: "{"))
        var wroteTable = false
        try o.keys.withUnsafeBufferPointer { ks in
            try o.values.withUnsafeBufferPointer { vs in
                for i in ks.indices {
                    if i > 0 { try s.byte(UInt8(ascii: ",")) }
                    try s.string(ks[i])
                    try s.byte(UInt8(ascii: ":"))
                    if let table, ks[i].utf8.count == 7, ks[i] == "__table" {
                        try s.string(table)
                        wroteTable = true
                    } else {
                        try value(vs[i], into: &s)
                    }
                }
            }
        }
        if let table, !wroteTable {
            if !o.isEmpty { try s.byte(UInt8(ascii: ",")) }
            try s.literal(#""__table":"#)
            try s.string(table)
        }
        try s.byte(UInt8(ascii: "}"))
    }

    @inline(__always)
    static func record<S: JSONSink>(_ record: JSONObject, table: String, into s: inout S) throws {
        try object(record, table: table, into: &s)
    }
}

/// Appends to an array; reports non-finite numbers.
struct ArraySink: JSONSink {
    var out: [UInt8]

    /// Runs `body` on a sink that appends to `out` (moved in and back, not copied).
    @inline(__always)
    static func with(_ out: inout [UInt8], _ body: (inout ArraySink) throws -> Void) rethrows {
        var sink = ArraySink(out: [])
        swap(&sink.out, &out)
        defer { swap(&sink.out, &out) }
        try body(&sink)
    }

    @inline(__always) mutating func byte(_ b: UInt8) { out.append(b) }
    @inline(__always) mutating func bytes(_ p: UnsafeBufferPointer<UInt8>) { out.append(contentsOf: p) }
    @inline(__always) mutating func stringBytes(_ buf: UnsafeBufferPointer<UInt8>) { JSONWriter.writeStringBytes(buf, into: &out) }

    @inline(__always)
    mutating func number(_ n: JSONNumber) throws {
        guard n.isFinite else {
            throw JSONError(message: "\(n.text) is not a finite number and has no JSON form", offset: out.count)
        }
        JSONWriter.appendUTF8(n.text, into: &out)
    }
}
