import COpenSSL
import Foundation

/// One OpenSSL `SSL_CTX` for a client: TLS 1.2 or newer, the system trust store plus any
/// extra CA files, peer verification on unless turned off. Shared by every connection of
/// an ``HTTP1Client`` (OpenSSL allows that once it is set up).
final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    let verify: Bool

    /// - Throws: ``HTTP1Error`` (not retryable) when a CA file cannot be used.
    /// OpenSSL set up once, before its first use, without the exit-time cleanup that
    /// raced threads still closing connections (see the shim).
    private static let initialised: Bool = panoply_openssl_init_without_atexit() == 1

    init(settings: NetworkSettings) throws {
        _ = Self.initialised
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw HTTP1Error(description: "cannot set up TLS: \(Self.errorQueue())", permanent: true)
        }
        self.ctx = ctx
        verify = settings.verifyCertificates
        _ = panoply_ssl_ctx_set_min_tls12(ctx)
        _ = panoply_ssl_ctx_set_mode(ctx, panoply_ssl_mode_auto_retry() | panoply_ssl_mode_moving_buffer())
        _ = SSL_CTX_set_options(ctx, UInt64(panoply_ssl_op_no_compression()))
        // The system store (or SSL_CERT_FILE / SSL_CERT_DIR when set), then the extra CAs.
        SSL_CTX_set_default_verify_paths(ctx)
        for file in settings.caBundles {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw HTTP1Error(description: "the CA bundle \(file) does not exist or cannot be read (--ca-bundle / AWS_CA_BUNDLE)", permanent: true)
            }
            ERR_clear_error()
            guard SSL_CTX_load_verify_locations(ctx, file, nil) == 1 else {
                throw HTTP1Error(description: "the CA bundle \(file) holds no usable PEM certificate (\(Self.errorQueue()))", permanent: true)
            }
        }
        SSL_CTX_set_verify(ctx, settings.verifyCertificates ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
    }

    deinit { SSL_CTX_free(ctx) }

    /// The oldest error on this thread's OpenSSL error queue, as text (the queue is emptied).
    static func errorQueue() -> String {
        var first: UInt = 0
        var e = ERR_get_error()
        while e != 0 {
            if first == 0 { first = e }
            e = ERR_get_error()
        }
        guard first != 0 else { return "unknown TLS error" }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(first, &buf, buf.count)
        let text = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // "error:0A000086:SSL routines::certificate verify failed" -> the reason part.
        return text.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? text
    }
}
