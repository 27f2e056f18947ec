import Foundation
import PanoplyKit
import Testing

/// `panoply send` to an https:// queue: nginx terminating TLS (a throwaway CA) in front of moto.
@Suite("TLS to SQS", .serialized, .enabled(if: TLSFixture.available, TLSFixture.skipMessage))
struct TLSTests {
    /// Sends `count` records to a fresh queue behind `origin`; returns the exit and the moto queue.
    func send(_ count: Int, origin: String, extra: [String] = [], environment: [String: String] = [:]) throws -> (Child.Exit, String) {
        let creds = try Moto.credentials()
        let queue = try Moto.createQueue(creds.queueName)
        let url = TLSFixture.queueURL(queue, origin: origin)
        let r = try CLI.run(
            ["send", "t"] + destinationArgs(creds, queueURL: url) + extra, stdin: ndjson(1...count),
            environment: environment)
        return (r, queue)
    }

    @Test("100,000 records over https with the CA from AWS_CA_BUNDLE arrive whole")
    func hundredThousandOverTLS() throws {
        let (r, queue) = try send(
            100_000, origin: try TLSFixture.origin("PANOPLY_TEST_TLS_URL"),
            environment: ["AWS_CA_BUNDLE": TLSFixture.caFile])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(summaryRecords(r.stdout) == 100_000)
        let d = try Moto.drain(queue, expect: 100_000)
        #expect(d.isComplete(100_000), "\(d)")
        #expect(d.duplicates == 0)
    }

    @Test("--ca-bundle FILE trusts the CA as AWS_CA_BUNDLE does")
    func caBundleOption() throws {
        let (r, queue) = try send(500, origin: try TLSFixture.origin("PANOPLY_TEST_TLS_URL"), extra: ["--ca-bundle", TLSFixture.caFile])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Moto.drain(queue, expect: 500).isComplete(500))
    }

    @Test(
        "a certificate problem fails fast, names the host and the cause, and is not retried",
        arguments: [
            ("PANOPLY_TEST_TLS_URL", false, "is not trusted"),
            ("PANOPLY_TEST_TLS_WRONGHOST_URL", true, "is for another host"),
            ("PANOPLY_TEST_TLS_EXPIRED_URL", true, "has expired")
        ])
    func certificateProblems(_ origin: String, _ withCA: Bool, _ cause: String) throws {
        let o = try TLSFixture.origin(origin)
        let (r, _) = try send(50, origin: o, environment: withCA ? ["AWS_CA_BUNDLE": TLSFixture.caFile] : ["AWS_CA_BUNDLE": ""])
        #expect(r.status == 3, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains(cause), "\(r.stderr)")
        #expect(r.stderr.contains(URLComponents(string: o)!.host! + ":\(URLComponents(string: o)!.port!)"), "\(r.stderr)")
        #expect(r.stdout.contains("retries=0"), "\(r.stdout)")
        #expect(r.seconds < 20, "took \(r.seconds) s")
    }

    @Test("--no-verify-ssl sends to an untrusted server and warns that it is on")
    func noVerify() throws {
        let (r, queue) = try send(100, origin: try TLSFixture.origin("PANOPLY_TEST_TLS_EXPIRED_URL"), extra: ["--no-verify-ssl"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: --no-verify-ssl"), "\(r.stderr)")
        #expect(try Moto.drain(queue, expect: 100).isComplete(100))
    }

    @Test("a CA bundle that does not exist is a usage error naming the file")
    func missingBundle() throws {
        let (r, _) = try send(1, origin: try TLSFixture.origin("PANOPLY_TEST_TLS_URL"), extra: ["--ca-bundle", "/nonexistent/ca.pem"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent/ca.pem"), "\(r.stderr)")
    }

    @Test("HTTPS_PROXY carries the records through a CONNECT tunnel; NO_PROXY bypasses it")
    func proxy() throws {
        let proxy = try ConnectProxy()
        let origin = try TLSFixture.origin("PANOPLY_TEST_TLS_URL")
        let via = ["AWS_CA_BUNDLE": TLSFixture.caFile, "HTTPS_PROXY": proxy.url, "NO_PROXY": ""]
        let (r, queue) = try send(2_000, origin: origin, extra: ["--concurrency", "2"], environment: via)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Moto.drain(queue, expect: 2_000).isComplete(2_000))
        let host = String(origin.dropFirst("https://".count))
        let tunnels = proxy.tunnels
        #expect(!tunnels.isEmpty && tunnels.allSatisfy { $0 == "CONNECT \(host)" }, "\(tunnels)")

        var bypass = via
        bypass["NO_PROXY"] = "localhost,127.0.0.1"
        let (r2, queue2) = try send(2_000, origin: origin, environment: bypass)
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(try Moto.drain(queue2, expect: 2_000).isComplete(2_000))
        #expect(proxy.tunnels.count == tunnels.count, "NO_PROXY did not bypass the proxy: \(proxy.tunnels)")
    }
}
