import Foundation
import Testing

@testable import PanoplyKit

/// ``RecordWriter`` writes a source's row cell by cell into fixed memory: the record must be
/// byte for byte what ``JSONWriter`` writes for the same object, spliced only when it is in
/// the writer's own form, and rows bigger than the first buffer must come out whole.
@Suite("Records written cell by cell")
struct RecordWriterTests {
    enum Cell {
        case integer(Int64)
        case double(Double)
        case text(String)
        case bytes([UInt8])
        case null
        case literal(String)
    }

    /// The cells through a writer, and what the object path writes for the same values.
    static func written(_ names: [String], _ cells: [Cell]) throws -> (batch: EncodedRecords, appended: Bool) {
        var batch = EncodedRecords()
        let appended = batch.append(keys: RecordKeys(names)) { w in
            for (k, cell) in cells.enumerated() {
                w.key(k)
                switch cell {
                case .integer(let v): w.integer(v)
                case .double(let d): w.number(d)
                case .text(let s): w.string(s)
                case .bytes(let b): b.withUnsafeBufferPointer { w.text($0) }
                case .null: w.null()
                case .literal(let s): Array(s.utf8).withUnsafeBufferPointer { w.literal($0, checked: true) }
                }
            }
        }
        return (batch, appended)
    }

    static func object(_ names: [String], _ cells: [Cell]) -> JSONObject {
        var o = JSONObject()
        for (name, cell) in zip(names, cells) {
            switch cell {
            case .integer(let v): o[name] = .number(JSONNumber(v))
            case .double(let d): o[name] = .number(JSONNumber(d))
            case .text(let s): o[name] = .string(s)
            case .bytes(let b): o[name] = .string(String(decoding: b, as: UTF8.self))
            case .null: o[name] = .null
            case .literal(let s): o[name] = .number(try! JSONNumber(text: s))
            }
        }
        return o
    }

    static let rows: [(String, [Cell], spliced: Bool)] = [
        ("integers", [.integer(0), .integer(-1), .integer(Int64.max), .integer(Int64.min), .integer(1_000_000)], true),
        ("doubles", [.double(2), .double(0.1 + 0.2), .double(1e16), .double(.leastNonzeroMagnitude), .double(-0.0), .double(-1234.25)], true),
        ("escaped text", [.text(#"say "hi" \ back"#), .text("tab\there\u{01}\u{1F}"), .text(""), .text("nl\n"), .null], true),
        ("non-ASCII text, checked", [.text("ünïcödé"), .text("\u{FFFE}\u{FFFF} noncharacters"), .integer(7)], false),
        ("literals", [.literal("-0.5E+3"), .literal("123456789012345678901234567890"), .literal("0")], true),
        ("a row over the stack buffer", [.text(String(repeating: "x", count: 2000)), .integer(1)], true),
        ("a row over the first heap buffer", [.text(String(repeating: "a\"b", count: 30_000)), .double(1.5)], true)
    ]

    @Test("each row is what the writer writes for its object, spliced only when in the writer's form", arguments: rows)
    func sameBytes(_ name: String, _ cells: [Cell], _ spliced: Bool) throws {
        let names = cells.indices.map { "c\($0)" }
        let (batch, appended) = try Self.written(names, cells)
        #expect(appended)
        #expect(batch.count == 1)
        var want: [UInt8] = []
        try JSONWriter.write(.object(Self.object(names, cells)), into: &want)
        #expect(Array(batch[0]) == want, "\(name)")
        #expect((batch.entries[0].close >= 0) == spliced, "\(name)")
    }

    @Test("a row named like a runner key, or with a name twice, is checked and kept whole")
    func reservedNames() throws {
        for names in [["id", "__table"], ["id", "id"]] {
            let (batch, appended) = try Self.written(names, [.integer(1), .text("t")])
            #expect(appended)
            #expect(batch.entries[0].close < 0, "\(names)")
            if names[1] == "__table" { #expect(String(decoding: batch[0], as: UTF8.self) == #"{"id":1,"__table":"t"}"#) }
        }
        #expect(RecordKeys(["id", "__state"]).vouch == false)
        #expect(RecordKeys(["id", "id"]).vouch == false)
        #expect(RecordKeys(["id", "name"]).vouch)
    }

    @Test("text that is not UTF-8 appends nothing and says so, for the caller to build the object")
    func invalidUTF8() throws {
        let (batch, appended) = try Self.written(["a", "b"], [.integer(1), .bytes([0x62, 0xFF, 0x61])])
        #expect(!appended)
        #expect(batch.isEmpty && batch.bytes.isEmpty)
    }
}
