#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/kdf.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/ssl.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509v3.h>

/* libssl's function-like macros, which Swift cannot import, as functions. */

static inline int yc_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long yc_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline long yc_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline long yc_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

/* Constants defined as macros with casts or expressions. */
static const int yc_TLS1_3_VERSION = TLS1_3_VERSION;
static const long yc_SSL_MODE_ENABLE_PARTIAL_WRITE = SSL_MODE_ENABLE_PARTIAL_WRITE;
static const long yc_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
static const long yc_SSL_MODE_RELEASE_BUFFERS = SSL_MODE_RELEASE_BUFFERS;
static const long yc_SSL_SESS_CACHE_SERVER = SSL_SESS_CACHE_SERVER;
static const long yc_SSL_SESS_CACHE_OFF = SSL_SESS_CACHE_OFF;
static const uint64_t yc_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t yc_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;
static const int yc_MBSTRING_ASC = MBSTRING_ASC;

static inline int yc_ERR_GET_REASON(unsigned long code) {
    return ERR_GET_REASON(code);
}

static inline long yc_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_sigalgs_list(ctx, list);
}

static inline long yc_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *cert) {
    return SSL_CTX_add1_chain_cert(ctx, cert);
}

static const uint64_t yc_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;

/* SM2 keys (YongchainCrypto/SM2.swift): the selection for a public key, an expression macro. */
static const int yc_EVP_PKEY_PUBLIC_KEY = EVP_PKEY_PUBLIC_KEY;

/* SHA-256 on a context the caller holds (YongchainCrypto/HashSuite.swift): libcrypto's own SHA-256 (the code its
 * provider runs, SHA extensions included) without EVP's per-call context allocation, provider dispatch and free,
 * which cost several times the hashing of a short message. OpenSSL 3 marks these functions deprecated, not
 * removed; the pragma keeps that note out of every build. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
static inline void yc_SHA256_Init(SHA256_CTX *c) { SHA256_Init(c); }
static inline void yc_SHA256_Update(SHA256_CTX *c, const void *data, size_t len) { SHA256_Update(c, data, len); }
static inline void yc_SHA256_Final(unsigned char *md, SHA256_CTX *c) { SHA256_Final(md, c); }
static inline void yc_SHA256(const void *data, size_t len, unsigned char *md) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, len);
    SHA256_Final(md, &c);
}
#pragma clang diagnostic pop
