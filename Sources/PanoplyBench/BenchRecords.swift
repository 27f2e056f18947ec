import PanoplyKit

/// The bench records: ~211 bytes each as compact JSON with `"__table":"events"`.
/// scripts/bench/py_bench.py builds the same records for the original SDK.
enum BenchRecords {
    static let table = "events"

    static func make(count: Int) -> [JSONObject] {
        (0..<count).map(record)
    }

    static func record(_ i: Int) -> JSONObject {
        let id = 100_000 + i
        let minute = (i / 60) % 60, second = i % 60, milli = (i * 7) % 1000
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return [
            "id": .number(JSONNumber(id)),
            "name": .string("User \(id)"),
            "email": .string("user\(id)@example.com"),
            "score": .number(JSONNumber(Double((i * 37) % 10_000) / 100 + 0.25)),
            "flags": ["active": .bool(i % 2 == 0), "vip": .bool(i % 7 == 0)],
            "timestamp": .string("2024-05-01T12:\(pad(minute, 2)):\(pad(second, 2)).\(pad(milli, 3))Z"),
            "addr": ["city": "Oslo", "zip": .string(pad(10_000 + i % 90_000, 5))]
        ]
    }
}
