import PanoplyKit
import PostgresNIO

/// libpq's `sslmode` and `sslrootcert` as postgres-nio TLS settings, and TLS failures in
/// words a user can act on.
package enum PostgresTLS {
    /// - `disable`: plain TCP. `prefer`: TLS when the server offers it, nothing checked.
    /// - `require`: TLS or fail, nothing checked (as libpq, unless `sslrootcert` is given:
    ///   then the chain is checked, as libpq does when a root file exists).
    /// - `verify-ca`: TLS, the chain checked against `sslrootcert` (else the system store).
    /// - `verify-full`: also the host name (or IP address) against the certificate.
    package static func configuration(sslmode: String, rootCertificates: String?) throws -> PostgresConnection.Configuration.TLS {
        if sslmode == "disable" { return .disable }
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        switch sslmode {
        case "verify-full": config.certificateVerification = .fullVerification
        case "verify-ca": config.certificateVerification = .noHostnameVerification
        case "require" where rootCertificates != nil: config.certificateVerification = .noHostnameVerification
        default: config.certificateVerification = .none
        }
        if let rootCertificates, config.certificateVerification != .none {
            config.trustRoots = .file(rootCertificates)
        }
        let context = try NIOSSLContext(configuration: config)
        return sslmode == "prefer" ? .prefer(context) : .require(context)
    }

    /// A certificate or handshake failure as a config error naming the host and the cause;
    /// nil when `error` is no TLS failure.
    package static func describe(_ error: any Error, host: String, port: Int, sslmode: String) -> PanoplyError? {
        let underlying = (error as? PSQLError)?.underlying ?? error
        let server = "PostgreSQL at \(host):\(port)"
        if let e = underlying as? NIOSSLExtraError, e == .failedToValidateHostname {
            return PanoplyError(
                .config,
                "the TLS certificate of \(server) is for another host (sslmode=\(sslmode) checks the host name); connect by a name the certificate lists, or use sslmode=verify-ca",
                retryable: false)
        }
        guard let e = underlying as? NIOSSLError else { return nil }
        let text = "\(e)"
        if case .handshakeFailed = e {
            let reason =
                text.contains("CERTIFICATE_VERIFY_FAILED") || text.lowercased().contains("certificate")
                ? "the server's certificate is not trusted (give its CA with sslrootcert, or use sslmode=require to skip the check)"
                : "the TLS handshake failed"
            return PanoplyError(.config, "\(reason): \(server) (\(text.prefix(200)))", retryable: false)
        }
        return PanoplyError(.config, "TLS with \(server) failed: \(text.prefix(200))", retryable: false)
    }
}
