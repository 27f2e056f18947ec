import Foundation
@_exported import PanoplyTestSupport

/// The repository root (this file is Tests/PanoplyReliabilityTests/Support/TestData.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// NDJSON records `{"id":N,...}` for ids in `range`, each padded to about `pad` bytes.
func ndjson(_ range: ClosedRange<Int>, pad: Int = 0) -> Data {
    let filler = String(repeating: "x", count: pad)
    var s = ""
    s.reserveCapacity(range.count * (40 + pad))
    for i in range { s += "{\"id\":\(i),\"name\":\"user \(i)\",\"pad\":\"\(filler)\"}\n" }
    return Data(s.utf8)
}
