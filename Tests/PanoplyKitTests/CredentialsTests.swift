import Foundation
import Testing

@testable import PanoplyKit

@Suite("Credentials and queue URLs")
struct CredentialsTests {
    @Test("a key and secret decode to the parts that name the queue")
    func decodes() throws {
        let c = try PanoplyCredentials(apiKey: Fixture.apiKey, apiSecret: Fixture.apiSecret)
        #expect((c.account, c.rand2, c.awsAccount, c.region) == ("acme", "rnd2abc", "123456789012", "us-east-1"))
        #expect(c.queueName == "sdk-acme-rnd2abc")
        #expect(c.queueURL == "https://sqs.us-east-1.amazonaws.com/123456789012/sdk-acme-rnd2abc")
        #expect(c.maskedKey == "acme/****")
    }

    @Test("surrounding whitespace is ignored")
    func trims() throws {
        let c = try PanoplyCredentials(apiKey: " \(Fixture.apiKey)\n", apiSecret: "\t\(Fixture.apiSecret) ")
        #expect(c.apiKey == Fixture.apiKey)
        #expect(c.apiSecret == Fixture.apiSecret)
    }

    static let goodSecret = Fixture.base64("rnd2/uuid-1/123456789012/eu-west-1")

    @Test(
        "each malformed key or secret is an error naming the problem",
        arguments: [
            ("", goodSecret, "apiKey is empty"),
            ("acme", goodSecret, "apiKey must look like ACCOUNT/RAND with exactly one '/' (it has 0)"),
            ("acme/r1/x", goodSecret, "apiKey must look like ACCOUNT/RAND with exactly one '/' (it has 2)"),
            ("/r1key", goodSecret, "apiKey has an empty ACCOUNT part before '/'"),
            ("acme/", goodSecret, "apiKey has an empty part after '/'"),
            ("acme/r1key", "", "apiSecret is empty"),
            ("acme/r1key", "not*base64!", "apiSecret is not valid base64 (check for missing '=' padding)"),
            ("acme/r1key", "!!!!", "apiSecret is not valid base64 (it contains characters outside A-Z a-z 0-9 + / =)"),
            (
                "acme/r1key", String(goodSecret.drop { _ in false }.dropLast(goodSecret.hasSuffix("==") ? 2 : 1)),
                "apiSecret is not valid base64 (check for missing '=' padding)"
            ),
            ("acme/r1key", Fixture.base64("rnd2/uuid/123456789012"), "apiSecret decodes to 3 '/'-separated parts; expected 4 (RAND/UUID/AWSACCOUNT/REGION)"),
            ("acme/r1key", Fixture.base64("a/b/c/d/e"), "apiSecret decodes to 5 '/'-separated parts; expected 4"),
            ("acme/r1key", Fixture.base64("just-one-part"), "apiSecret decodes to 1 '/'-separated parts; expected 4"),
            ("acme/r1key", Fixture.base64("/uuid/123/us-east-1"), "apiSecret has an empty RAND part"),
            ("acme/r1key", Fixture.base64("rnd//123/us-east-1"), "apiSecret has an empty UUID part"),
            ("acme/r1key", Fixture.base64("rnd/uuid//us-east-1"), "apiSecret has an empty AWSACCOUNT part"),
            ("acme/r1key", Fixture.base64("rnd/uuid/123/"), "apiSecret has an empty REGION part"),
            ("acme/r1key", Data([0xFF, 0xFE, 0x2F, 0x80]).base64EncodedString(), "apiSecret does not decode to UTF-8 text")
        ])
    func malformed(key: String, secret: String, message: String) throws {
        let error = try #require(throws: PanoplyError.self) { try PanoplyCredentials(apiKey: key, apiSecret: secret) }
        #expect(error.message.hasPrefix(message), "got: \(error.message)")
        #expect(error.category == .config)
        #expect(!error.message.contains(secret) || secret.isEmpty, "the secret is never echoed")
    }

    @Test("the SDK's original constructor rejects malformed credentials at construction")
    func constructorValidates() {
        #expect(throws: PanoplyError.self) { try PanoplySDK(apiKey: "acme", apiSecret: Fixture.apiSecret) }
    }

    @Test("an endpoint override keeps the queue path; trailing slashes are dropped")
    func endpointOverride() throws {
        let c = Fixture.credentials
        #expect(c.queueURL(endpoint: "http://127.0.0.1:4566") == "http://127.0.0.1:4566/123456789012/sdk-acme-rnd2abc")
        #expect(c.queueURL(endpoint: "http://127.0.0.1:4566//") == "http://127.0.0.1:4566/123456789012/sdk-acme-rnd2abc")
    }

    @Test("the destination resolves to the queue URL the SDK posts to")
    func destinations() throws {
        func url(_ d: Destination, _ c: PanoplyCredentials? = Fixture.credentials) throws -> String? {
            try SDKConfiguration(credentials: c, destination: d).validatedQueueURL()
        }
        #expect(try url(.panoply) == "https://sqs.us-east-1.amazonaws.com/123456789012/sdk-acme-rnd2abc")
        #expect(try url(.endpoint("http://localhost:9324/")) == "http://localhost:9324/123456789012/sdk-acme-rnd2abc")
        #expect(try url(.queueURL("http://127.0.0.1:5000/000000000000/q1"), nil) == "http://127.0.0.1:5000/000000000000/q1")
        #expect(try url(.outbox("/tmp/x"), nil) == nil)
    }

    @Test(
        "destination settings that cannot work are errors naming the setting",
        arguments: [
            (Destination.panoply, false, "Panoply destination needs an API key and secret"),
            (.endpoint("http://127.0.0.1:1"), false, "--endpoint needs an API key and secret"),
            (.endpoint("ftp://x"), true, "endpoint 'ftp://x' is not an http(s) URL"),
            (.queueURL("not a url"), false, "queue URL 'not a url' is not an http(s) URL")
        ])
    func badDestinations(_ d: Destination, _ withCredentials: Bool, _ message: String) throws {
        let config = SDKConfiguration(credentials: withCredentials ? Fixture.credentials : nil, destination: d)
        let error = try #require(throws: PanoplyError.self) { try config.validatedQueueURL() }
        #expect(error.message.hasPrefix(message), "got: \(error.message)")
    }

    @Test("size and concurrency limits are checked")
    func limits() throws {
        var c = Fixture.config()
        c.maxMessageBytes = 2_000_000
        #expect(throws: PanoplyError.self) { try c.validatedQueueURL() }
        c.maxMessageBytes = 1_048_576
        c.concurrency = 0
        #expect(throws: PanoplyError.self) { try c.validatedQueueURL() }
    }

    @Test("SQS regions come from the queue host")
    func regions() {
        #expect(SQSTransport.region(of: URL(string: "https://sqs.eu-west-1.amazonaws.com/1/q")!) == "eu-west-1")
        #expect(SQSTransport.region(of: URL(string: "https://ap-south-1.queue.amazonaws.com/1/q")!) == "ap-south-1")
        #expect(SQSTransport.region(of: URL(string: "http://127.0.0.1:5000/1/q")!) == nil)
    }
}
