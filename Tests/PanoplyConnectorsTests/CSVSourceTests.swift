import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

@Suite("CSV source")
struct CSVSourceTests {
    /// A file with everything real CSV throws at a parser: BOM, CRLF, quoted delimiters,
    /// doubled quotes and line breaks inside fields.
    static func writeFixture(_ path: String, rows: Int) throws {
        var text = "\u{FEFF}id,name,note,amount\r\n"
        for i in 1...rows {
            switch i % 4 {
            case 0: text += "\(i),\"Smith, John\",\"said \"\"hi\"\"\",\(i).50\r\n"
            case 1: text += "\(i),plain-\(i),\"two\nlines\",\(i)\r\n"
            case 2: text += "\(i),\"\",,-\(i).0\n"
            default: text += "\(i),ünïcødé,\"a,b,c\",007\r\n"
            }
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("a run delivers exactly the file's rows, with quoted fields intact")
    func deliversEveryRow() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("users.csv")
        try Self.writeFixture(file, rows: 3000)
        let outcome = try await h.run(CSVSource.self, ["path": file])
        #expect(outcome.summary.status == .done)
        let records = try h.delivered()
        #expect(holdsEachOnce(ids(records), 3000))
        let r4 = try #require(records.first { $0["id"] == "4" })
        #expect(r4["name"] == "Smith, John")
        #expect(r4["note"] == "said \"hi\"")
        let r1 = try #require(records.first { $0["id"] == "1" })
        #expect(r1["note"] == "two\nlines")
        #expect(Array(r1.keys.prefix(4)) == ["id", "name", "note", "amount"])
        let last = try #require(outcome.progress.last)
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber
        #expect(last.0 == last.1)
        #expect(last.1 == size?.intValue)
    }

    @Test("infer_types turns numbers and booleans into JSON values, keeping their text")
    func infersTypes() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("t.csv")
        try "id,price,big,zip,ok,empty\n1,19.90,123456789012345678901234,007,true,\n".write(toFile: file, atomically: true, encoding: .utf8)
        _ = try await h.run(CSVSource.self, ["path": file, "infer_types": "true"])
        let r = try #require(try h.delivered().first)
        #expect(r["price"]?.description == "19.90")
        #expect(r["big"]?.description == "123456789012345678901234")
        #expect(r["zip"] == "007")
        #expect(r["ok"] == true)
        #expect(r["empty"] == .null)
    }

    @Test("rows split across tiny chunks parse the same as in one piece")
    func chunkBoundaries() throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("small.csv")
        try Self.writeFixture(file, rows: 40)
        func rows(_ chunk: Int) throws -> [[String]] {
            let c = try CSVCursor(path: file, offset: 0, delimiter: UInt8(ascii: ","), chunkSize: chunk)
            var out: [[String]] = []
            while let r = try c.next() { out.append(r) }
            return out
        }
        let whole = try rows(1 << 20)
        #expect(whole.count == 41)
        #expect(whole[0] == ["id", "name", "note", "amount"])
        for chunk in [3, 7, 64] { #expect(try rows(chunk) == whole) }
    }

    @Test("a run that fails on a malformed row resumes from its state once the file is fixed")
    func resumesAfterFailure() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("broken.csv")
        try Self.writeFixture(file, rows: 1000)
        var text = try String(contentsOfFile: file, encoding: .utf8)
        let good = "\n553,plain-553,\"two\nlines\",553\r\n"
        let broken = "\n553,plain-553,\"two\nlines,553\r\n"
        text = text.replacingOccurrences(of: good, with: broken)
        try text.write(toFile: file, atomically: true, encoding: .utf8)

        let first = try await h.run(CSVSource.self, ["path": file], batchSize: 50)
        #expect(first.summary.status == .failed)
        #expect(first.summary.error?.code == 422)
        #expect(first.summary.error?.message.contains("malformed CSV") == true)
        let before = ids(try h.delivered())
        #expect(before.count >= 500 && before.count < 553)
        let state = try #require(try h.savedState())
        #expect(state["csv"]?[path: "row"]?.intValue == before.count)

        try text.replacingOccurrences(of: broken, with: good).write(toFile: file, atomically: true, encoding: .utf8)
        let second = try await h.run(CSVSource.self, ["path": file], batchSize: 50)
        #expect(second.summary.status == .done)
        #expect(second.logs.contains { $0.contains("resuming") })
        #expect(holdsEachOnce(ids(try h.delivered()), 1000))
    }

    @Test("unbalanced quotes are an error, not silently shifted rows")
    func strictQuotes() {
        let s = CSVRowScanner()
        #expect(s.scan(Array("a,\"b\"c,d\n".utf8), from: 0, atEOF: true) == .malformed("unexpected text after a closing quote (unbalanced quotes)"))
        #expect(s.scan(Array("a,\"b".utf8), from: 0, atEOF: true) == .malformed("a quoted field is not closed (missing '\"')"))
        #expect(s.scan(Array("a,\"b\"\"\",c\r\nx".utf8), from: 0, atEOF: false) == .row(["a", "b\"", "c"], end: 11))
        #expect(s.scan(Array("a,b\"c".utf8), from: 0, atEOF: true) == .row(["a", "b\"c"], end: 5))
    }

    @Test("a missing file is a not-found error naming the path")
    func missingFile() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let outcome = try await h.run(CSVSource.self, ["path": "/nonexistent/x.csv"])
        #expect(outcome.summary.status == .failed)
        #expect(outcome.summary.error?.category == .notFound)
        #expect(outcome.summary.error?.message == "file '/nonexistent/x.csv' does not exist (check the path)")
    }

    @Test("tab-separated files without a header get positional column names")
    func tabsWithoutHeader() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("t.tsv")
        try "1\ta\n2\tb".write(toFile: file, atomically: true, encoding: .utf8)
        _ = try await h.run(CSVSource.self, ["path": file, "delimiter": "\\t", "header": "false"])
        let records = try h.delivered()
        #expect(records.count == 2)
        #expect(records.last?["column_1"] == "2")
        #expect(records.last?["column_2"] == "b")
    }

    /// Finding 7: generated names used to collide with given ones and overwrite cells.
    @Test(
        "colliding header names keep every cell under a unique name",
        arguments: [
            ("a,a,a_2\n1,2,3\n", ["a": "1", "a_3": "2", "a_2": "3"]),
            ("x,column_3\n1,2,3\n", ["x": "1", "column_3": "2", "column_3_2": "3"]),
            ("column_2,,b\n1,2,3\n", ["column_2": "1", "column_2_2": "2", "b": "3"]),
            ("a,b\n1,2,3,4\n", ["a": "1", "b": "2", "column_3": "3", "column_4": "4"])
        ])
    func collidingHeaders(_ text: String, _ want: [String: String]) async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("c.csv")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try await h.run(CSVSource.self, ["path": file])
        let record = try #require(try h.delivered().first)
        var cells: [String: String] = [:]
        for (k, v) in record where !k.hasPrefix("__") { cells[k] = v.stringValue }
        #expect(cells == want)
    }
}
