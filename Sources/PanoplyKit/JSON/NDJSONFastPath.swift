import Foundation

/// The fast path of `panoply send`: checks an NDJSON line without building a tree, and
/// says whether it can be written as it is with `,"__table":"T"` spliced in before its
/// final `}`. That gives byte for byte what parsing and re-encoding would give, so any
/// line whose re-encoding could differ goes to the slow path instead: whitespace outside
/// strings, escapes other than `\" \\ \n \r \t \b \f`, a top-level `__table` key, a
/// duplicate key at any level, a document that is not one object, or anything invalid
/// (the slow path then reports the error), or a character SQS does not accept (U+FFFE,
/// U+FFFF: the writer escapes them). Numbers are copied as written either way.
///
/// It accepts exactly what ``JSONParser`` accepts and ``JSONWriter`` writes unchanged; a
/// change to either grammar must change this scanner too.
enum NDJSONFastPath {
    /// Where the top-level object's closing brace is, and whether the object is empty.
    struct Splice: Equatable {
        var closeBrace: Int
        var isEmpty: Bool
        /// Whether the object has a top-level `__state` or `__resource` key, which the
        /// runner adds only when missing: such a record takes the runner's slow path.
        var hasRunnerKey = false
    }

    /// The splice point when `line` can be written as it is, nil for the slow path.
    static func check(_ line: UnsafeBufferPointer<UInt8>) -> Splice? {
        guard let base = line.baseAddress, line.count >= 2, base[0] == UInt8(ascii: "{") else { return nil }
        // Key positions of the objects being scanned: on the stack for up to 64 keys open
        // at once (a temporary allocation is on the stack only up to 1 KiB; above, it is a
        // malloc per line). A line with more is scanned again with room for 512; one with
        // more than that takes the slow path.
        let small = withUnsafeTemporaryAllocation(of: Int.self, capacity: 128) { scan(base, line.count, $0) }
        guard case .overflowed = small else { return small.splice }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 1024) { scan(base, line.count, $0) }.splice
    }

    enum ScanResult {
        case splice(Splice), slowPath, overflowed
        var splice: Splice? { if case .splice(let s) = self { s } else { nil } }
    }

    @inline(__always)
    private static func scan(_ base: UnsafePointer<UInt8>, _ n: Int, _ buf: UnsafeMutableBufferPointer<Int>) -> ScanResult {
        var keys = KeyStack(base: buf.baseAddress!, capacity: buf.count)
        var s = Scanner(p: base, n: n)
        guard var top = s.object(depth: 1, keys: &keys), s.i == n else { return keys.overflowed ? .overflowed : .slowPath }
        top.hasRunnerKey = s.runnerKey
        return .splice(top)
    }

    /// (start, length) pairs of the keys seen in the open objects.
    struct KeyStack {
        let base: UnsafeMutablePointer<Int>
        let capacity: Int
        var count = 0

        subscript(i: Int) -> Int { base[i] }

        /// A push found no room (the line may still be fine with more).
        var overflowed = false

        mutating func push(_ start: Int, _ length: Int) -> Bool {
            guard count + 2 <= capacity else { overflowed = true; return false }
            base[count] = start
            base[count + 1] = length
            count += 2
            return true
        }
    }

    /// A flag (0x80) in each byte of `x` (8 bytes, first byte lowest) that a string cannot
    /// copy as plain ASCII: `"`, `\`, below 0x20, or 0x80 and above. As in
    /// ``JSONWriter/specialMask(_:)``, only the lowest flag is exact.
    @inline(__always)
    static func notPlainMask(_ x: UInt64) -> UInt64 {
        // The writer's flags (`"`, `\`, controls, `EF`) plus every byte from 0x80 (EF among them).
        JSONWriter.specialMask(x) | (x & 0x8080_8080_8080_8080)
    }

    static let tableKey: [UInt8] = Array("__table".utf8)
    static let stateKey: [UInt8] = Array("__state".utf8)
    static let resourceKey: [UInt8] = Array("__resource".utf8)

    struct Scanner {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i = 0
        /// A top-level `__state` or `__resource` key was seen.
        var runnerKey = false
        /// The last string scanned had a byte from 0x80 (set by ``string()``, reset by its caller).
        var nonASCII = false

        /// Scans an object at `i` (on its `{`); at depth 1 also rejects a `__table` key.
        mutating func object(depth: Int, keys: inout KeyStack) -> Splice? {
            guard depth <= 512 else { return nil }
            i += 1
            guard i < n else { return nil }
            if p[i] == UInt8(ascii: "}") { i += 1; return Splice(closeBrace: i - 1, isEmpty: true) }
            let mark = keys.count
            defer { keys.count = mark }
            // Whether a key of this object has a byte from 0x80 (see the duplicate check).
            var unicodeKeys = false
            while true {
                guard i < n, p[i] == UInt8(ascii: "\"") else { return nil }
                let start = i + 1
                nonASCII = false
                guard string() else { return nil }
                let len = i - 1 - start
                if depth == 1, len >= 7, p[start] == UInt8(ascii: "_"), p[start + 1] == UInt8(ascii: "_") {
                    if len == 7, memcmp(p + start, NDJSONFastPath.tableKey, 7) == 0 { return nil }
                    if len == 7, memcmp(p + start, NDJSONFastPath.stateKey, 7) == 0 { runnerKey = true }
                    if len == 10, memcmp(p + start, NDJSONFastPath.resourceKey, 10) == 0 { runnerKey = true }
                }
                // Duplicate keys would collapse when re-encoded: slow path. Objects are small;
                // large ones go to the slow path rather than cost a quadratic scan.
                guard keys.count - mark < 128 else { return nil }
                // JSONObject compares keys as Strings, where different bytes can be the same
                // key (canonical equivalence: "é" precomposed or as e + U+0301, the Kelvin
                // sign and "K"). Once a key has a byte from 0x80, this object's keys compare
                // as Strings; an escape among them goes to the slow path.
                if nonASCII { unicodeKeys = true }
                var k = mark
                if unicodeKeys {
                    let key = UnsafeBufferPointer(start: p + start, count: len)
                    if key.contains(UInt8(ascii: "\\")) { return nil }
                    let text = String(decoding: key, as: UTF8.self)
                    while k < keys.count {
                        let other = UnsafeBufferPointer(start: p + keys[k], count: keys[k + 1])
                        if other.contains(UInt8(ascii: "\\")) || String(decoding: other, as: UTF8.self) == text { return nil }
                        k += 2
                    }
                }
                while k < keys.count {
                    if keys[k + 1] == len, memcmp(p + keys[k], p + start, len) == 0 { return nil }
                    k += 2
                }
                guard keys.push(start, len) else { return nil }
                guard i < n, p[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard value(depth: depth, keys: &keys) else { return nil }
                guard i < n else { return nil }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                guard p[i] == UInt8(ascii: "}") else { return nil }
                i += 1
                return Splice(closeBrace: i - 1, isEmpty: false)
            }
        }

        mutating func array(depth: Int, keys: inout KeyStack) -> Bool {
            guard depth <= 512 else { return false }
            i += 1
            guard i < n else { return false }
            if p[i] == UInt8(ascii: "]") { i += 1; return true }
            while true {
                guard value(depth: depth, keys: &keys), i < n else { return false }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                guard p[i] == UInt8(ascii: "]") else { return false }
                i += 1
                return true
            }
        }

        mutating func value(depth: Int, keys: inout KeyStack) -> Bool {
            guard i < n else { return false }
            switch p[i] {
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "{"): return object(depth: depth + 1, keys: &keys) != nil
            case UInt8(ascii: "["): return array(depth: depth + 1, keys: &keys)
            case UInt8(ascii: "t"): return literal(0x74, 0x72, 0x75, 0x65, count: 4)
            case UInt8(ascii: "f"): return i + 5 <= n && p[i + 4] == UInt8(ascii: "e") && literal(0x66, 0x61, 0x6C, 0x73, count: 5)
            case UInt8(ascii: "n"): return literal(0x6E, 0x75, 0x6C, 0x6C, count: 4)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return false
            }
        }

        /// The first four bytes of a literal match; `count` bytes are consumed.
        mutating func literal(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, count: Int) -> Bool {
            guard i + count <= n, p[i] == a, p[i + 1] == b, p[i + 2] == c, p[i + 3] == d else { return false }
            i += count
            return true
        }

        mutating func digits() -> Int {
            let s = i
            while i < n, p[i] &- 0x30 < 10 { i += 1 }
            return i - s
        }

        /// The JSON number grammar, exactly as JSONParser accepts it.
        mutating func number() -> Bool {
            if p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n else { return false }
            if p[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return false }
            if i < n, p[i] == UInt8(ascii: ".") {
                i += 1
                if digits() == 0 { return false }
            }
            if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
                i += 1
                if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
                if digits() == 0 { return false }
            }
            return true
        }

        /// A string at `i` (on its opening quote) that the writer would re-encode identically;
        /// leaves `i` after the closing quote.
        mutating func string() -> Bool {
            i += 1
            while i < n {
                // Eight plain ASCII bytes at a time; stop on the first that is not.
                if i + 8 <= n {
                    let m = NDJSONFastPath.notPlainMask(UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)))
                    if m == 0 { i += 8; continue }
                    i += m.trailingZeroBitCount >> 3
                }
                let c = p[i]
                if c == UInt8(ascii: "\"") { i += 1; return true }
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < n else { return false }
                    switch p[i + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"),
                        UInt8(ascii: "t"), UInt8(ascii: "b"), UInt8(ascii: "f"):
                        i += 2
                        continue
                    default: return false
                    }
                }
                if c < 0x20 { return false }
                if c < 0x80 { i += 1; continue }
                nonASCII = true
                guard utf8Sequence() else { return false }
            }
            return false
        }

        /// One well-formed multi-byte UTF-8 sequence at `i` (as `String(validating:)` accepts),
        /// other than U+FFFE and U+FFFF (`EF BF BE`, `EF BF BF`), which SQS rejects.
        mutating func utf8Sequence() -> Bool {
            let c = p[i]
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            let more: Int
            switch c {
            case 0xC2...0xDF: more = 1
            case 0xE0: more = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: more = 2
            case 0xED: more = 2; hi = 0x9F
            case 0xF0: more = 3; lo = 0x90
            case 0xF1...0xF3: more = 3
            case 0xF4: more = 3; hi = 0x8F
            default: return false
            }
            guard i + more < n else { return false }
            guard p[i + 1] >= lo, p[i + 1] <= hi else { return false }
            for k in 2..<(more + 1) where p[i + k] & 0xC0 != 0x80 { return false }
            if c == 0xEF, p[i + 1] == 0xBF, p[i + 2] >= 0xBE { return false }
            i += more + 1
            return true
        }
    }
}
