import Foundation

/// Forward proxies, as curl and the AWS SDKs read them from `HTTPS_PROXY`, `HTTP_PROXY`
/// and `NO_PROXY`. `https://` goes through the proxy with `CONNECT`; `http://` as an
/// absolute-form request.
public struct ProxySettings: Sendable, Equatable {
    /// The proxy for `https://` URLs.
    public var httpsProxy: URL?
    /// The proxy for `http://` URLs.
    public var httpProxy: URL?
    /// Hosts reached directly: `*`, a host name (also matching its subdomains), `.domain`,
    /// or an IP address; an entry may end in `:port`.
    public var noProxy: [String]

    /// - Parameters:
    ///   - httpsProxy: the proxy for `https://`.
    ///   - httpProxy: the proxy for `http://`.
    ///   - noProxy: hosts that bypass the proxies.
    public init(httpsProxy: URL? = nil, httpProxy: URL? = nil, noProxy: [String] = []) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
    }

    /// The settings in `environment` (upper- or lower-case names; lower case wins, as in curl).
    public static func fromEnvironment(_ environment: [String: String]) -> ProxySettings {
        func value(_ name: String) -> String? {
            let v = environment[name.lowercased()] ?? environment[name]
            return v.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        func url(_ s: String?) -> URL? {
            guard let s else { return nil }
            return URL(string: s.contains("://") ? s : "http://\(s)")
        }
        let no = (value("NO_PROXY") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return ProxySettings(httpsProxy: url(value("HTTPS_PROXY")), httpProxy: url(value("HTTP_PROXY")), noProxy: no)
    }

    /// The proxy to use for `scheme://host:port`, or nil to connect directly.
    public func proxy(scheme: String, host: String, port: Int) -> URL? {
        guard let proxy = scheme.lowercased() == "https" ? httpsProxy : httpProxy else { return nil }
        return bypasses(host: host, port: port) ? nil : proxy
    }

    /// Whether `NO_PROXY` names `host` (and `port`, when the entry has one).
    public func bypasses(host: String, port: Int) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return noProxy.contains { entry in
            var e = entry.lowercased()
            if e == "*" { return true }
            if let colon = e.lastIndex(of: ":"), !e.hasSuffix("]"), e.filter({ $0 == ":" }).count == 1 {
                guard Int(e[e.index(after: colon)...]) == port else { return false }
                e = String(e[..<colon])
            }
            e = e.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if e.hasPrefix(".") { e.removeFirst() }
            return h == e || h.hasSuffix("." + e)
        }
    }
}
