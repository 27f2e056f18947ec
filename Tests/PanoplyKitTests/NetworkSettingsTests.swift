import Foundation
import Testing

@testable import PanoplyKit

@Suite("Network settings")
struct NetworkSettingsTests {
    @Test("HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read in either case; lower case wins, as in curl")
    func fromEnvironment() {
        let p = ProxySettings.fromEnvironment([
            "HTTPS_PROXY": "http://upper:3128", "https_proxy": "lower:8080",
            "HTTP_PROXY": "http://plain:80", "NO_PROXY": "localhost, .internal,10.0.0.7:8443"
        ])
        #expect(p.httpsProxy?.absoluteString == "http://lower:8080")
        #expect(p.httpProxy?.absoluteString == "http://plain:80")
        #expect(p.noProxy == ["localhost", ".internal", "10.0.0.7:8443"])
    }

    @Test(
        "NO_PROXY matches hosts, their subdomains, dotted domains, IP addresses and ports",
        arguments: [
            ("localhost", 443, true), ("api.localhost", 443, true), ("sqs.internal", 443, true), ("internal", 443, true),
            ("notinternal", 443, false), ("10.0.0.7", 8443, true), ("10.0.0.7", 443, false), ("sqs.us-east-1.amazonaws.com", 443, false)
        ])
    func noProxy(_ host: String, _ port: Int, _ bypassed: Bool) {
        let p = ProxySettings(httpsProxy: URL(string: "http://proxy:3128"), noProxy: ["localhost", ".internal", "10.0.0.7:8443"])
        #expect(p.bypasses(host: host, port: port) == bypassed)
        #expect((p.proxy(scheme: "https", host: host, port: port) == nil) == bypassed)
    }

    @Test("NO_PROXY=* bypasses every host; no proxy for a scheme means direct")
    func starAndScheme() {
        let p = ProxySettings(httpsProxy: URL(string: "http://proxy:3128"), noProxy: ["*"])
        #expect(p.proxy(scheme: "https", host: "example.com", port: 443) == nil)
        let q = ProxySettings(httpsProxy: URL(string: "http://proxy:3128"))
        #expect(q.proxy(scheme: "http", host: "example.com", port: 80) == nil)
        #expect(q.proxy(scheme: "https", host: "example.com", port: 443)?.host == "proxy")
    }

    @Test("AWS_CA_BUNDLE adds a trusted CA file; certificates are verified by default")
    func caBundle() {
        let n = NetworkSettings.fromEnvironment(["AWS_CA_BUNDLE": "/etc/corp-ca.pem"])
        #expect(n.caBundles == ["/etc/corp-ca.pem"])
        #expect(n.verifyCertificates)
        #expect(NetworkSettings.fromEnvironment([:]).caBundles.isEmpty)
    }

    @Test("a proxy URL with a user sends Basic credentials")
    func proxyCredentials() throws {
        let p = try #require(HTTP1Proxy(url: URL(string: "http://me:p%40ss@proxy.corp:3128")!))
        #expect(p.host == "proxy.corp" && p.port == 3128)
        #expect(p.authorization == "Basic " + Data("me:p@ss".utf8).base64EncodedString())
    }

    @Test("the protocol is JSON with AWS credentials and Query without, unless chosen")
    func protocolDefault() {
        var c = SDKConfiguration(credentials: Fixture.credentials)
        #expect(c.sqsProtocol == .query)
        c.awsCredentials = AWSCredentials(accessKeyId: "a", secretAccessKey: "b")
        #expect(c.sqsProtocol == .json)
        c.sqsProtocol = .query
        #expect(c.sqsProtocol == .query)
        c.awsCredentials = nil
        c.sqsProtocol = .json
        #expect(c.sqsProtocol == .json)
    }

    @Test("a CA bundle that cannot be read is a config error naming the file, at construction")
    func unreadableBundle() {
        let e = panoplyError {
            _ = try SQSTransport(
                queueURL: URL(string: "https://127.0.0.1:1/1/q")!, sqsProtocol: .json, attributes: [], awsCredentials: nil,
                region: nil, concurrency: 1, useBatch: true, network: NetworkSettings(caBundles: ["/nonexistent/ca.pem"]))
        }
        #expect(e?.category == .config)
        #expect(e?.message.contains("/nonexistent/ca.pem") == true, "\(String(describing: e))")
    }

    @Test(
        "certificate failures name the host and say what to do",
        arguments: [
            (Int32(10), "has expired"), (Int32(62), "is for another host"), (Int32(64), "is for another host"),
            (Int32(19), "is not trusted"), (Int32(20), "--ca-bundle")
        ])
    func certificateMessages(_ code: Int32, _ phrase: String) {
        let m = TLSSession.certificateMessage(peer: "sqs.example:443", code: code)
        #expect(m.contains("sqs.example:443") && m.contains(phrase), "\(m)")
    }
}
