import Foundation
import Testing

@testable import PanoplyKit

/// Cases of AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite), with
/// the suite's credentials, time, region and service. Expected values are the suite's own.
struct SigV4SuiteCase: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    let url: String
    var headers: [(String, String)] = []
    var body = ""
    /// The suite's `.creq`, where the test checks it.
    var canonicalRequest: String?
    let signedHeaders: String
    let signature: String

    var testDescription: String { name }

    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let hostAndDate = "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"

    static let all: [SigV4SuiteCase] = [
        .init(
            name: "get-vanilla", method: "GET", url: "https://example.amazonaws.com/",
            canonicalRequest: "GET\n/\n\n\(hostAndDate)\nhost;x-amz-date\n\(emptyHash)",
            signedHeaders: "host;x-amz-date", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        .init(
            name: "get-vanilla-query-order-key-case", method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            canonicalRequest: "GET\n/\nParam1=value1&Param2=value2\n\(hostAndDate)\nhost;x-amz-date\n\(emptyHash)",
            signedHeaders: "host;x-amz-date", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        .init(
            name: "get-vanilla-query-unreserved", method: "GET",
            url:
                "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            signedHeaders: "host;x-amz-date", signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        .init(
            name: "get-utf8", method: "GET", url: "https://example.amazonaws.com/%E1%88%B4",
            canonicalRequest: "GET\n/%E1%88%B4\n\n\(hostAndDate)\nhost;x-amz-date\n\(emptyHash)",
            signedHeaders: "host;x-amz-date", signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        .init(
            name: "get-vanilla-utf8-query", method: "GET", url: "https://example.amazonaws.com/?%E1%88%B4=bar",
            signedHeaders: "host;x-amz-date", signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        .init(
            name: "get-header-key-duplicate", method: "GET", url: "https://example.amazonaws.com/",
            headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            signedHeaders: "host;my-header1;x-amz-date", signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        .init(
            name: "get-header-value-trim", method: "GET", url: "https://example.amazonaws.com/",
            headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n\(emptyHash)",
            signedHeaders: "host;my-header1;my-header2;x-amz-date", signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        .init(
            name: "post-header-key-sort", method: "POST", url: "https://example.amazonaws.com/", headers: [("My-Header1", "value1")],
            signedHeaders: "host;my-header1;x-amz-date", signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        .init(
            name: "post-header-value-case", method: "POST", url: "https://example.amazonaws.com/", headers: [("My-Header1", "VALUE1")],
            signedHeaders: "host;my-header1;x-amz-date", signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        .init(
            name: "post-vanilla", method: "POST", url: "https://example.amazonaws.com/",
            signedHeaders: "host;x-amz-date", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        .init(
            name: "post-vanilla-query", method: "POST", url: "https://example.amazonaws.com/?Param1=value1",
            canonicalRequest: "POST\n/\nParam1=value1\n\(hostAndDate)\nhost;x-amz-date\n\(emptyHash)",
            signedHeaders: "host;x-amz-date", signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        .init(
            name: "post-vanilla-query-nonunreserved", method: "POST",
            url: "https://example.amazonaws.com/?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D",
            signedHeaders: "host;x-amz-date", signature: "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"),
        .init(
            name: "post-x-www-form-urlencoded", method: "POST", url: "https://example.amazonaws.com/",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
            canonicalRequest:
                "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n\(hostAndDate)\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            signedHeaders: "content-type;host;x-amz-date", signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        .init(
            name: "post-x-www-form-urlencoded-parameters", method: "POST", url: "https://example.amazonaws.com/",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf8")], body: "Param1=value1",
            signedHeaders: "content-type;host;x-amz-date", signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe")
    ]
}

@Suite("SigV4 against AWS's test suite")
struct SigV4SuiteTests {
    static let signer = SigV4Signer(
        credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    /// 20150830T123600Z
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    @Test("the Authorization header matches the suite", arguments: SigV4SuiteCase.all)
    func authorization(_ c: SigV4SuiteCase) throws {
        let url = try #require(URL(string: c.url))
        let added = Self.signer.sign(
            method: c.method, url: url, headers: [("Host", "example.amazonaws.com")] + c.headers,
            body: Array(c.body.utf8), date: Self.date)
        #expect(added.first { $0.0 == "X-Amz-Date" }?.1 == "20150830T123600Z")
        let expected =
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(c.signedHeaders), Signature=\(c.signature)"
        #expect(added.first { $0.0 == "Authorization" }?.1 == expected)
    }

    @Test(
        "the canonical request matches the suite's .creq",
        arguments: SigV4SuiteCase.all.filter { $0.canonicalRequest != nil })
    func canonicalRequest(_ c: SigV4SuiteCase) throws {
        let url = try #require(URL(string: c.url))
        let headers = [("Host", "example.amazonaws.com")] + c.headers + [("X-Amz-Date", "20150830T123600Z")]
        let creq = Self.signer.canonicalRequest(method: c.method, url: url, headers: headers, body: Array(c.body.utf8))
        #expect(creq.request == c.canonicalRequest)
        #expect(creq.signedHeaders == c.signedHeaders)
    }

    @Test("the Host header comes from the URL and keeps a non-default port")
    func hostFromURL() {
        #expect(SigV4Signer.hostHeader(URL(string: "http://127.0.0.1:9324/1/q")!) == "127.0.0.1:9324")
        #expect(SigV4Signer.hostHeader(URL(string: "https://sqs.us-east-1.amazonaws.com:443/1/q")!) == "sqs.us-east-1.amazonaws.com")
        #expect(SigV4Signer.hostHeader(URL(string: "http://localhost:80/")!) == "localhost")
    }

    @Test("dot segments are removed from the canonical path")
    func pathNormalization() {
        #expect(SigV4Signer.canonicalPath(URL(string: "https://example.amazonaws.com/example1/example2/../..")!) == "/")
        #expect(SigV4Signer.canonicalPath(URL(string: "https://example.amazonaws.com/./")!) == "/")
        #expect(SigV4Signer.canonicalPath(URL(string: "https://example.amazonaws.com/123/sdk-acme-r")!) == "/123/sdk-acme-r")
    }
}
