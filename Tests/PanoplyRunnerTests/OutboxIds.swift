import Foundation
@_exported import PanoplyTestSupport

/// The `id` of every record in an outbox folder, in file order.
func outboxIds(_ dir: URL) throws -> [Int] {
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ndjson") }.sorted()
    var ids: [Int] = []
    for name in names {
        let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        for line in text.split(separator: "\n") {
            if let r = line.range(of: "\"id\":") {
                let digits = line[r.upperBound...].prefix { $0.isNumber }
                if let id = Int(digits) { ids.append(id) }
            }
        }
    }
    return ids
}
