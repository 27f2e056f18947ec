import Foundation
import PanoplyKit

/// Generated rows for trying things out: ids 1...rows with a few typed fields.
/// `fail_at` makes the read covering that row throw once (never when resumed from a
/// state), to try retries and resume.
public actor DemoSource: DataSource {
    public static let type = "demo"
    public static let configuration = SourceConfiguration(
        title: "Demo", icon: "★", summary: "Generated rows, for trying out syncs, retries and resume",
        params: [
            SourceParam("rows", title: "Rows", kind: .number, default: "10000", placeholder: "10000", help: "How many rows to generate"),
            SourceParam("batch_size", title: "Batch size", kind: .number, default: "500", placeholder: "500", help: "Rows per read"),
            SourceParam("delay_ms", title: "Delay (ms)", kind: .number, default: "0", placeholder: "0", help: "Pause before each batch, to watch a slow sync"),
            SourceParam(
                "fail_at", title: "Fail at row", kind: .number, placeholder: "e.g. 20000", help: "The read covering this row fails once (not when resumed)"),
            SourceParam(
                "fail_mode", title: "Failure mode", kind: .choice, default: "retryable", help: "retryable: the runner retries the read; fatal: the run fails",
                choices: ["retryable", "fatal"])
        ])

    private let rows: Int
    private let batchSize: Int
    private let delay: Duration
    private let failAt: Int?
    private let fatal: Bool
    private var nextId: Int
    private var failed: Bool
    private let context: SourceContext

    public init(source: SourceInput, context: SourceContext) async throws {
        rows = source.int("rows") ?? 10000
        batchSize = max(1, source.int("batch_size") ?? 500)
        delay = .milliseconds(max(0, source.int("delay_ms") ?? 0))
        failAt = source.int("fail_at")
        fatal = source.string("fail_mode") == "fatal"
        guard rows >= 0 else { throw PanoplyError.config("Rows must be 0 or more") }
        let resumeAt = source.state?["demo"]?[path: "next_id"]?.intValue
        nextId = max(1, resumeAt ?? 1)
        failed = source.state != nil
        self.context = context
        if let resumeAt { context.log("resuming at id \(resumeAt)") }
    }

    public func read(_ n: Int) async throws -> [JSONObject]? {
        guard nextId <= rows else {
            context.progress(rows, rows, "\(rows)/\(rows) rows")
            return nil
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        let end = min(rows, nextId + min(batchSize, max(n, 1)) - 1)
        if let failAt, !failed, (nextId...end).contains(failAt) {
            failed = true
            throw PanoplyError(
                fatal ? .internal : .transient,
                "demo failure at row \(failAt) (fail_mode=\(fatal ? "fatal" : "retryable"))",
                retryable: !fatal)
        }
        let stateId = "demo-\(end)"
        var batch: [JSONObject] = []
        batch.reserveCapacity(end - nextId + 1)
        for id in nextId...end { batch.append(record(id)) }
        nextId = end + 1
        context.state(stateId, ["demo": ["next_id": .number(JSONNumber(nextId))]])
        context.progress(end, rows, "\(end)/\(rows) rows")
        return batch
    }

    private func record(_ id: Int) -> JSONObject {
        [
            "id": .number(JSONNumber(id)),
            "name": .string("user-\(id)"),
            "score": .number(JSONNumber(Double(id % 1000) / 8)),
            "active": .bool(id % 3 != 0),
            "created_at": .string(Self.timestamp(1_767_225_600 + id * 60))
        ]
    }

    public func close() async {}

    /// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time, without a formatter per record.
    static func timestamp(_ t: Int) -> String {
        var time = time_t(t)
        var tm = tm()
        gmtime_r(&time, &tm)
        func p(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tm.tm_year + 1900)-\(p(tm.tm_mon + 1))-\(p(tm.tm_mday))T\(p(tm.tm_hour)):\(p(tm.tm_min)):\(p(tm.tm_sec))Z"
    }
}
