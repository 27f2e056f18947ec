// System OpenSSL (Debian's libssl-dev) for PanoplyKit's HTTP/1.1 client. OpenSSL's
// function-like macros do not import into Swift; the inline wrappers below expose the few
// the client needs.
#ifndef PANOPLY_COPENSSL_SHIM_H
#define PANOPLY_COPENSSL_SHIM_H
// Before any OpenSSL header: the SHA-256 functions below use the deprecated low-level API.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

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

// SHA-256 and HMAC-SHA256 of field values (`--hash`): OpenSSL's low-level digest on a stack
// context, two calls a value. Through swift-crypto each value cost a heap context, a copy
// and closures: more than the digest itself, on a path that hashes millions of values.
// The low-level API is deprecated in OpenSSL 3 but kept, and the only one without a
// provider fetch per call.
#include <openssl/sha.h>

/// out = SHA-256(data).
static inline void panoply_sha256(const void *data, size_t len, unsigned char out[32]) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, len);
    SHA256_Final(out, &c);
}

/// An HMAC-SHA256 key: the digest states after the inner and outer padded keys (RFC 2104),
/// copied for each value.
typedef struct {
    SHA256_CTX inner;
    SHA256_CTX outer;
} panoply_hmac_sha256_key;

static inline void panoply_hmac_sha256_init(panoply_hmac_sha256_key *k, const void *key, size_t len) {
    unsigned char block[64] = {0};
    if (len > 64) {
        panoply_sha256(key, len, block);
    } else if (len > 0) {
        memcpy(block, key, len);
    }
    unsigned char pad[64];
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&k->inner);
    SHA256_Update(&k->inner, pad, 64);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&k->outer);
    SHA256_Update(&k->outer, pad, 64);
}

/// out = HMAC-SHA256(key, data).
static inline void panoply_hmac_sha256(const panoply_hmac_sha256_key *k, const void *data, size_t len, unsigned char out[32]) {
    unsigned char inner[32];
    SHA256_CTX c = k->inner;
    SHA256_Update(&c, data, len);
    SHA256_Final(inner, &c);
    c = k->outer;
    SHA256_Update(&c, inner, 32);
    SHA256_Final(out, &c);
}

#endif
