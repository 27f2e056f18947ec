import Testing

@testable import PanoplyKit

@Suite("JSON writer and parser")
struct JSONTests {
    @Test(
        "numbers pass through exactly as written",
        arguments: [
            "12345678901234567890", "1e-07", "1e+21", "-0.5", "2.0", "3.14159", "-12345678901234567890123", "1E400", "0"
        ])
    func exactNumbers(_ literal: String) throws {
        let v = try JSONParser.parse(#"{"n":\#(literal)}"#)
        #expect(JSONWriter.string(v) == #"{"n":\#(literal)}"#)
        #expect(try JSONNumber(text: literal).text == literal)
    }

    @Test("number equality is exact: big integers by text, decimals by value, 1 is not 1.0")
    func numberEquality() throws {
        func n(_ s: String) throws -> JSONNumber { try JSONNumber(text: s) }
        #expect(try n("12345678901234567890") == n("12345678901234567890"))
        #expect(try n("12345678901234567890") != n("12345678901234567891"))
        #expect(try n("1e-07") == n("1E-7"))
        #expect(try n("0.1") == n("1e-1"))
        #expect(try n("1") != n("1.0"))
        #expect(try n("-0") == n("0"))
        #expect(throws: JSONError.self) { try JSONNumber(text: "1.") }
        #expect(throws: JSONError.self) { try JSONNumber(text: "0x10") }
    }

    @Test("numbers from Swift values")
    func swiftNumbers() {
        #expect(JSONWriter.string(2.0) == "2.0")
        #expect(JSONWriter.string(0.1) == "0.1")
        #expect(JSONWriter.string(1e-7) == "1e-07")
        #expect(JSONWriter.string(.number(JSONNumber(UInt64.max))) == "18446744073709551615")
        #expect(JSONWriter.string(42) == "42")
    }

    @Test("the writer escapes quotes, backslashes and control characters only")
    func writerEscapes() {
        let s = "q\"b\\n\n r\r t\t \u{01} \u{08}\u{0C} \u{7F} / é 😀"
        #expect(JSONWriter.string(.string(s)) == #""q\"b\\n\n r\r t\t \u0001 \b\f \#u{7F} / é 😀""#)
    }

    @Test("the parser reads every escape, surrogate pairs included")
    func parserEscapes() throws {
        let v = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u0001""#)
        #expect(v == .string("\"\\/\u{08}\u{0C}\n\r\té😀\u{01}"))
    }

    @Test("objects keep key order when written and compare regardless of order")
    func objectOrder() throws {
        let text = #"{"b":1,"a":[true,false,null],"c":{"x":"y"}}"#
        let v = try JSONParser.parse(text)
        #expect(JSONWriter.string(v) == text)
        #expect(v == (try JSONParser.parse(#"{"c":{"x":"y"},"a":[true,false,null],"b":1}"#)))
        #expect(v != (try JSONParser.parse(#"{"c":{"x":"y"},"a":[true,false,null],"b":2}"#)))
    }

    @Test(
        "malformed input is an error that says what is wrong",
        arguments: [
            ([0x22, 0xC3, 0x28, 0x22], "string is not valid UTF-8"),
            ([0x22, 0x5C, 0x6E, 0xFF, 0x22], "string is not valid UTF-8"),
            (Array(#""\ud83d""#.utf8), "unpaired surrogate"),
            (Array(#""\udc00""#.utf8), "unpaired surrogate"),
            (Array(#""\q""#.utf8), "invalid escape"),
            (Array("\"a\u{01}\"".utf8), "unescaped control character"),
            (Array(#"{"a":1,}"#.utf8), "expected a string key"),
            (Array(#"[1 2]"#.utf8), "expected ',' or ']'"),
            (Array(#"{"a":1} x"#.utf8), "unexpected text after the JSON value"),
            (Array(#"{"a":NaN}"#.utf8), "NaN and Infinity are not valid JSON numbers"),
            (Array(#"tru"#.utf8), "invalid literal (expected true)"),
            (Array(#"-"#.utf8), "incomplete number"),
            (Array(#"1.e5"#.utf8), "expected digits after '.'"),
            (Array(#""abc"#.utf8), "unterminated string"),
            (Array(#"[1,"#.utf8), "unexpected end of input")
        ] as [([UInt8], String)])
    func malformed(_ input: [UInt8], _ message: String) throws {
        let error = try #require(throws: JSONError.self) { try JSONParser.parse(input) }
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("nesting is limited to 512 levels")
    func deepNesting() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let deep = String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513)
        let error = try #require(throws: JSONError.self) { try JSONParser.parse(deep) }
        #expect(error.message == "nesting deeper than 512 levels")
        let veryDeep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(veryDeep) }
    }

    @Test("non-finite numbers cannot be written", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(_ d: Double) throws {
        var out: [UInt8] = []
        let error = try #require(throws: JSONError.self) {
            try JSONWriter.write(["ok": 1, "bad": .number(JSONNumber(d))], into: &out)
        }
        #expect(error.message.contains("is not a finite number and has no JSON form"))
    }

    @Test("a record with a non-finite number is rejected at write, naming the table")
    func nonFiniteAtWrite() throws {
        let sdk = try PanoplySDK(Fixture.config(), transport: MockTransport(), autoTick: false)
        let error = try #require(throws: PanoplyError.self) {
            try sdk.write("metrics", ["id": 1, "ratio": .number(JSONNumber(Double.nan))])
        }
        #expect(error.message.contains("record for table 'metrics'"))
        #expect(error.message.contains("not a finite number"))
        #expect(error.code == 422)
        #expect(sdk.counters.records == 0)
        try sdk.write("metrics", ["id": 2])
        #expect(sdk.counters.records == 1)
    }

    @Test("__table is added at the end, or replaced in place when present")
    func tableKey() throws {
        var out: [UInt8] = []
        try JSONWriter.writeRecord(["id": 1], table: "users", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"{"id":1,"__table":"users"}"#)
        out = []
        try JSONWriter.writeRecord(["id": 2, "__table": "ignored", "k": "v"], table: "orders", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"{"id":2,"__table":"orders","k":"v"}"#)
        out = []
        try JSONWriter.writeRecord([:], table: "e", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"{"__table":"e"}"#)
    }

    @Test(
        "a record of any size is written the same through the stack buffer (1 KiB), the heap buffer (4 KiB) and the array",
        arguments: [10, 1000, 1017, 1030, 3000, 4090, 4200, 20000])
    func recordSizes(_ textBytes: Int) throws {
        let record: JSONObject = ["id": 1, "text": .string(String(repeating: "é\"x", count: textBytes / 4)), "n": .number(JSONNumber(2.5))]
        var out: [UInt8] = [0x41]  // appended after what is there
        try JSONWriter.writeRecord(record, table: "t", into: &out)
        var expected: [UInt8] = [0x41]
        var withTable = record
        withTable["__table"] = "t"
        try JSONWriter.write(.object(withTable), into: &expected)
        #expect(out == expected)
        // A non-finite number fails on every size, leaving the buffer as it was.
        var bad = record
        bad["x"] = .number(JSONNumber(Double.infinity))
        var out2: [UInt8] = [0x41]
        #expect(throws: JSONError.self) { try JSONWriter.writeRecord(bad, table: "t", into: &out2) }
    }

    @Test("Encodable values are written as objects")
    func encodable() async throws {
        struct User: Encodable { let id: Int; let name: String }
        let transport = MockTransport()
        let sdk = try PanoplySDK(Fixture.config(), transport: transport, autoTick: false)
        try sdk.write("users", encoding: User(id: 7, name: "Zoë"))
        let error = try #require(throws: PanoplyError.self) { try sdk.write("users", encoding: [1, 2]) }
        #expect(error.message.contains("must encode as a JSON object"))
        try await sdk.close()
        let line = try JSONParser.parse(Array(transport.sent[0].body.dropLast(2)))
        #expect(line == ["id": 7, "name": "Zoë", "__table": "users"])
    }

    /// The escaper reads 8 bytes at a time; compare it with a byte-at-a-time reference on
    /// strings full of quotes, backslashes, control characters and multi-byte UTF-8, at
    /// every length and offset around the word size.
    @Test("escaping 8 bytes at a time gives the same bytes as escaping one at a time")
    func wordEscaping() {
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            var i = 0
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if c == 0xEF, i + 1 < bytes.count, bytes[i] == 0xBF, bytes[i + 1] == 0xBE || bytes[i + 1] == 0xBF {
                    out += Array((bytes[i + 1] == 0xBE ? #"\ufffe"# : #"\uffff"#).utf8)
                    i += 2
                    continue
                }
                switch c {
                case 0x22: out += Array(#"\""#.utf8)
                case 0x5C: out += Array(#"\\"#.utf8)
                case 0x08: out += Array(#"\b"#.utf8)
                case 0x09: out += Array(#"\t"#.utf8)
                case 0x0A: out += Array(#"\n"#.utf8)
                case 0x0C: out += Array(#"\f"#.utf8)
                case 0x0D: out += Array(#"\r"#.utf8)
                case 0..<0x20: out += Array(String(format: "\\u%04x", c).utf8)
                default: out.append(c)
                }
            }
            return out
        }
        let alphabet: [UInt8] = [
            0x22, 0x5C, 0x00, 0x01, 0x0A, 0x1F, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xA9, 0xFF, 0x41, 0x7A,
            0xEF, 0xBF, 0xBE, 0xEF, 0xBF
        ]
        var rng = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<200 {
                // Mostly plain letters with a few specials, like real records; sometimes dense.
                let dense = Bool.random(using: &rng)
                let bytes: [UInt8] = (0..<length).map { _ in
                    dense || Int.random(in: 0..<8, using: &rng) == 0 ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0x61...0x7A, using: &rng)
                }
                let want = reference(bytes)
                let got = bytes.withUnsafeBufferPointer { b -> [UInt8] in
                    #expect(JSONWriter.escapedCount(b) == want.count)
                    #expect(JSONWriter.firstSpecial(b) == (b.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xEF } ?? b.count))
                    // Exactly sized output: an overrun would show as a changed guard byte.
                    var out = [UInt8](repeating: 0xEE, count: want.count + 8)
                    let n = out.withUnsafeMutableBufferPointer { JSONWriter.writeEscaped(b, to: $0.baseAddress!) }
                    #expect(out[want.count...].allSatisfy { $0 == 0xEE }, "wrote past the escaped size")
                    return Array(out[..<n])
                }
                #expect(got == want, "\(bytes)")
            }
        }
    }
}
