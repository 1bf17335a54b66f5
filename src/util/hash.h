/*
 * hash: every hash venvsync computes. Two kinds, never mixed:
 *
 * Integrity (sha256, sha384, sha512): wheel, download and RECORD checks, cache entries named by
 * content, pins (--hash). OpenSSL's libcrypto computes them with its low-level SHA*_Init/Update/
 * Final functions (EVP's first use costs ~5 million instructions of provider set-up). libcrypto
 * is NOT linked: it is loaded with dlopen (libcrypto.so.3, else libcrypto.so; RTLD_NOW |
 * RTLD_LOCAL) the first time an integrity hash is needed, thread-safe (pthread_once), because
 * loading and relocating it costs ~0.6 ms on every run, more than a third of creating an empty
 * environment, which hashes nothing. So the start-up paths (creation of an environment without
 * packages, a no-op sync, plan, check, list, activate, --version) must not call any of them.
 *
 *   Invariant: code about to hash with the functions that cannot fail (sha256_init/update/final,
 *   sha256_hex) calls hash_available() first and stops with its error when libcrypto cannot be
 *   loaded (engine/fetch.c does, for installs and downloads). The functions returning err_t fail
 *   with that same error by themselves. Should a caller break the invariant on a machine without
 *   libcrypto, the sha256 functions fall back to a portable C implementation: slower, but never
 *   a wrong digest and never an abort. sha384/sha512 exist only behind err_t.
 *
 * Naming (hash_name_hex): a fast non-cryptographic 128-bit hash for file names derived from
 * paths (lock files, interpreter-facts cache entries) and for cache-validity keys of data venvsync
 * itself embeds. Not for integrity: anyone can build collisions. Never loads libcrypto.
 */
#ifndef VENVSYNC_UTIL_HASH_H
#define VENVSYNC_UTIL_HASH_H
#include <stddef.h>
#include "util/err.h"

/* ---- integrity ------------------------------------------------------------------------- */

/* NULL when libcrypto is loaded (loading it on the first call), else an EXIT_APPLY error that
 * names the library and the loader's reason, with a hint. Cheap after the first call. */
err_t *hash_available(void);

typedef enum hash_algo { HASH_SHA256, HASH_SHA384, HASH_SHA512, HASH_NALGOS } hash_algo_t;
#define HASH_MASK(a) (1u << (a))
#define HASH_HEX_MAX 129                  /* the longest hex digest (sha512) and its NUL */

/* "sha256" / "sha384" / "sha512" (the n bytes at name, exactly) -> the algorithm, else -1. */
int hash_algo_parse(const char *name, size_t n);
const char *hash_algo_name(hash_algo_t a);
size_t hash_algo_size(hash_algo_t a);     /* digest bytes: 32, 48, 64 */

/* Lower-case hex of algo(data) into out (2 * hash_algo_size(a) + 1 bytes). */
err_t *hash_hex(hash_algo_t a, const void *data, size_t n, char out[HASH_HEX_MAX]);
/* The file's content, read once, hashed with every algorithm in mask (HASH_MASK bits): hex[a]
 * receives the lower-case hex for each a in mask, the others are left alone. */
err_t *hash_file_hex(const char *path, unsigned mask, char hex[HASH_NALGOS][HASH_HEX_MAX]);

typedef struct sha256 { void *ctx; } sha256_t;

void sha256_init(sha256_t *h);
void sha256_update(sha256_t *h, const void *data, size_t n);
void sha256_final(sha256_t *h, unsigned char digest[32]);   /* also frees the context */

/* Lower-case hex of sha256(data): out must hold 65 bytes. */
void sha256_hex(const void *data, size_t n, char out[65]);
/* sha256 of a file's content as hex. */
err_t *sha256_file_hex(const char *path, char out[65]);
/* RECORD form: urlsafe base64 without padding; out must hold 44 bytes. */
void sha256_b64url(const unsigned char digest[32], char out[44]);

/* ---- naming ---------------------------------------------------------------------------- */

/* 32 lower-case hex digits (128 bits): FNV-1a 64 of the bytes from two offset bases (the
 * standard one, then 0x6c62272e07bb0142), the first lane's digits first. For naming only. */
void hash_name_hex(const void *data, size_t n, char out[33]);

/* ---- helpers --------------------------------------------------------------------------- */

void hex_encode(const unsigned char *in, size_t n, char *out);  /* out holds 2n+1 */
/* The value of hex digit c (either case), or -1. */
int hex_value(char c);

/* Tests only: the library name hash_available() tries instead of libcrypto.so.3 /
 * libcrypto.so; must be called before the first hash of the process. */
void hash_test_set_library(const char *soname);
/* Tests only: the sha256 digest of the portable fallback, whatever libcrypto's state. */
void hash_test_portable_sha256(const void *data, size_t n, unsigned char digest[32]);

#endif
