// System OpenSSL (Debian's libssl-dev) for PanoplyKit's HTTP/1.1 client. OpenSSL's
// function-like macros do not import into Swift; the inline wrappers below expose the few
// the client needs.
#ifndef PANOPLY_COPENSSL_SHIM_H
#define PANOPLY_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// Initialises OpenSSL without its atexit cleanup. With the cleanup, exit() frees OpenSSL's
/// locks while another thread may still be closing a TLS connection, and that thread
/// crashes in pthread_rwlock_unlock (seen once in CI, at the exit after a failed send).
/// Must run before any other OpenSSL call: only the first initialisation decides.
static inline int panoply_openssl_init_without_atexit(void) {
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}

static inline long panoply_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

static inline long panoply_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long panoply_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline long panoply_ssl_mode_auto_retry(void) { return SSL_MODE_AUTO_RETRY; }
static inline long panoply_ssl_mode_partial_write(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }
static inline long panoply_ssl_mode_moving_buffer(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline unsigned long panoply_ssl_op_no_compression(void) { return SSL_OP_NO_COMPRESSION; }

#endif
