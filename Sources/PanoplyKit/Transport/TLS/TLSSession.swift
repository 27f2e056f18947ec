import COpenSSL
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// TLS over one connected, blocking socket: the handshake (SNI for host names, the host
/// name or IP address checked against the certificate), then reads and writes that block
/// with the socket's own timeouts.
final class TLSSession {
    private let ssl: OpaquePointer
    /// `host:port` for messages.
    private let peer: String

    /// Shakes hands on `fd` (connected, blocking) for `host`.
    /// - Throws: ``HTTP1Error``: a certificate problem is permanent and names the host and
    ///   the reason; a transport failure during the handshake is retryable.
    init(context: TLSContext, fd: Int32, host: String, port: UInt16) throws {
        guard let ssl = SSL_new(context.ctx) else {
            throw HTTP1Error(description: "cannot set up TLS: \(TLSContext.errorQueue())", permanent: true)
        }
        self.ssl = ssl
        peer = "\(host):\(port)"
        SSL_set_fd(ssl, fd)
        let isIP = HostAddress.isIP(host)
        if !isIP { _ = panoply_ssl_set_sni(ssl, host) }
        if context.verify {
            if isIP {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
            } else {
                SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
                SSL_set1_host(ssl, host)
            }
        }
        ERR_clear_error()
        let rc = SSL_connect(ssl)
        // On failure deinit frees `ssl` (every stored property is set by now).
        if rc != 1 { throw handshakeError(rc) }
    }

    deinit { SSL_free(ssl) }

    private func handshakeError(_ rc: Int32) -> HTTP1Error {
        let verifyResult = SSL_get_verify_result(ssl)
        if verifyResult != Int(X509_V_OK) {
            return HTTP1Error(description: Self.certificateMessage(peer: peer, code: Int32(verifyResult)), permanent: true)
        }
        let err = SSL_get_error(ssl, rc)
        let sysErr = errno
        if err == SSL_ERROR_SYSCALL {
            if sysErr == EAGAIN || sysErr == EWOULDBLOCK { return HTTP1Error(description: "TLS handshake with \(peer) timed out") }
            let why = sysErr == 0 ? "the server closed the connection" : String(cString: strerror(sysErr))
            return HTTP1Error(description: "TLS handshake with \(peer) failed: \(why)")
        }
        // A protocol failure (no common TLS version, not a TLS server, ...): trying again
        // gives the same answer.
        return HTTP1Error(
            description: "TLS handshake with \(peer) failed: \(TLSContext.errorQueue()) (is it an https:// server speaking TLS 1.2 or newer?)",
            permanent: true)
    }

    /// What a failed certificate check means, in the user's words, with OpenSSL's reason.
    static func certificateMessage(peer: String, code: Int32) -> String {
        let reason = String(cString: X509_verify_cert_error_string(Int(code)))
        let hint = "add its CA with --ca-bundle FILE or AWS_CA_BUNDLE"
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "the TLS certificate of \(peer) has expired (\(reason)); the server needs a new certificate"
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "the TLS certificate of \(peer) is not valid yet (\(reason)); check the clocks"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "the TLS certificate of \(peer) is for another host (\(reason)); use the host name the certificate names"
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "the TLS certificate of \(peer) is not trusted (\(reason)); \(hint)"
        default:
            return "the TLS certificate of \(peer) was rejected (\(reason))"
        }
    }

    /// Reads up to `count` bytes: > 0 bytes read, 0 at end of stream.
    /// - Throws: ``HTTP1Error``; `reset` says the peer reset the connection.
    func read(_ into: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
        ERR_clear_error()
        let n = SSL_read(ssl, into, Int32(min(count, Int(Int32.max))))
        if n > 0 { return Int(n) }
        let err = SSL_get_error(ssl, n)
        let sysErr = errno
        switch err {
        case SSL_ERROR_ZERO_RETURN: return 0
        case SSL_ERROR_SYSCALL:
            if sysErr == 0 { return 0 }  // closed without close_notify
            throw systemError(sysErr)
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            throw HTTP1Error(description: "request timed out")
        default:
            throw HTTP1Error(description: "TLS error from \(peer): \(TLSContext.errorQueue())")
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var sent = 0
        while sent < bytes.count {
            ERR_clear_error()
            let n = SSL_write(ssl, bytes.baseAddress! + sent, Int32(min(bytes.count - sent, 1 << 30)))
            if n > 0 { sent += Int(n); continue }
            let err = SSL_get_error(ssl, n)
            let sysErr = errno
            if err == SSL_ERROR_SYSCALL, sysErr != 0 { throw systemError(sysErr) }
            if err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ { throw HTTP1Error(description: "request timed out") }
            throw HTTP1Error(description: "TLS error to \(peer): \(TLSContext.errorQueue())", stale: true, peerClosed: true)
        }
    }

    private func systemError(_ err: Int32) -> HTTP1Error {
        if err == EAGAIN || err == EWOULDBLOCK { return HTTP1Error(description: "request timed out") }
        let closed = err == EPIPE || err == ECONNRESET
        return HTTP1Error(description: "connection lost (\(String(cString: strerror(err))))", stale: closed, peerClosed: closed)
    }
}
