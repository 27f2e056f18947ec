import Foundation

extension JSONWriter {
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
            return n + 3 * nonCharacters(buf)
        }
    }

    /// How many U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF`) `buf` holds; each takes 6
    /// bytes escaped instead of 3.
    static func nonCharacters(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = buf.baseAddress else { return 0 }
        var count = 0
        var p = UnsafeRawPointer(base)
        let end = UnsafeRawPointer(base + buf.count)
        while p < end, let hit = memchr(p, 0xEF, p.distance(to: end)) {
            let q = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self)
            if isNonCharacter(q, end: end) {
                count += 1
                p = UnsafeRawPointer(q + 3)  // the writer takes all three bytes
            } else {
                p = UnsafeRawPointer(q + 1)
            }
        }
        return count
    }

    /// Whether `p` (on an `EF` byte) starts U+FFFE or U+FFFF.
    @inline(__always)
    static func isNonCharacter(_ p: UnsafePointer<UInt8>, end: UnsafeRawPointer) -> Bool {
        UnsafeRawPointer(p + 2) < end && p[1] == 0xBF && p[2] | 1 == 0xBF
    }

    /// Bytes each byte adds when escaped: 0, 1 (`\n`, `\"`...) or 5 (`\u00XX`).
    static let extraTable: [UInt8] = escapeTable.map { $0 == 0 ? 0 : $0 == UInt8(ascii: "u") ? 5 : 1 }

    /// A flag (0x80) in each byte of `x` (8 bytes, first byte lowest) that must be escaped:
    /// `"`, `\` or below 0x20, or that may start U+FFFE/U+FFFF (`EF`). The lowest flag is
    /// exact; flags above it may be spurious (borrows), so callers only use the lowest.
    @inline(__always)
    static func specialMask(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = x ^ (ones &* 0x22)
        let backslash = x ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote & high
        let isBackslash = (backslash &- ones) & ~backslash & high
        let ef = x ^ (ones &* 0xEF)
        let isEF = (ef &- ones) & ~ef & high
        let isControl = (x &- ones &* 0x20) & ~x & high
        return isQuote | isBackslash | isControl | isEF
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
            if c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c == 0xEF { return i }
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
                        if t[Int(c)] == 0, c != 0xEF {
                            dst[o] = c
                            o += 1
                            i += 1
                            continue
                        }
                    }
                    if c == 0xEF {
                        if isNonCharacter(src + i, end: UnsafeRawPointer(src + n)) {
                            writeNonCharacter(src[i + 2], to: dst + o)
                            o += 6
                            i += 3
                        } else {
                            dst[o] = c
                            o += 1
                            i += 1
                        }
                        continue
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

    /// `\ufffe` or `\uffff`, for the last byte of its UTF-8 (`BE` or `BF`).
    @inline(__always)
    static func writeNonCharacter(_ last: UInt8, to dst: UnsafeMutablePointer<UInt8>) {
        dst[0] = UInt8(ascii: "\\"); dst[1] = UInt8(ascii: "u")
        dst[2] = UInt8(ascii: "f"); dst[3] = UInt8(ascii: "f"); dst[4] = UInt8(ascii: "f")
        dst[5] = last == 0xBE ? UInt8(ascii: "e") : UInt8(ascii: "f")
    }
}
