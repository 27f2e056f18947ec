import Foundation
import PanoplyKit
import Testing

@Suite("Load", .serialized)
struct LoadTests {
    static let enabled = ProcessInfo.processInfo.environment["PANOPLY_LOAD_TEST"] == "1" && Moto.available

    @Test(
        "1,000,000 records through panoply send with --concurrency 8 arrive whole",
        .enabled(if: enabled, "set PANOPLY_LOAD_TEST=1 (and PANOPLY_TEST_MOTO_URL) to run the load test"),
        .timeLimit(.minutes(30)))
    func millionRecordsArriveWhole() throws {
        let n = 1_000_000
        let creds = try Moto.credentials()
        let queue = try Moto.createQueue(creds.queueName)
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("in.ndjson")
        try ndjson(1...n, pad: 60).write(to: input)
        let bytes = (try FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int) ?? 0

        // Drain while sending: moto slows down as a queue fills.
        let drain = try Moto.startDrain(queue, expect: n, timeout: .seconds(1500))
        defer { drain.kill9() }
        let started = ContinuousClock.now
        let send = try CLI.run(
            [
                "send", "events", "--file", input.path, "--concurrency", "8",
                "--spool", dir.appendingPathComponent("spool").path
            ]
                + destinationArgs(creds, queueURL: queue), timeout: .seconds(1500))
        let sendSeconds = (ContinuousClock.now - started).seconds
        #expect(send.status == 0, "\(send.stderr)")
        #expect(summaryRecords(send.stdout) == n, "\(send.stdout)")
        let delivery = try Moto.parse(drain, within: .seconds(1500))
        let total = (ContinuousClock.now - started).seconds
        print(
            "load: \(n) records, \(bytes / 1_048_576) MiB in; send took \(String(format: "%.1f", sendSeconds))s, all drained after \(String(format: "%.1f", total))s; \(send.stdout.trimmingCharacters(in: .whitespacesAndNewlines)); \(delivery)"
        )
        #expect(delivery.isComplete(n), "\(delivery)")
        #expect(delivery.tables == ["events"])
    }
}
