/*
 * hash: the one hash helper (sha256 through OpenSSL's libcrypto). Streaming and one-shot.
 */
#ifndef VENVSYNC_UTIL_HASH_H
#define VENVSYNC_UTIL_HASH_H
#include <stddef.h>
#include "util/err.h"

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
void hex_encode(const unsigned char *in, size_t n, char *out);  /* out holds 2n+1 */
/* The value of hex digit c (either case), or -1. */
int hex_value(char c);

#endif
