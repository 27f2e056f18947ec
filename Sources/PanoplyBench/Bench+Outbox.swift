import Foundation
import PanoplyKit

extension Bench {
    /// write() into the local outbox at DIR, to the end (every message durable): measures
    /// what the outbox's file and folder syncs cost.
    static func outbox(records n: Int, directory: String) async throws -> BenchResult {
        let records = BenchRecords.make(count: 1000)
        let sdk = try PanoplySDK(SDKConfiguration(credentials: nil, destination: .outbox(directory)))
        let t0 = ContinuousClock.now
        for i in 0..<n { try await write(sdk, records[i % 1000]) }
        try await sdk.close()
        let wall = seconds(since: t0)
        var r = BenchResult()
        r.add("records", n)
        r.add("seconds", wall)
        r.add("records_per_s", Double(n) / wall)
        r.add("messages", Int(sdk.counters.messages))
        return r
    }
}
