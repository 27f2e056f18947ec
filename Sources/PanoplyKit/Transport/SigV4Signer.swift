import Crypto
import Foundation

/// AWS Signature Version 4 for requests with a body held in memory.
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String = "sqs") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add to a request: `X-Amz-Date`, `X-Amz-Security-Token` when there is a
    /// session token, and `Authorization`.
    /// - Parameters:
    ///   - method: HTTP method, e.g. `POST`.
    ///   - url: the full request URL (path and query are signed).
    ///   - headers: the headers that will be sent; `Host` is added from `url` when absent.
    ///   - body: the exact body bytes.
    ///   - date: the signing time.
    public func sign(method: String, url: URL, headers: [(String, String)], body: [UInt8], date: Date) -> [(String, String)] {
        sign(method: method, url: url, headers: headers, payloadHash: Self.payloadHash(body), date: date)
    }

    /// As above, with the body given by its hex SHA-256 (``payloadHash(_:)``), so a body
    /// held in any contiguous form is hashed once and never copied.
    func sign(method: String, url: URL, headers: [(String, String)], payloadHash: String, date: Date) -> [(String, String)] {
        let amzDate = Self.amzDate(date)
        let day = String(amzDate.prefix(8))
        var all = headers
        if !all.contains(where: { $0.0.lowercased() == "host" }) {
            all.append(("Host", Self.hostHeader(url)))
        }
        var added = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        all += added
        let canonical = canonicalRequest(method: method, url: url, headers: all, payloadHash: payloadHash)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Self.hex(SHA256.hash(data: Array(canonical.request.utf8))))"
        let signature = Self.hex(
            signingKey(day: day).withUnsafeBytes { key in
                HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: SymmetricKey(data: key))
            })
        let auth = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return added + [("Authorization", auth)]
    }

    /// The canonical request (exposed for tests against the AWS test suite).
    public func canonicalRequest(method: String, url: URL, headers: [(String, String)], body: [UInt8]) -> (request: String, signedHeaders: String) {
        canonicalRequest(method: method, url: url, headers: headers, payloadHash: Self.payloadHash(body))
    }

    /// The hex SHA-256 of a request body, as SigV4 signs it.
    static func payloadHash<D: DataProtocol>(_ body: D) -> String {
        hex(SHA256.hash(data: body))
    }

    func canonicalRequest(method: String, url: URL, headers: [(String, String)], payloadHash: String) -> (request: String, signedHeaders: String) {
        var grouped: [String: [String]] = [:]
        for (name, value) in headers {
            grouped[name.lowercased(), default: []].append(Self.trimHeaderValue(value))
        }
        let names = grouped.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        let request = [method.uppercased(), Self.canonicalPath(url), Self.canonicalQuery(url), canonicalHeaders, signed, payloadHash]
            .joined(separator: "\n")
        return (request, signed)
    }

    private func signingKey(day: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ s: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(s.utf8), using: key)))
        }
        var k = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] { k = hmac(k, part) }
        return k
    }

    static func hostHeader(_ url: URL) -> String {
        var host = url.host ?? ""
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }  // an IPv6 literal
        if let port = url.port, !(url.scheme == "https" && port == 443), !(url.scheme == "http" && port == 80) {
            return "\(host):\(port)"
        }
        return host
    }

    static func canonicalPath(_ url: URL) -> String {
        let path = url.path
        if path.isEmpty { return "/" }
        var segments: [String] = []
        for s in path.split(separator: "/", omittingEmptySubsequences: true) {
            if s == "." { continue }
            if s == ".." { _ = segments.popLast(); continue }
            segments.append(String(s))
        }
        var out = "/" + segments.map { String(decoding: PercentEncoding.encode(Array($0.utf8)), as: UTF8.self) }.joined(separator: "/")
        if path.hasSuffix("/"), out != "/" { out += "/" }
        return out
    }

    static func canonicalQuery(_ url: URL) -> String {
        guard let comps = URLComponents(url: url, resolvingAgainstBaseURL: false), let items = comps.percentEncodedQueryItems else { return "" }
        func enc(_ s: String) -> String {
            let raw = s.removingPercentEncoding ?? s
            return String(decoding: PercentEncoding.encode(Array(raw.utf8)), as: UTF8.self)
        }
        let pairs: [(String, String)] = items.map { (enc($0.name), enc($0.value ?? "")) }
        let sorted = pairs.sorted { (a: (String, String), b: (String, String)) -> Bool in
            a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
        }
        return sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    static func trimHeaderValue(_ v: String) -> String {
        v.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    static func amzDate(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func p(_ v: Int?, _ w: Int) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(c.year, 4))\(p(c.month, 2))\(p(c.day, 2))T\(p(c.hour, 2))\(p(c.minute, 2))\(p(c.second, 2))Z"
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let chars = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out.append(chars[Int(b >> 4)]); out.append(chars[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
