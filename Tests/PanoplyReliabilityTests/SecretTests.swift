import Foundation
import PanoplyKit
import Testing

@Suite("Secrets stay out of every output", .serialized)
struct SecretTests {
    /// A Panoply key/secret and an AWS secret that are easy to spot.
    static func recognisable() throws -> (PanoplyCredentials, aws: String) {
        let rand = "zq" + UUID().uuidString.prefix(8).lowercased()
        let secret = Data("\(rand)/SECRETUUID-0000-1111-2222-333344445555/123456789012/us-east-1".utf8).base64EncodedString()
        return (try PanoplyCredentials(apiKey: "acct/KEYRANDOMPART42", apiSecret: secret), "AWSSECRETKEY/zzTopSecret+0123456789")
    }

    /// Every secret form that must not appear: the secret, its decoded UUID part, the AWS secret.
    static func needles(_ c: PanoplyCredentials, aws: String) -> [String] {
        [
            c.apiSecret, "SECRETUUID-0000-1111-2222-333344445555", aws,
            aws.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? aws
        ]
    }

    static func files(under dir: URL) -> [URL] {
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)
        return (e?.allObjects as? [URL] ?? []).filter { !$0.hasDirectoryPath }
    }

    static func check(_ outputs: [(String, String)], dir: URL, needles: [String]) throws {
        var all = outputs
        for f in files(under: dir) {
            let text = String(decoding: (try? Data(contentsOf: f)) ?? Data(), as: UTF8.self)
            all.append((f.lastPathComponent, text))
        }
        for (name, text) in all {
            for n in needles { #expect(!text.contains(n), "a secret appears in \(name)") }
        }
    }

    @Test(
        "send and run to a missing queue: errors, events, state and spool files hold no secret",
        .enabled(if: Moto.available, Moto.skipMessage))
    func failingDeliveryShowsNoSecret() throws {
        let (c, aws) = try Self.recognisable()
        let dir = try temporaryDirectory()
        // No queue is created: every send fails with NonExistentQueue.
        let dest = [
            "--endpoint", try Moto.endpoint(), "--api-key", c.apiKey, "--api-secret", c.apiSecret,
            "--aws-access-key-id", "testing", "--aws-secret-access-key", aws, "--shutdown-timeout", "3"
        ]
        let send = try CLI.run(
            ["send", "t", "--spool", dir.appendingPathComponent("spool").path] + dest,
            stdin: ndjson(1...100))
        #expect(send.status == 3, "\(send.stderr)")
        #expect(send.stderr.contains("not delivered"))
        let run = try CLI.run(
            [
                "run", "demo", "--param", "rows=100", "--events", "json",
                "--state", dir.appendingPathComponent("demo.state").path,
                "--spool", dir.appendingPathComponent("spool2").path
            ] + dest)
        #expect(run.status != 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"event\""))
        try Self.check(
            [
                ("send stdout", send.stdout), ("send stderr", send.stderr), ("run stdout", run.stdout),
                ("run stderr", run.stderr)
            ], dir: dir, needles: Self.needles(c, aws: aws))
    }

    @Test("a successful run with --events json and state file holds no secret", .enabled(if: Moto.available, Moto.skipMessage))
    func successfulRunShowsNoSecret() throws {
        let (c, aws) = try Self.recognisable()
        _ = try Moto.createQueue(c.queueName)
        let dir = try temporaryDirectory()
        let r = try CLI.run([
            "run", "demo", "--param", "rows=2000", "--events", "json",
            "--state", dir.appendingPathComponent("demo.state").path,
            "--spool", dir.appendingPathComponent("spool").path,
            "--endpoint", try Moto.endpoint(), "--api-key", c.apiKey, "--api-secret", c.apiSecret,
            "--aws-access-key-id", "testing", "--aws-secret-access-key", aws
        ])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.check([("stdout", r.stdout), ("stderr", r.stderr)], dir: dir, needles: Self.needles(c, aws: aws))
    }

    @Test(
        "credentials from the environment, and malformed ones, are never echoed",
        arguments: [
            "x" + String(repeating: "S3CRET", count: 4) + "*",  // not base64
            Data("only/three/parts-S3CRET".utf8).base64EncodedString()
        ])
    func malformedSecretIsNotEchoed(secret: String) throws {
        let r = try CLI.run(
            ["send", "t"], stdin: Data("{\"id\":1}\n".utf8),
            environment: ["PANOPLY_API_KEY": "acct/rand", "PANOPLY_API_SECRET": secret])
        #expect(r.status == 2)
        #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret))
        #expect(!r.stderr.contains("S3CRET"), "\(r.stderr)")
    }

    @Test("SDK error events and errors thrown by close hold no secret", .enabled(if: Moto.available, Moto.skipMessage))
    func sdkEventsHoldNoSecret() async throws {
        let (c, aws) = try Self.recognisable()
        var config = SDKConfiguration(credentials: c, destination: .endpoint(try Moto.endpoint()))
        config.awsCredentials = AWSCredentials(accessKeyId: "testing", secretAccessKey: aws)
        config.retry = RetryPolicy(maxRetries: 1, base: .milliseconds(10), cap: .milliseconds(10))
        let sdk = try PanoplySDK(config)
        let texts = ErrorTexts()
        sdk.on(.error) { if case .error(let e) = $0 { texts.add("\(e.error) \(e.error.message) \(e)") } }
        for i in 1...10 { try sdk.write("t", ["id": .number(JSONNumber(i))]) }
        do { try await sdk.close(timeout: .seconds(20)) } catch { texts.add("\(error) \(error.localizedDescription)") }
        let all = texts.all
        #expect(!all.isEmpty)
        for n in Self.needles(c, aws: aws) { #expect(!all.contains(n), "a secret appears in an SDK error") }
    }
}

final class ErrorTexts: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    func add(_ s: String) { lock.lock(); texts.append(s); lock.unlock() }
    var all: String { lock.lock(); defer { lock.unlock() }; return texts.joined(separator: "\n") }
}
