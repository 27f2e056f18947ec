import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// The pieces under the Singer reader: the parser's non-finite words, and lines cut from
/// what a child writes.
struct SingerLineTests {
    @Test("the parser reads bare NaN, Infinity and -Infinity as strings only when asked")
    func nonFiniteWords() throws {
        let text = Array(#"{"a": [NaN, Infinity, -Infinity, -1.5, -0], "b": {"c": NaN}}"#.utf8)
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
        let v = try JSONParser.parse(text, nonFiniteAsStrings: true)
        #expect(v == ["a": ["NaN", "Infinity", "-Infinity", .number(try JSONNumber(text: "-1.5")), .number(try JSONNumber(text: "-0"))], "b": ["c": "NaN"]])
        for bad in ["nan", "Infinit", "-Inf", "NaNa", "-I", "[Infinity1]"] {
            #expect(throws: JSONError.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8), nonFiniteAsStrings: true) }
        }
    }

    static func split(_ chunks: [String], limit: Int, _ overflow: LineSplitter.Overflow) -> (lines: [String], ok: Bool, last: String?) {
        var s = LineSplitter(limit: limit, overflow: overflow)
        var batch: [[UInt8]] = []
        var ok = true
        for c in chunks where ok {
            ok = Array(c.utf8).withUnsafeBufferPointer { s.split($0, into: &batch) }
        }
        return (batch.map { String(decoding: $0, as: UTF8.self) }, ok, s.end().map { String(decoding: $0, as: UTF8.self) })
    }

    @Test("lines are cut across reads; a line of exactly the limit passes")
    func splitsLines() {
        let r = Self.split(["ab\ncd", "ef\n\ngh", "ij"], limit: 4, .fail)
        #expect(r.lines == ["ab", "cdef", ""])
        #expect(r.ok)
        #expect(r.last == "ghij")
    }

    @Test("past the limit a line stops the splitting (.fail) or is cut (.truncate)")
    func limit() {
        let failed = Self.split(["ab\nabc", "de\nok\n"], limit: 4, .fail)
        #expect(failed.lines == ["ab"])
        #expect(!failed.ok)
        #expect(failed.last == nil)
        let whole = Self.split(["ab\nabcdefgh\nok"], limit: 4, .fail)
        #expect(whole.lines == ["ab"] && !whole.ok)
        let cut = Self.split(["ab\nabc", "defgh", "ij\nok\n"], limit: 4, .truncate)
        #expect(cut.lines == ["ab", "abcd", "ok"])
        #expect(cut.ok)
    }
}
