import CSQLite
import Foundation
import Testing

@testable import PanoplyConnectors
@testable import PanoplyKit

/// The file and SQLite sources write records straight as JSON text (``EncodedRecords``):
/// each delivered line must be byte for byte what the SDK writes for the object the source
/// built before (one `JSONObject` per row, `__state` added, `__table` last or in place).
@Suite("Encoded records of the file and SQLite sources")
struct EncodedPathTests {
    /// The SDK's bytes for `record` read in a batch whose state is `stateId`.
    static func objectPathLine(_ record: JSONObject, stateId: String, table: String) throws -> String {
        var o = record
        if o["__state"] == nil { o["__state"] = .string(stateId) }
        var out: [UInt8] = []
        try JSONWriter.writeRecord(o, table: table, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The destination table the runner gave the records.
    static func table(_ lines: [String]) throws -> String {
        try #require(try lines.first.flatMap { try JSONParser.parse($0).objectValue?["__table"]?.stringValue })
    }

    /// A CSV file with what escaping, inference and naming get wrong: quotes, backslashes,
    /// control characters, U+FFFE/U+FFFF, big and out-of-range numbers, numbers with
    /// trailing spaces, booleans, empty cells, short and long rows, a byte that is not
    /// UTF-8, and columns named `__table` and `__state`.
    static let trickyCSV: [UInt8] =
        Array(
            """
            id,text,__table,__state,n
            1,"say ""hi"", \\\\ back\\slash",t1,s1,123456789012345678901234567890
            2,"tab\there\u{01}\u{1F}",,,1e400
            3,\u{FFFF}and\u{FFFE},x,y,-0.5E+3
            4,"",,,12 \n
            5,true,False,TRUE,007
            6,"two
            lines"
            7,a,b,c,d,extra,more
            8,ünï,"{""json"":1}",null,-0
            """.utf8) + Array("\n9,bad".utf8) + [0xFF] + Array("byte,,,1\n".utf8)

    /// Runs the CSV source on `bytes` and returns the delivered lines, with the object
    /// path's line for each row of the same file.
    static func csvRun(_ bytes: [UInt8], infer: Bool) async throws -> (lines: [String], want: [String], table: String) {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("tricky.csv")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let outcome = try await h.run(CSVSource.self, ["path": file, "infer_types": String(infer)], batchSize: 1000)
        #expect(outcome.summary.status == .done)
        let lines = try h.deliveredLines()
        let table = try Self.table(lines)
        let cursor = try CSVCursor(path: file, offset: 0, delimiter: UInt8(ascii: ","))
        defer { cursor.close() }
        var encoder = CSVRecordEncoder(columns: CSVColumns(header: try cursor.next()), inferTypes: infer)
        var want: [String] = []
        while let row = try cursor.next() { want.append(try Self.objectPathLine(encoder.object(row), stateId: "csv-9", table: table)) }
        return (lines, want, table)
    }

    @Test("a CSV row's JSON is the object path's, byte for byte, with and without type inference", arguments: [false, true])
    func csvMatchesObjectPath(infer: Bool) async throws {
        let (lines, want, table) = try await Self.csvRun(Self.trickyCSV, infer: infer)
        #expect(want.count == 9)
        #expect(lines == want)
        // The cells that must survive exactly:
        #expect(lines[0].contains(#""text":"say \"hi\", \\\\ back\\slash""#))
        #expect(lines[2].contains(#"\uffffand\ufffe"#))
        if infer {
            #expect(lines[0].contains(#""n":123456789012345678901234567890"#))
            #expect(lines[1].contains(#""n":1e400"#))
            #expect(lines[3].contains(#""text":null"#) && lines[3].hasSuffix(#""n":12}"#))
            #expect(lines[4].contains(#""text":true,"__table":"\#(table)","__state":true,"n":"007""#))
        }
        #expect(lines[8].contains("bad\u{FFFD}byte"))
    }

    @Test(
        "without reserved column names (ASCII rows spliced unchecked, the rest checked), a CSV row's JSON is still the object path's", arguments: [false, true])
    func csvVouchedMatchesObjectPath(infer: Bool) async throws {
        let header = Array("id,text,__table,__state,n".utf8)
        #expect(Array(Self.trickyCSV.prefix(header.count)) == header)
        let (lines, want, _) = try await Self.csvRun(Array("id,text,a,b,n".utf8) + Self.trickyCSV.dropFirst(header.count), infer: infer)
        #expect(want.count == 9)
        #expect(lines == want)
        #expect(lines[1].contains(#"tab\there\u0001\u001f"#), "\(lines[1])")
        #expect(lines[2].contains(#"\uffffand\ufffe"#))
        #expect(lines[8].contains("bad\u{FFFD}byte"))
    }

    @Test(
        "a SQLite row's JSON is the object path's, byte for byte (with columns named __table and __state, and without: ASCII rows spliced unchecked)",
        arguments: [#""__table" TEXT, "__state" TEXT"#, "a TEXT, s TEXT"])
    func sqliteMatchesObjectPath(columns: String) async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("tricky.sqlite")
        var db: OpaquePointer?
        #expect(sqlite3_open(file, &db) == SQLITE_OK)
        let sql = """
            CREATE TABLE t (id INTEGER PRIMARY KEY, txt TEXT, \(columns), i INTEGER, r REAL, b BLOB, e TEXT);
            INSERT INTO t VALUES (1, 'say "hi" \\ back', 't1', 's1', 9223372036854775807, 0.1, x'00ff10', '');
            INSERT INTO t VALUES (2, 'ctl' || char(1) || char(31) || char(9) || char(10), NULL, NULL, -9223372036854775808, 1e300, x'', NULL);
            INSERT INTO t VALUES (3, char(65535) || char(65534) || 'ünï', NULL, NULL, 0, 2.0, NULL, 'x');
            INSERT INTO t VALUES (4, CAST(x'62616dff' AS TEXT), NULL, NULL, -1, -0.0, NULL, NULL);
            INSERT INTO t VALUES (5, NULL, NULL, NULL, NULL, 1e999, NULL, NULL);
            INSERT INTO t VALUES (6, '{"json":1}', NULL, NULL, 42, 123456.789, NULL, NULL);
            """
        #expect(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        let outcome = try await h.run(SQLiteSource.self, ["path": file, "table": "t"], batchSize: 1000)
        #expect(outcome.summary.status == .done)
        let lines = try h.deliveredLines()
        let table = try Self.table(lines)

        let conn = try SQLiteDatabase(path: file)
        defer { conn.close() }
        var want: [String] = []
        try conn.query("SELECT * FROM t ORDER BY rowid") { row in
            var o = JSONObject()
            for i in 0..<row.count { o[row.name(i)] = row.value(i) }
            want.append(try Self.objectPathLine(o, stateId: "sqlite-t-6", table: table))
        }
        #expect(want.count == 6)
        #expect(lines == want)
        #expect(lines[0].contains(#""i":9223372036854775807,"r":0.1,"b":"AP8Q","e":"""#))
        #expect(lines[1].contains(#""i":-9223372036854775808,"r":1e+300"#))
        #expect(lines[2].contains(#""txt":"\uffff\ufffeünï""#))
        #expect(lines[3].contains("bam\u{FFFD}"))
        #expect(lines[4].contains(#""r":"inf""#))
    }

    @Test("a JSON Lines line is written as the SDK writes its object, byte for byte")
    func jsonlMatchesObjectPath() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let file = h.path("tricky.jsonl")
        let source = [
            #"{"id":1,"s":"say \"hi\" \\ \/ \u0041","n":123456789012345678901234567890,"e":1e400}"#,
            #"{ "id" : 2, "ctl": "\u0001\t", "__table": "t1", "__state": "s1" }"#,
            #"{"id":3,"x":"\uffff","dup":1,"dup":2,"empty":"","nul":null}"#,
            #"{"id":4,"nested":{"a":[1,2.50,{"b":null}]},"u":"ünï"}"#
        ]
        try (source.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try await h.run(JSONLSource.self, ["path": file], batchSize: 1000)
        #expect(outcome.summary.status == .done)
        let lines = try h.deliveredLines()
        let table = try Self.table(lines)
        let want = try source.map { line -> String in
            guard case .object(let o) = try JSONParser.parse(line) else { throw PanoplyError.config("not an object") }
            return try Self.objectPathLine(o, stateId: "jsonl-4", table: table)
        }
        #expect(lines == want)
    }
}

@Suite("Encoded batches, recycled")
struct EncodedRecyclingTests {
    @Test("a recycled batch is empty, and batches made after it hold only their own records, whichever buffer they got")
    func recycledBatches() throws {
        var batches: [EncodedRecords] = []
        for round in 0..<12 {
            var b = EncodedRecords(reservingCapacity: 128 << 10)
            #expect(b.isEmpty && b.bytes.isEmpty && b.state == nil)
            for i in 0..<(round % 3 == 0 ? 1500 : 700) {
                let line = Array(#"{"round":\#(round),"i":\#(i),"pad":"\#(String(repeating: "x", count: 100))"}"#.utf8)
                let appended = b.append(json: line[...])
                #expect(appended)
            }
            b.state = ("s\(round)", ["r": .number(JSONNumber(round))])
            #expect(try b.objects().allSatisfy { $0["round"]?.intValue == round })
            #expect(b.count == (round % 3 == 0 ? 1500 : 700))
            if round % 2 == 0 {
                b.recycle()
                #expect(b.isEmpty && b.bytes.isEmpty && b.state == nil && b.progress == nil)
            } else {
                batches.append(b)  // still held: its buffer must not be reused under it
            }
        }
        for (k, b) in batches.enumerated() {
            #expect(try b.objects().allSatisfy { $0["round"]?.intValue == 2 * k + 1 })
        }
    }
}
