/// A strict JSON parser over UTF-8 bytes that keeps numbers as written.
///
/// Rejects invalid UTF-8, trailing garbage, and nesting deeper than `maxDepth`
/// (deeply nested input would otherwise overflow the stack).
public struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private let maxDepth: Int
    private let nonFiniteAsStrings: Bool

    /// - Parameters:
    ///   - nonFiniteAsStrings: read the bare words `NaN`, `Infinity` and `-Infinity`
    ///     (not JSON, but what Python's `json.dumps` writes) as the strings "NaN",
    ///     "Infinity" and "-Infinity". Off by default: they are rejected.
    public init(bytes: [UInt8], maxDepth: Int = 512, nonFiniteAsStrings: Bool = false) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.nonFiniteAsStrings = nonFiniteAsStrings
    }

    /// Parses one JSON document.
    /// - Throws: ``JSONError`` naming what is wrong and where.
    public static func parse(_ text: String) throws -> JSONValue {
        var p = JSONParser(bytes: Array(text.utf8))
        return try p.parseDocument()
    }

    /// Parses one JSON document from bytes.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        return try p.parseDocument()
    }

    /// Parses one JSON document from bytes, reading bare `NaN`, `Infinity` and `-Infinity`
    /// (as Python's `json.dumps` writes them) as the strings "NaN", "Infinity", "-Infinity"
    /// when `nonFiniteAsStrings` is true.
    /// - Throws: ``JSONError`` naming what is wrong and where.
    public static func parse(_ bytes: [UInt8], nonFiniteAsStrings: Bool) throws -> JSONValue {
        var p = JSONParser(bytes: bytes, nonFiniteAsStrings: nonFiniteAsStrings)
        return try p.parseDocument()
    }

    public mutating func parseDocument() throws -> JSONValue {
        skipSpace()
        let v = try parseValue(depth: 0)
        skipSpace()
        if i < bytes.count { throw fail("unexpected text after the JSON value") }
        return v
    }

    private func fail(_ message: String) -> JSONError { JSONError(message: message, offset: i) }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "-"):
            // One flag test per negative number: nothing else is added to valid input.
            if nonFiniteAsStrings, i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "I") { return try nonFinite("-Infinity") }
            return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            if nonFiniteAsStrings { return try nonFinite(bytes[i] == UInt8(ascii: "N") ? "NaN" : "Infinity") }
            throw fail("NaN and Infinity are not valid JSON numbers")
        default: throw fail("unexpected character '\(String(decoding: [bytes[i]], as: UTF8.self))'")
        }
    }

    private mutating func nonFinite(_ word: String) throws -> JSONValue {
        try literal(word)
        return .string(word)
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        let n = w.count
        guard i + n <= bytes.count, w[...] == bytes[i..<i + n] else {
            throw fail("invalid literal (expected \(word))")
        }
        i += n
    }

    private mutating func parseObject(depth: Int) throws -> JSONObject {
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth) levels") }
        i += 1
        var obj = JSONObject()
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return obj }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
            i += 1
            skipSpace()
            obj[key] = try parseValue(depth: depth)
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input inside an object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return obj }
            throw fail("expected ',' or '}' in an object")
        }
    }

    private mutating func parseArray(depth: Int) throws -> [JSONValue] {
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth) levels") }
        i += 1
        var arr: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return arr }
        while true {
            skipSpace()
            arr.append(try parseValue(depth: depth))
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input inside an array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return arr }
            throw fail("expected ',' or ']' in an array")
        }
    }

    private mutating func parseNumber() throws -> JSONNumber {
        let start = i
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw fail("incomplete number") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if digits() == 0 {
            throw fail("invalid number")
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { throw fail("expected digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits() == 0 { throw fail("expected digits in the exponent") }
        }
        return JSONNumber(validatedText: String(decoding: bytes[start..<i], as: UTF8.self))
    }

    private mutating func parseString() throws -> String {
        i += 1
        let start = i
        // Fast path: no escapes. ASCII needs no validation (the generic `validating` is slow).
        var ascii = true
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let s = bytes[start..<i]
                i += 1
                if ascii { return String(decoding: s, as: UTF8.self) }
                guard let str = String(validating: s, as: UTF8.self) else {
                    i = start
                    throw fail("string is not valid UTF-8")
                }
                return str
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("unescaped control character in a string") }
            if c >= 0x80 { ascii = false }
            i += 1
        }
        return try parseEscapedString(from: start)
    }

    /// The rest of a string with escapes, from `start` (after its quote); `i` is at the
    /// first backslash.
    private mutating func parseEscapedString(from start: Int) throws -> String {
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                guard let str = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
                return str
            }
            if c < 0x20 { throw fail("unescaped control character in a string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            try appendEscape(into: &out)
        }
        throw fail("unterminated string")
    }

    /// Decodes the escape at `i` (the character after the backslash) into `out`.
    private mutating func appendEscape(into out: inout [UInt8]) throws {
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"): out.append(contentsOf: String(Character(try unicodeEscape())).utf8)
        default: throw fail("invalid escape '\\\(String(decoding: [e], as: UTF8.self))'")
        }
    }

    /// The scalar of a `\uXXXX` escape (with `i` after the `u`), joining a surrogate pair.
    private mutating func unicodeEscape() throws -> Unicode.Scalar {
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate in \\u escape")
            }
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid low surrogate in \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw fail("unpaired surrogate in \\u escape")
        }
        return Unicode.Scalar(scalar)!
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail("invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }
}
