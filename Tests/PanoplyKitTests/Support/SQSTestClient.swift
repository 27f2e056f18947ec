import Foundation
import Testing

@testable import PanoplyKit

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The moto server that scripts/test.sh started (scripts/services/moto.sh), if any.
enum Moto {
    static let url: String? = ProcessInfo.processInfo.environment["PANOPLY_TEST_MOTO_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let skipMessage: Comment = "PANOPLY_TEST_MOTO_URL is not set; run scripts/test.sh, which starts moto_server"
    /// moto wants a signature to route SQS requests; any credentials do.
    static let aws = AWSCredentials(accessKeyId: "AKIDPANOPLYTEST", secretAccessKey: "panoply-test-secret")
}

/// A tiny signed SQS client (AWS JSON 1.0) for creating queues and draining them in tests.
struct SQSTestClient {
    let endpoint: String
    let signer = SigV4Signer(credentials: Moto.aws, region: "us-east-1", service: "sqs")

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Calls `AmazonSQS.<action>` and returns the response object.
    func call(_ action: String, _ params: JSONObject, timeout: TimeInterval = 60) async throws -> JSONObject {
        let url = URL(string: endpoint + "/")!
        let body = Array(JSONWriter.string(.object(params)).utf8)
        let headers = [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "AmazonSQS.\(action)")]
        var req = URLRequest(url: url, timeoutInterval: timeout)
        req.httpMethod = "POST"
        for (k, v) in headers + signer.sign(method: "POST", url: url, headers: headers, body: body, date: Date()) {
            req.setValue(v, forHTTPHeaderField: k)
        }
        req.httpBody = Data(body)
        let (data, response) = try await URLSession.shared.data(for: req)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw Failure(description: "\(action) answered HTTP \(status): \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        return try JSONParser.parse([UInt8](data)).objectValue ?? [:]
    }

    /// Creates a queue and returns its URL on this endpoint.
    func createQueue(_ name: String) async throws -> String {
        _ = try await call("CreateQueue", ["QueueName": .string(name)])
        return "\(endpoint)/123456789012/\(name)"
    }

    func deleteQueue(_ url: String) async {
        _ = try? await call("DeleteQueue", ["QueueUrl": .string(url)])
    }

    /// What a drained queue held.
    struct Drained {
        var messages = 0
        var records = 0
        /// How often each `id` arrived (index = id).
        var seen: [UInt8]
        var attributes: JSONObject?
        var tables: Set<String> = []
        /// The record with id 1, as it arrived.
        var first: JSONValue?

        init(expected: Int) { seen = [UInt8](repeating: 0, count: expected + 1) }

        var missing: Int { seen.dropFirst().filter { $0 == 0 }.count }
        var duplicates: Int { seen.filter { $0 > 1 }.count }
    }

    /// Receives and deletes messages 10 at a time until `expected` records came or the queue is empty.
    func drain(_ queueURL: String, expected: Int, deadline: Duration = .seconds(300)) async throws -> Drained {
        var d = Drained(expected: expected)
        let end = ContinuousClock.now + deadline
        var emptyReceives = 0
        while d.records < expected, emptyReceives < 3, ContinuousClock.now < end {
            let r = try await call(
                "ReceiveMessage",
                [
                    "QueueUrl": .string(queueURL), "MaxNumberOfMessages": 10,
                    "VisibilityTimeout": 600, "MessageAttributeNames": ["All"]
                ])
            let messages = r["Messages"]?.arrayValue ?? []
            if messages.isEmpty { emptyReceives += 1; continue }
            emptyReceives = 0
            var entries: [JSONValue] = []
            for (i, m) in messages.enumerated() {
                try count(m[path: "Body"]?.stringValue ?? "", into: &d)
                d.messages += 1
                if d.attributes == nil { d.attributes = m[path: "MessageAttributes"]?.objectValue }
                entries.append(["Id": .string("e\(i)"), "ReceiptHandle": m[path: "ReceiptHandle"] ?? ""])
            }
            _ = try await call("DeleteMessageBatch", ["QueueUrl": .string(queueURL), "Entries": .array(entries)])
        }
        return d
    }

    private func count(_ body: String, into d: inout Drained) throws {
        var lines = body.components(separatedBy: "\n\n")
        guard lines.removeLast().isEmpty else { throw Failure(description: "a message body does not end with \"\\n\\n\"") }
        for line in lines {
            let record = try JSONParser.parse(line)
            guard let id = record[path: "id"]?.intValue, id >= 1, id < d.seen.count else {
                throw Failure(description: "unexpected record \(line.prefix(200))")
            }
            d.seen[id] = d.seen[id] &+ 1
            if id == 1 { d.first = record }
            d.records += 1
            if let t = record[path: "__table"]?.stringValue { d.tables.insert(t) }
        }
    }
}

/// A 127.0.0.1 TCP port that nothing listens on right now.
func freeLocalPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A unique queue name for one test.
func queueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}
