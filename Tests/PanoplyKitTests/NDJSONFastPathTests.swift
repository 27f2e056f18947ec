import Testing
@testable import PanoplyKit

/// The fast path scans strings eight bytes at a time: a byte that stops the scan must be
/// found wherever it falls in a word.
@Suite("NDJSON fast path")
struct NDJSONFastPathTests {
    static func check(_ line: [UInt8]) -> NDJSONFastPath.Splice? {
        line.withUnsafeBufferPointer { NDJSONFastPath.check($0) }
    }

    @Test("a special byte is seen at every offset of a word", arguments: [
        (Array(#"\""#.utf8), true), (Array(#"\\"#.utf8), true), (Array("é".utf8), true),
        ([0x01], false), (Array("\u{FFFF}".utf8), false), ([0xFF], false), (Array(#"\u0041"#.utf8), false),
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

    @Test("a string that ends at any offset closes where its quote is")
    func stringEndsAnywhere() {
        for k in 0..<20 {
            let line = Array(#"{"a":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: k) + Array(#""}"#.utf8)
            #expect(Self.check(line) == NDJSONFastPath.Splice(closeBrace: line.count - 1, isEmpty: false))
            #expect(Self.check(Array(line.dropLast(2))) == nil)  // not closed
        }
    }
}
