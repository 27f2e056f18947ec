import Testing

@testable import PanoplyKit

/// The fast path scans strings eight bytes at a time: a byte that stops the scan must be
/// found wherever it falls in a word.
@Suite("NDJSON fast path")
struct NDJSONFastPathTests {
    static func check(_ line: [UInt8]) -> NDJSONFastPath.Splice? {
        line.withUnsafeBufferPointer { NDJSONFastPath.check($0) }
    }

    @Test(
        "a special byte is seen at every offset of a word",
        arguments: [
            (Array(#"\""#.utf8), true), (Array(#"\\"#.utf8), true), (Array("é".utf8), true),
            ([0x01], false), (Array("\u{FFFF}".utf8), false), ([0xFF], false), (Array(#"\u0041"#.utf8), false)
        ])
    func specialByteAtEveryOffset(_ special: [UInt8], spliceable: Bool) {
        for k in 0..<20 {
            let text = Array(repeating: UInt8(ascii: "x"), count: k) + special + Array(repeating: UInt8(ascii: "y"), count: 19 - k)
            let line = Array(#"{"a":""#.utf8) + text + Array(#"","b":1}"#.utf8)
            let splice = Self.check(line)
            #expect((splice != nil) == spliceable, "offset \(k)")
            if let splice { #expect(splice.closeBrace == line.count - 1) }
        }
    }

    @Test(
        "keys open at once: up to 64 on the stack, more rescanned with room for 512; an object of over 64 keys takes the slow path",
        arguments: [(10, true), (64, true), (65, true), (80, true), (126, true), (130, false)])
    func wideObjects(_ width: Int, spliceable: Bool) {
        // Half the keys in a nested object, so keys of both levels are open at once.
        let inner = (0..<width / 2).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let outer = (0..<(width - width / 2)).map { "\"o\($0)\":\"v\"" }.joined(separator: ",")
        let line = Array("{\(outer),\"nested\":{\(inner)}}".utf8)
        let splice = Self.check(line)
        #expect((splice != nil) == spliceable)
        if let splice { #expect(splice.closeBrace == line.count - 1) }
    }

    @Test("a string that ends at any offset closes where its quote is")
    func stringEndsAnywhere() {
        for k in 0..<20 {
            let line = Array(#"{"a":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: k) + Array(#""}"#.utf8)
            #expect(Self.check(line) == NDJSONFastPath.Splice(closeBrace: line.count - 1, isEmpty: false))
            #expect(Self.check(Array(line.dropLast(2))) == nil)  // not closed
        }
    }

    @Test("keys that are the same String in other bytes (canonical equivalence) are duplicates: the slow path, which writes the object's one key")
    func canonicallyEqualKeys() throws {
        let cases: [(String, Bool)] = [
            ("{\"\u{E9}\":1,\"e\u{301}\":2}", false),  // é precomposed, then e + combining acute
            ("{\"\u{212A}\":1,\"K\":2}", false),  // the Kelvin sign, then K
            ("{\"K\":1,\"x\":{\"\u{212A}\":1,\"K\":2}}", false),  // in a nested object too
            ("{\"\u{E9}\":1,\"e\":2,\"\u{E8}\":3}", true),  // different keys stay spliceable
            ("{\"\u{E9}\":1,\"a\\n\":2}", false)  // an escape beside a Unicode key: slow path
        ]
        for (text, spliceable) in cases {
            #expect((Self.check(Array(text.utf8)) != nil) == spliceable, "\(text)")
            if !spliceable, let o = try JSONParser.parse(text).objectValue, text.hasPrefix("{\"\u{E9}\":1,\"e\u{301}") {
                #expect(o.count == 1)  // what the slow path writes: one key
            }
        }
    }
}
