/// Writes JSON values as compact UTF-8 straight into a byte buffer.
///
/// This is the hot path of `write()`: no intermediate strings, no Foundation. Objects are
/// walked through their storage (no iterator copies, no per-element retain/release) and
/// strings are scanned for bytes to escape, with whole runs appended at once.
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
        case .null: appendLiteral("null", into: &out)
        case .bool(let b): appendLiteral(b ? "true" : "false", into: &out)
        case .number(let n): try writeNumber(n, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            try a.withUnsafeBufferPointer { vs in
                for i in vs.indices {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    try write(vs[i], into: &out)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): try writeObject(o, into: &out)
        }
    }

    @inline(__always)
    private static func appendLiteral(_ s: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    private static func writeNumber(_ n: JSONNumber, into out: inout [UInt8]) throws {
        guard n.isFinite else {
            throw JSONError(message: "\(n.text) is not a finite number and has no JSON form", offset: out.count)
        }
        appendUTF8(n.text, into: &out)
    }

    /// Appends the UTF-8 of `s` without copying it first when its storage is contiguous.
    @inline(__always)
    static func appendUTF8(_ s: String, into out: inout [UInt8]) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { out.append(contentsOf: $0) }
        if done == nil { out.append(contentsOf: s.utf8) }
    }

    static func writeObject(_ o: JSONObject, into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        try o.keys.withUnsafeBufferPointer { ks in
            try o.values.withUnsafeBufferPointer { vs in
                for i in ks.indices {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    writeString(ks[i], into: &out)
                    out.append(UInt8(ascii: ":"))
                    try write(vs[i], into: &out)
                }
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Writes `record` with `"__table": table`, replacing an existing `__table` in place
    /// (as the original SDK did) or appending it at the end.
    ///
    /// Records up to 4 KiB are written into a stack buffer through a pointer (no
    /// per-byte capacity and uniqueness checks) and appended to `out` at once; bigger
    /// records, and records with an error, take the array path below.
    static func writeRecord(_ record: JSONObject, table: String, into out: inout [UInt8]) throws {
        let done = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buf -> Bool in
            var w = ByteWriter(base: buf.baseAddress!, capacity: buf.count)
            do { try w.record(record, table: table) } catch { return false }
            out.append(contentsOf: UnsafeBufferPointer(start: buf.baseAddress, count: w.count))
            return true
        }
        if !done { try writeRecordSlow(record, table: table, into: &out) }
    }

    static func writeRecordSlow(_ record: JSONObject, table: String, into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        var wroteTable = false
        try record.keys.withUnsafeBufferPointer { ks in
            try record.values.withUnsafeBufferPointer { vs in
                for i in ks.indices {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    writeString(ks[i], into: &out)
                    out.append(UInt8(ascii: ":"))
                    if ks[i].utf8.count == 7, ks[i] == "__table" {
                        writeString(table, into: &out)
                        wroteTable = true
                    } else {
                        try write(vs[i], into: &out)
                    }
                }
            }
        }
        if !wroteTable {
            if !record.isEmpty { out.append(UInt8(ascii: ",")) }
            appendLiteral(#""__table":"#, into: &out)
            writeString(table, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Appends `s` as a quoted JSON string; only `"`, `\` and control characters are escaped.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { writeStringBytes($0, into: &out) }
        if done == nil {
            var s = s
            s.withUTF8 { writeStringBytes($0, into: &out) }
        }
    }

    /// For each byte: 0 when it is copied as is, else the byte after the backslash
    /// (`u` for the `\u00XX` form).
    static let escapeTable: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for c in 0..<0x20 { t[c] = UInt8(ascii: "u") }
        t[0x08] = UInt8(ascii: "b"); t[0x09] = UInt8(ascii: "t"); t[0x0A] = UInt8(ascii: "n")
        t[0x0C] = UInt8(ascii: "f"); t[0x0D] = UInt8(ascii: "r")
        t[Int(UInt8(ascii: "\""))] = UInt8(ascii: "\"")
        t[Int(UInt8(ascii: "\\"))] = UInt8(ascii: "\\")
        return t
    }()

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Bytes `buf` takes as the inside of a JSON string (without the quotes).
    static func escapedCount(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
        extraTable.withUnsafeBufferPointer { t in
            var n = buf.count
            for c in buf { n &+= Int(t[Int(c)]) }  // no branches: quotes are frequent in NDJSON
            return n
        }
    }

    /// Bytes each byte adds when escaped: 0, 1 (`\n`, `\"`...) or 5 (`\u00XX`).
    static let extraTable: [UInt8] = escapeTable.map { $0 == 0 ? 0 : $0 == UInt8(ascii: "u") ? 5 : 1 }

    /// A flag (0x80) in each byte of `x` (8 bytes, first byte lowest) that must be escaped:
    /// `"`, `\` or below 0x20. The lowest flag is exact; flags above it may be spurious
    /// (borrows), so callers only use the lowest.
    @inline(__always)
    static func specialMask(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = x ^ (ones &* 0x22)
        let backslash = x ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote & high
        let isBackslash = (backslash &- ones) & ~backslash & high
        let isControl = (x &- ones &* 0x20) & ~x & high
        return isQuote | isBackslash | isControl
    }

    /// The index of the first byte at or after `from` that must be escaped, or `count`.
    @inline(__always)
    static func firstSpecial(_ buf: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int {
        guard let src = buf.baseAddress else { return 0 }
        let n = buf.count
        var i = from
        while i + 8 <= n {
            let m = specialMask(UInt64(littleEndian: UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)))
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            let c = src[i]
            if c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return i }
            i += 1
        }
        return n
    }

    /// Writes the inside of a JSON string for `buf` at `dst`, which must have room for
    /// ``escapedCount(_:)`` bytes. Returns the bytes written.
    ///
    /// Eight bytes at a time: each word is stored whole and the output advanced only up to
    /// its first byte that needs escaping (found with ``specialMask(_:)``), which is then
    /// escaped. A word is only taken while 8 input bytes remain, so its store stays inside
    /// the output that those bytes produce anyway.
    static func writeEscaped(_ buf: UnsafeBufferPointer<UInt8>, to dst: UnsafeMutablePointer<UInt8>) -> Int {
        escapeTable.withUnsafeBufferPointer { t in
            hexDigits.withUnsafeBufferPointer { hex in
                guard let src = buf.baseAddress else { return 0 }
                let n = buf.count
                var o = 0
                var i = 0
                while i < n {
                    let c: UInt8
                    if i + 8 <= n {
                        let word = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                        UnsafeMutableRawPointer(dst + o).storeBytes(of: word, as: UInt64.self)
                        let m = specialMask(UInt64(littleEndian: word))
                        if m == 0 { i += 8; o += 8; continue }
                        let k = m.trailingZeroBitCount >> 3
                        i += k
                        o += k
                        c = src[i]
                    } else {
                        c = src[i]
                        if t[Int(c)] == 0 {
                            dst[o] = c
                            o += 1
                            i += 1
                            continue
                        }
                    }
                    let e = t[Int(c)]
                    dst[o] = UInt8(ascii: "\\")
                    dst[o + 1] = e
                    o += 2
                    if e == UInt8(ascii: "u") {
                        dst[o] = 0x30; dst[o + 1] = 0x30
                        dst[o + 2] = hex[Int(c >> 4)]; dst[o + 3] = hex[Int(c & 0xF)]
                        o += 4
                    }
                    i += 1
                }
                return o
            }
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

/// Writes JSON into fixed memory through a pointer; throws ``Full`` when it runs out
/// (the caller then starts over on the array path, so output and errors stay the same).
struct ByteWriter {
    struct Full: Error {}

    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0

    @inline(__always)
    mutating func byte(_ b: UInt8) throws {
        guard count < capacity else { throw Full() }
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafeBufferPointer<UInt8>) throws {
        guard p.count <= capacity - count else { throw Full() }
        if let src = p.baseAddress { (base + count).update(from: src, count: p.count) }
        count += p.count
    }

    @inline(__always)
    mutating func literal(_ s: StaticString) throws {
        try bytes(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func utf8(_ s: String) throws {
        if let r: Void = try s.utf8.withContiguousStorageIfAvailable({ try bytes($0) }) { return r }
        var s = s
        try s.withUTF8 { try bytes($0) }
    }

    @inline(__always)
    mutating func string(_ s: String) throws {
        if let r: Void = try s.utf8.withContiguousStorageIfAvailable({ try stringBytes($0) }) { return r }
        var s = s
        try s.withUTF8 { try stringBytes($0) }
    }

    mutating func stringBytes(_ buf: UnsafeBufferPointer<UInt8>) throws {
        let n = buf.count
        let i = JSONWriter.firstSpecial(buf)
        if i == n {
            guard n + 2 <= capacity - count else { throw Full() }
            base[count] = UInt8(ascii: "\"")
            if let src = buf.baseAddress { (base + count + 1).update(from: src, count: n) }
            base[count + n + 1] = UInt8(ascii: "\"")
            count += n + 2
            return
        }
        let escaped = JSONWriter.escapedCount(buf)
        guard escaped + 2 <= capacity - count else { throw Full() }
        base[count] = UInt8(ascii: "\"")
        count += 1
        count += JSONWriter.writeEscaped(buf, to: base + count)
        base[count] = UInt8(ascii: "\"")
        count += 1
    }

    mutating func value(_ v: JSONValue) throws {
        switch v {
        case .null: try literal("null")
        case .bool(let b): try literal(b ? "true" : "false")
        case .number(let n):
            // Every valid literal ends in a digit; NaN and infinities (``JSONNumber/isFinite``)
            // do not: the array path reports them.
            try utf8(n.text)
            guard count > 0, base[count - 1] &- 0x30 < 10 else { throw Full() }
        case .string(let s): try string(s)
        case .array(let a):
            try byte(UInt8(ascii: "["))
            try a.withUnsafeBufferPointer { vs in
                for i in vs.indices {
                    if i > 0 { try byte(UInt8(ascii: ",")) }
                    try value(vs[i])
                }
            }
            try byte(UInt8(ascii: "]"))
        case .object(let o): try object(o)
        }
    }

    mutating func object(_ o: JSONObject) throws {
        try byte(UInt8(ascii: "{"))
        try o.keys.withUnsafeBufferPointer { ks in
            try o.values.withUnsafeBufferPointer { vs in
                for i in ks.indices {
                    if i > 0 { try byte(UInt8(ascii: ",")) }
                    try string(ks[i])
                    try byte(UInt8(ascii: ":"))
                    try value(vs[i])
                }
            }
        }
        try byte(UInt8(ascii: "}"))
    }

    mutating func record(_ record: JSONObject, table: String) throws {
        try byte(UInt8(ascii: "{"))
        var wroteTable = false
        try record.keys.withUnsafeBufferPointer { ks in
            try record.values.withUnsafeBufferPointer { vs in
                for i in ks.indices {
                    if i > 0 { try byte(UInt8(ascii: ",")) }
                    try string(ks[i])
                    try byte(UInt8(ascii: ":"))
                    if ks[i].utf8.count == 7, ks[i] == "__table" {
                        try string(table)
                        wroteTable = true
                    } else {
                        try value(vs[i])
                    }
                }
            }
        }
        if !wroteTable {
            if !record.isEmpty { try byte(UInt8(ascii: ",")) }
            try literal(#""__table":"#)
            try string(table)
        }
        try byte(UInt8(ascii: "}"))
    }
}
