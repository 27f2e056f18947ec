import Foundation
import Testing

@testable import PanoplyKit

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Signs the same request with botocore's SigV4Auth (python3 + boto3, installed by scripts/test.sh).
enum Botocore {
    static let available: Bool = (try? run(["-c", "import botocore.auth"], input: Data()))?.status == 0

    static let signScript = #"""
        import base64, datetime, json, sys
        import botocore.auth
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        d = json.load(sys.stdin)
        when = datetime.datetime.fromtimestamp(d["time"], tz=datetime.timezone.utc)
        if hasattr(botocore.auth, "get_current_datetime"):
            botocore.auth.get_current_datetime = lambda *a, **k: when
        else:  # older botocore reads datetime.datetime.utcnow()
            import unittest.mock
            fake = unittest.mock.MagicMock(wraps=datetime.datetime)
            fake.utcnow.return_value = when.replace(tzinfo=None)
            botocore.auth.datetime = unittest.mock.MagicMock(datetime=fake)
        request = AWSRequest(method=d["method"], url=d["url"], data=base64.b64decode(d["body"]), headers=d["headers"])
        creds = Credentials(d["key"], d["secret"], d.get("token"))
        SigV4Auth(creds, d["service"], d["region"]).add_auth(request)
        print(json.dumps({k: v for k, v in request.headers.items()}))
        """#

    static func run(_ args: [String], input: Data) throws -> (status: Int32, output: Data, error: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, out, String(decoding: err, as: UTF8.self))
    }

    /// botocore's headers for the request, signed at `date`.
    static func sign(_ req: URLRequest, credentials: AWSCredentials, region: String, date: Date) throws -> [String: String] {
        var headers = req.allHTTPHeaderFields ?? [:]
        headers = headers.filter { !["authorization", "x-amz-date", "x-amz-security-token"].contains($0.key.lowercased()) }
        if let token = credentials.sessionToken { headers["X-Amz-Security-Token"] = token }
        var input: JSONObject = [
            "method": .string(req.httpMethod ?? "POST"), "url": .string(req.url!.absoluteString),
            "body": .string((req.httpBody ?? Data()).base64EncodedString()),
            "headers": .object(JSONObject(headers.map { ($0.key, JSONValue.string($0.value)) })),
            "key": .string(credentials.accessKeyId), "secret": .string(credentials.secretAccessKey),
            "service": "sqs", "region": .string(region), "time": .number(JSONNumber(date.timeIntervalSince1970))
        ]
        if let token = credentials.sessionToken { input["token"] = .string(token) }
        let r = try run(["-c", signScript], input: Data(JSONWriter.string(.object(input)).utf8))
        guard r.status == 0 else { throw PanoplyError(.internal, "python3 botocore signer failed: \(r.error)") }
        let parsed = try JSONParser.parse([UInt8](r.output))
        return Dictionary(uniqueKeysWithValues: (parsed.objectValue ?? [:]).map { ($0.0, $0.1.stringValue ?? "") })
    }
}

@Suite("SigV4 against botocore", .enabled(if: Botocore.available, "python3 with boto3 is not installed (scripts/test.sh installs it)"))
struct SigV4BotocoreTests {
    static let date = Date(timeIntervalSince1970: 1_767_225_600 + 3_723)  // 2026-01-01T01:02:03Z

    static func message(_ n: UInt64) -> OutgoingMessage {
        let body = Array("{\"id\":\(n),\"s\":\"a+b&c=d %e ü 😀 /?#\",\"__table\":\"t\"}\n\n".utf8)
        return OutgoingMessage(number: n, body: body, recordCount: 1, firstRecord: n, lastRecord: n)
    }

    @Test(
        "a signed request matches botocore's SigV4Auth",
        arguments: [
            (SQSProtocol.query, 1, nil), (.query, 3, nil), (.json, 1, nil), (.json, 2, "FQoGZXIvYXdzEXAMPLE/token+==")
        ] as [(SQSProtocol, Int, String?)])
    func matchesBotocore(_ proto: SQSProtocol, _ count: Int, _ token: String?) throws {
        let creds = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: token)
        let transport = try SQSTransport(
            queueURL: URL(string: "http://127.0.0.1:9324/123456789012/sdk-acme-rnd2abc")!, sqsProtocol: proto,
            attributes: SDKConfiguration(credentials: Fixture.credentials).attributes,
            awsCredentials: creds, region: "eu-west-1", concurrency: 1, useBatch: true)
        let req = transport.request(for: (1...UInt64(count)).map(Self.message), date: Self.date)
        let ours = try #require(req.value(forHTTPHeaderField: "Authorization"))
        #expect(ours.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/sqs/aws4_request, "))
        #expect(req.value(forHTTPHeaderField: "X-Amz-Date") == "20260101T010203Z")
        #expect(req.value(forHTTPHeaderField: "X-Amz-Security-Token") == token)

        let theirs = try Botocore.sign(req, credentials: creds, region: "eu-west-1", date: Self.date)
        #expect(theirs["Authorization"] == ours)
        #expect(theirs["X-Amz-Date"] == "20260101T010203Z")
    }

    @Test("an unsigned transport sends no Authorization header, as the original SDK")
    func unsigned() throws {
        let transport = try SQSTransport(
            queueURL: URL(string: "https://sqs.us-east-1.amazonaws.com/1/q")!, sqsProtocol: .query,
            attributes: [], awsCredentials: nil, region: nil, concurrency: 1, useBatch: true)
        let req = transport.request(for: [Self.message(1)])
        #expect(req.value(forHTTPHeaderField: "Authorization") == nil)
        #expect(req.value(forHTTPHeaderField: "Content-Type") == "application/x-www-form-urlencoded")
    }
}
