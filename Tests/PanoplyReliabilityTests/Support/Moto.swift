import Foundation
import PanoplyKit
import Testing

/// The moto_server the test script started (PANOPLY_TEST_MOTO_URL), and a small boto3
/// helper to create queues and drain them.
enum Moto {
    static let url = ProcessInfo.processInfo.environment["PANOPLY_TEST_MOTO_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var available: Bool { url != nil }
    static let skipMessage: Comment = "PANOPLY_TEST_MOTO_URL is not set: start moto with `eval \"$(scripts/services/moto.sh start)\"` or run scripts/test.sh"

    /// Credentials whose queue name is unique: `sdk-rel-<RAND2>`.
    static func credentials() throws -> PanoplyCredentials {
        let rand = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let secret = Data("\(rand)/\(UUID().uuidString)/123456789012/us-east-1".utf8).base64EncodedString()
        return try PanoplyCredentials(apiKey: "rel/\(rand)", apiSecret: secret)
    }

    static let aws = AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")

    /// Creates the queue `name` and returns its URL on moto.
    static func createQueue(_ name: String) throws -> String {
        let r = try python(["create", try endpoint(), name], timeout: .seconds(60))
        return r.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What a drain found.
    struct Delivery: CustomStringConvertible {
        var messages: Int
        var records: Int
        var distinct: Int
        var missing: Int
        var missingSample: [Int]
        var outOfRange: Int
        var badRecords: Int
        var badAttributes: Int
        var tables: [String]
        var seconds: Double
        var duplicates: Int { records - distinct }

        var description: String {
            "messages=\(messages) records=\(records) distinct=\(distinct) duplicates=\(duplicates) missing=\(missing) \(missingSample.prefix(10)) outOfRange=\(outOfRange) badRecords=\(badRecords) badAttributes=\(badAttributes) tables=\(tables) drainSeconds=\(String(format: "%.1f", seconds))"
        }

        /// Every id 1...expected arrived, nothing else did, bodies and attributes are whole.
        func isComplete(_ expected: Int) -> Bool {
            distinct == expected && missing == 0 && outOfRange == 0 && badRecords == 0 && badAttributes == 0
        }
    }

    /// Receives and deletes every message of the queue and counts the record ids 1...expect.
    /// - Parameter waitForAll: keep polling (up to `timeout`) until every id arrived.
    static func drain(_ queueURL: String, expect: Int, waitForAll: Bool = false, timeout: Duration = .seconds(300)) throws -> Delivery {
        var args = ["drain", try endpoint(), queueURL, String(expect), String(Int(timeout.seconds))]
        if waitForAll { args.append("wait") }
        let text = try python(args, timeout: timeout + .seconds(60))
        guard let data = text.split(separator: "\n").last.map({ Data($0.utf8) }),
            let o = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw TestFailure("drain printed no JSON: \(text.suffix(1000))")
        }
        func i(_ k: String) -> Int { (o[k] as? NSNumber)?.intValue ?? -1 }
        return Delivery(
            messages: i("messages"), records: i("records"), distinct: i("distinct"), missing: i("missing"),
            missingSample: (o["missing_sample"] as? [NSNumber])?.map(\.intValue) ?? [],
            outOfRange: i("out_of_range"), badRecords: i("bad_records"), badAttributes: i("bad_attributes"),
            tables: o["tables"] as? [String] ?? [], seconds: (o["seconds"] as? NSNumber)?.doubleValue ?? 0)
    }

    /// ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible.
    static func depth(_ queueURL: String) throws -> Int {
        Int(try python(["depth", try endpoint(), queueURL], timeout: .seconds(60)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static func endpoint() throws -> String {
        guard let url else { throw TestFailure("PANOPLY_TEST_MOTO_URL is not set") }
        return url
    }

    /// Starts the drain helper in the background (for draining while a sender runs).
    static func startDrain(_ queueURL: String, expect: Int, timeout: Duration) throws -> Child {
        try Child.start("/usr/bin/env", ["python3", "-c", script, "drain", try endpoint(), queueURL, String(expect), String(Int(timeout.seconds)), "wait"])
    }

    static func parse(_ child: Child, within: Duration) throws -> Delivery {
        let exit = try child.waitForExit(within: within)
        guard exit.status == 0, let line = exit.stdout.split(separator: "\n").last,
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw TestFailure("drain failed (\(exit.status)): \(exit.stderr.suffix(2000))")
        }
        func i(_ k: String) -> Int { (o[k] as? NSNumber)?.intValue ?? -1 }
        return Delivery(
            messages: i("messages"), records: i("records"), distinct: i("distinct"), missing: i("missing"),
            missingSample: (o["missing_sample"] as? [NSNumber])?.map(\.intValue) ?? [],
            outOfRange: i("out_of_range"), badRecords: i("bad_records"), badAttributes: i("bad_attributes"),
            tables: o["tables"] as? [String] ?? [], seconds: (o["seconds"] as? NSNumber)?.doubleValue ?? 0)
    }

    private static func python(_ args: [String], timeout: Duration) throws -> String {
        let child = try Child.start("/usr/bin/env", ["python3", "-c", script] + args)
        child.closeInput()
        let exit = try child.waitForExit(within: timeout)
        guard exit.status == 0 else { throw TestFailure("sqs helper \(args.first ?? "") failed (\(exit.status)): \(exit.stderr.suffix(2000))") }
        return exit.stdout
    }

    /// boto3 against moto with dummy credentials; records are `{"id": N, ..., "__table": T}`
    /// joined by blank lines, and every message must carry the key, secret and sdk attributes.
    static let script = #"""
        import json, sys, time
        import boto3
        cmd, endpoint = sys.argv[1], sys.argv[2]
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        if cmd == "create":
            print(sqs.create_queue(QueueName=sys.argv[3])["QueueUrl"])
        elif cmd == "depth":
            a = sqs.get_queue_attributes(QueueUrl=sys.argv[3], AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            print(int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"]))
        elif cmd == "drain":
            queue, expect, limit = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
            wait_all = len(sys.argv) > 6 and sys.argv[6] == "wait"
            seen = bytearray(expect + 1)
            stats = dict(messages=0, records=0, distinct=0, out_of_range=0, bad_records=0, bad_attributes=0)
            tables = set()
            start = time.monotonic()
            while time.monotonic() - start < limit:
                r = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=900,
                                        WaitTimeSeconds=1 if wait_all else 0, MessageAttributeNames=["All"])
                msgs = r.get("Messages", [])
                if not msgs:
                    if wait_all and stats["distinct"] < expect:
                        continue
                    a = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
                    if int(a["ApproximateNumberOfMessages"]) == 0:
                        break
                    continue
                for m in msgs:
                    stats["messages"] += 1
                    attrs = m.get("MessageAttributes", {})
                    if not all(k in attrs for k in ("key", "secret", "sdk")):
                        stats["bad_attributes"] += 1
                    body = m["Body"]
                    if not body.endswith("\n\n"):
                        stats["bad_records"] += 1
                    for part in body.split("\n\n"):
                        if not part:
                            continue
                        try:
                            rec = json.loads(part)
                            i = int(rec["id"])
                            tables.add(rec.get("__table"))
                        except Exception:
                            stats["bad_records"] += 1
                            continue
                        stats["records"] += 1
                        if 1 <= i <= expect:
                            if seen[i] == 0:
                                stats["distinct"] += 1
                            seen[i] = min(seen[i] + 1, 255)
                        else:
                            stats["out_of_range"] += 1
                for k in range(0, len(msgs), 10):
                    sqs.delete_message_batch(QueueUrl=queue, Entries=[
                        {"Id": str(j), "ReceiptHandle": m["ReceiptHandle"]} for j, m in enumerate(msgs[k:k + 10])])
                if wait_all and stats["distinct"] >= expect:
                    # Everything arrived; pick up duplicates still in the queue without waiting.
                    wait_all = False
            missing = [i for i in range(1, expect + 1) if seen[i] == 0]
            stats["missing"] = len(missing)
            stats["missing_sample"] = missing[:20]
            stats["tables"] = sorted(t for t in tables if t)
            stats["seconds"] = time.monotonic() - start
            print(json.dumps(stats))
        """#
}
