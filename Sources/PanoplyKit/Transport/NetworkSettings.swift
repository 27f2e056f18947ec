import Foundation

/// How the transport reaches `https://` and `http://` queues: which certificates it trusts
/// and which proxy it goes through. The defaults follow the AWS tools' conventions.
public struct NetworkSettings: Sendable, Equatable {
    /// Extra PEM files of trusted CA certificates, added to the system store
    /// (`AWS_CA_BUNDLE`, `--ca-bundle FILE`). `SSL_CERT_FILE` and `SSL_CERT_DIR` replace
    /// the system store itself, as OpenSSL defines them.
    public var caBundles: [String]
    /// Verify server certificates (chain and host name). Off only for `--no-verify-ssl`.
    public var verifyCertificates: Bool
    /// The proxies to use, or none.
    public var proxy: ProxySettings

    /// - Parameters:
    ///   - caBundles: extra trusted CA files (PEM).
    ///   - verifyCertificates: false turns certificate checks off (insecure).
    ///   - proxy: the proxies to use.
    public init(caBundles: [String] = [], verifyCertificates: Bool = true, proxy: ProxySettings = ProxySettings()) {
        self.caBundles = caBundles
        self.verifyCertificates = verifyCertificates
        self.proxy = proxy
    }

    /// `AWS_CA_BUNDLE`, `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their lower-case
    /// forms) from `environment`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> NetworkSettings {
        let bundle = environment["AWS_CA_BUNDLE"].flatMap { $0.isEmpty ? nil : $0 }
        return NetworkSettings(caBundles: bundle.map { [$0] } ?? [], proxy: ProxySettings.fromEnvironment(environment))
    }
}
