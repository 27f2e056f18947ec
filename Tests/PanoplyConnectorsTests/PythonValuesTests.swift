import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// Values JSON cannot hold as they are (t_values.py) arrive mapped, never dropped: the
/// runner encodes a batch after the module's cursor has moved past it, so a batch lost
/// there is lost for good (a retried read returns the next one).
@Suite("Python values JSON cannot hold", .enabled(if: PythonFixtures.available))
struct PythonValuesTests {
    /// What t_values.py's records arrive as (`__state` aside), in order.
    static let expected: [JSONObject] = [
        ["id": 1, "v": 1.5],
        ["id": 2, "v": "NaN"],
        ["id": 3, "v": "Infinity"],
        ["id": 4, "v": "-Infinity", "w": [1.0, "NaN"]],
        ["id": 5],
        ["id": 6, "keys": ["1": "int", "2.5": "float", "(1, 2)": "tuple", "null": "none", "false": "bool", "s": "str"]],
        ["id": 7, "blob": .string(Data(0...255).base64EncodedString()), "text": "cGxhaW4=", "view": "AP8="],
        [
            "id": 8, "price": "1234567890.123456789012345678", "day": "2024-02-29", "at": "2024-02-29T13:45:01.250000",
            "tags": ["only"], "pair": [1, "b"]
        ],
        ["id": 9, "thing": "opaque thing"],  // "broken" (whose __str__ raises) is checked apart
        ["id": 10],
        ["id": 11, "name": "loop", "self": "<circular reference>"],
        ["id": 12, "children": [["name": "child", "parent": "<circular reference>"]]],
        ["id": 13]
    ]

    @Test(
        "NaN, infinities, non-string keys, bytes, a Decimal, an unknown object and a circular reference arrive mapped, with the states between them",
        arguments: [false, true])
    func everyRecordArrives(originalSDK: Bool) async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(try PythonFixtures.kind("t_values", originalSDK: originalSDK), [:])
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error)) \(out.logs.suffix(8))")
        #expect(out.retries == 0)
        let records = try h.delivered()
        #expect(records.count == Self.expected.count, "\(records)")
        for (got, want) in zip(records, Self.expected) {
            var r = got
            #expect(r["__state"] == .string("s\(Self.batch(of: want["id"]?.intValue ?? 0))"), "\(got)")
            r["__state"] = nil
            #expect(r["__table"] == "t_values")  // added by the outbox
            r["__table"] = nil
            if want["id"] == 9 {
                #expect(r["broken"]?.stringValue?.hasPrefix("<t_values.Broken object at 0x") == true, "\(got)")
                r["broken"] = nil
            }
            #expect(r == want)
        }
        #expect(
            out.logs.contains { $0.hasPrefix("warning: record 11 (number 1 in batch 9)") && $0.contains("circular reference at self was cut") },
            "\(out.logs)")
        #expect(out.logs.contains { $0.hasPrefix("warning: record 12 (number 2 in batch 9)") && $0.contains("at children[0].parent") })
        // Every state was committed, the last one after the last record; NaN in a state is text too.
        let state = try #require(try h.savedState())
        #expect(state["n"] == 10)
        #expect(state["ratio"] == "NaN")
    }

    /// The batch of t_values.py a record id is in (its state is "s" + that).
    static func batch(of id: Int) -> Int {
        [1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 4, 7: 5, 8: 6, 9: 7, 10: 8, 11: 9, 12: 9, 13: 10][id] ?? 0
    }

    @Test("a record that cannot be encoded fails the run at once, not retried, naming it; state stays at the last delivered record")
    func unencodableFailsTheRun() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let out = try await h.run(try PythonFixtures.kind("t_values"), ["mode": "deep"])
        #expect(out.summary.status == .failed)
        let error = try #require(out.summary.error)
        #expect(error.retryable == false)
        #expect(out.retries == 0)
        #expect(error.message.hasPrefix("python:t_values: cannot encode record 3 (number 2 in batch 2) as JSON: RecursionError"), "\(error.message)")
        #expect(try h.deliveredIds() == [1])
        let state = try #require(try h.savedState())
        #expect(state["n"] == 1)
        #expect(state["ratio"] == nil)
    }
}
