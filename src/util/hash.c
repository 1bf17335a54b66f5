/*
 * hash: integrity hashes through libcrypto loaded on first use, a portable sha256 for callers
 * that break hash.h's invariant on a machine without libcrypto, and the naming hash (hash.h).
 */
#include "util/hash.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
/* The low-level SHA*_ functions are deprecated in OpenSSL 3 in favour of EVP, but EVP_DigestInit
 * costs about 5 million instructions on first use (provider fetch and config loading): more than
 * the rest of a no-op run. The low-level functions use the same assembly without that start-up,
 * and libcrypto.so.3 still exports them. Only the header's types are used at build time. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xalloc.h"

/* ---- loading libcrypto ----------------------------------------------------------------- */

static struct {
    int (*sha256_init)(SHA256_CTX *);
    int (*sha256_update)(SHA256_CTX *, const void *, size_t);
    int (*sha256_final)(unsigned char *, SHA256_CTX *);
    int (*sha384_init)(SHA512_CTX *);
    int (*sha384_update)(SHA512_CTX *, const void *, size_t);
    int (*sha384_final)(unsigned char *, SHA512_CTX *);
    int (*sha512_init)(SHA512_CTX *);
    int (*sha512_update)(SHA512_CTX *, const void *, size_t);
    int (*sha512_final)(unsigned char *, SHA512_CTX *);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool loaded;
static const char *test_soname;       /* hash_test_set_library() */
static char load_error[512];          /* why loading failed, for hash_available() */

static void load(void)
{
    const char *tried = test_soname ? test_soname : "libcrypto.so.3";
    void *h = dlopen(tried, RTLD_NOW | RTLD_LOCAL);
    if (!h && !test_soname)
        h = dlopen("libcrypto.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "%s", why ? why : tried);
        return;
    }
#define SYM(field, name)                                                                 \
    do {                                                                                 \
        *(void **)&api.field = dlsym(h, name);                                           \
        if (!api.field) {                                                                \
            snprintf(load_error, sizeof load_error, "%s has no %s", tried, name);        \
            dlclose(h);                                                                  \
            return;                                                                      \
        }                                                                                \
    } while (0)
    SYM(sha256_init, "SHA256_Init");
    SYM(sha256_update, "SHA256_Update");
    SYM(sha256_final, "SHA256_Final");
    SYM(sha384_init, "SHA384_Init");
    SYM(sha384_update, "SHA384_Update");
    SYM(sha384_final, "SHA384_Final");
    SYM(sha512_init, "SHA512_Init");
    SYM(sha512_update, "SHA512_Update");
    SYM(sha512_final, "SHA512_Final");
#undef SYM
    loaded = true;
}

static bool ready(void)
{
    pthread_once(&once, load);
    return loaded;
}

err_t *hash_available(void)
{
    if (ready())
        return NULL;
    err_t *e = err_new(EXIT_APPLY, "cannot load OpenSSL's libcrypto (libcrypto.so.3), which "
                                   "venvsync needs to compute sha256/sha384/sha512: %s",
                       load_error);
    return err_hint(e, "install OpenSSL 3's runtime library (Debian/Ubuntu: libssl3)");
}

void hash_test_set_library(const char *soname)
{
    test_soname = soname;
}

/* ---- portable sha256 (FIPS 180-4), the fallback ---------------------------------------- */

typedef struct sha256_portable {
    uint32_t h[8];
    uint64_t len;                     /* bytes hashed so far */
    unsigned char buf[64];
    size_t nbuf;
} sha256_portable_t;

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void p256_block(sha256_portable_t *s, const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                      K256[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

static void p256_init(sha256_portable_t *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->nbuf = 0;
}

static void p256_update(sha256_portable_t *s, const unsigned char *p, size_t n)
{
    s->len += n;
    if (s->nbuf) {
        size_t take = 64 - s->nbuf < n ? 64 - s->nbuf : n;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take;
        p += take;
        n -= take;
        if (s->nbuf < 64)
            return;
        p256_block(s, s->buf);
        s->nbuf = 0;
    }
    for (; n >= 64; p += 64, n -= 64)
        p256_block(s, p);
    memcpy(s->buf, p, n);
    s->nbuf = n;
}

static void p256_final(sha256_portable_t *s, unsigned char digest[32])
{
    uint64_t bits = s->len * 8;
    s->buf[s->nbuf++] = 0x80;
    if (s->nbuf > 56) {
        memset(s->buf + s->nbuf, 0, 64 - s->nbuf);
        p256_block(s, s->buf);
        s->nbuf = 0;
    }
    memset(s->buf + s->nbuf, 0, 56 - s->nbuf);
    for (int i = 0; i < 8; i++)
        s->buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    p256_block(s, s->buf);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (unsigned char)(s->h[i] >> 24);
        digest[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        digest[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        digest[4 * i + 3] = (unsigned char)s->h[i];
    }
}

void hash_test_portable_sha256(const void *data, size_t n, unsigned char digest[32])
{
    sha256_portable_t s;
    p256_init(&s);
    p256_update(&s, data, n);
    p256_final(&s, digest);
}

/* ---- sha256, the functions that cannot fail -------------------------------------------- */

typedef struct sha256_ctx {
    bool portable;
    union {
        SHA256_CTX ssl;
        sha256_portable_t p;
    } u;
} sha256_ctx_t;

void sha256_init(sha256_t *h)
{
    sha256_ctx_t *c = xmalloc(sizeof(*c));
    c->portable = !ready() || !api.sha256_init(&c->u.ssl);
    if (c->portable)
        p256_init(&c->u.p);
    h->ctx = c;
}

void sha256_update(sha256_t *h, const void *data, size_t n)
{
    sha256_ctx_t *c = h->ctx;
    if (c->portable)
        p256_update(&c->u.p, data, n);
    else
        api.sha256_update(&c->u.ssl, data, n);
}

void sha256_final(sha256_t *h, unsigned char digest[32])
{
    sha256_ctx_t *c = h->ctx;
    if (c->portable)
        p256_final(&c->u.p, digest);
    else
        api.sha256_final(digest, &c->u.ssl);
    free(c);
    h->ctx = NULL;
}

void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char d[32];
    sha256_t h;
    sha256_init(&h);
    sha256_update(&h, data, n);
    sha256_final(&h, d);
    hex_encode(d, 32, out);
}

/* ---- every algorithm, through err_t ----------------------------------------------------- */

static const struct {
    const char *name;
    size_t size;
} algos[HASH_NALGOS] = {
    [HASH_SHA256] = {"sha256", 32},
    [HASH_SHA384] = {"sha384", 48},
    [HASH_SHA512] = {"sha512", 64},
};

int hash_algo_parse(const char *name, size_t n)
{
    for (int a = 0; a < HASH_NALGOS; a++)
        if (strlen(algos[a].name) == n && memcmp(algos[a].name, name, n) == 0)
            return a;
    return -1;
}

const char *hash_algo_name(hash_algo_t a)
{
    return algos[a].name;
}

size_t hash_algo_size(hash_algo_t a)
{
    return algos[a].size;
}

/* One libcrypto context per algorithm of a mask. Only call with ready() true. */
typedef struct multi {
    unsigned mask;
    SHA256_CTX s256;
    SHA512_CTX s384, s512;
} multi_t;

static void multi_init(multi_t *m, unsigned mask)
{
    m->mask = mask;
    if (mask & HASH_MASK(HASH_SHA256))
        api.sha256_init(&m->s256);
    if (mask & HASH_MASK(HASH_SHA384))
        api.sha384_init(&m->s384);
    if (mask & HASH_MASK(HASH_SHA512))
        api.sha512_init(&m->s512);
}

static void multi_update(multi_t *m, const void *data, size_t n)
{
    if (m->mask & HASH_MASK(HASH_SHA256))
        api.sha256_update(&m->s256, data, n);
    if (m->mask & HASH_MASK(HASH_SHA384))
        api.sha384_update(&m->s384, data, n);
    if (m->mask & HASH_MASK(HASH_SHA512))
        api.sha512_update(&m->s512, data, n);
}

/* Finishes every context; hex (may be NULL) receives the digests. */
static void multi_final(multi_t *m, char hex[HASH_NALGOS][HASH_HEX_MAX])
{
    unsigned char d[64];
    if (m->mask & HASH_MASK(HASH_SHA256)) {
        api.sha256_final(d, &m->s256);
        if (hex)
            hex_encode(d, 32, hex[HASH_SHA256]);
    }
    if (m->mask & HASH_MASK(HASH_SHA384)) {
        api.sha384_final(d, &m->s384);
        if (hex)
            hex_encode(d, 48, hex[HASH_SHA384]);
    }
    if (m->mask & HASH_MASK(HASH_SHA512)) {
        api.sha512_final(d, &m->s512);
        if (hex)
            hex_encode(d, 64, hex[HASH_SHA512]);
    }
}

err_t *hash_hex(hash_algo_t a, const void *data, size_t n, char out[HASH_HEX_MAX])
{
    err_t *e = hash_available();
    if (e)
        return e;
    char hex[HASH_NALGOS][HASH_HEX_MAX];
    multi_t m;
    multi_init(&m, HASH_MASK(a));
    multi_update(&m, data, n);
    multi_final(&m, hex);
    memcpy(out, hex[a], 2 * algos[a].size + 1);
    return NULL;
}

err_t *hash_file_hex(const char *path, unsigned mask, char hex[HASH_NALGOS][HASH_HEX_MAX])
{
    err_t *e = hash_available();
    if (e)
        return err_ctx(e, "hashing %s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(EXIT_APPLY, errno, "reading %s", path);
    multi_t m;
    multi_init(&m, mask);
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            multi_final(&m, NULL);
            close(fd);
            return err_sys(EXIT_APPLY, err, "reading %s", path);
        }
        if (r == 0)
            break;
        multi_update(&m, chunk, (size_t)r);
    }
    close(fd);
    multi_final(&m, hex);
    return NULL;
}

err_t *sha256_file_hex(const char *path, char out[65])
{
    char hex[HASH_NALGOS][HASH_HEX_MAX];
    err_t *e = hash_file_hex(path, HASH_MASK(HASH_SHA256), hex);
    if (!e)
        memcpy(out, hex[HASH_SHA256], 65);
    return e;
}

void sha256_b64url(const unsigned char digest[32], char out[44])
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= 32; i += 3) {
        unsigned v = (unsigned)digest[i] << 16 | (unsigned)digest[i + 1] << 8 | digest[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    /* 32 = 30 + 2 remaining bytes: three characters, no padding. */
    unsigned v = (unsigned)digest[i] << 16 | (unsigned)digest[i + 1] << 8;
    out[o++] = tbl[(v >> 18) & 63];
    out[o++] = tbl[(v >> 12) & 63];
    out[o++] = tbl[(v >> 6) & 63];
    out[o] = '\0';
}

/* ---- naming ------------------------------------------------------------------------------ */

void hash_name_hex(const void *data, size_t n, char out[33])
{
    const uint64_t prime = 0x100000001b3ULL;
    uint64_t a = 0xcbf29ce484222325ULL, b = 0x6c62272e07bb0142ULL;
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        a = (a ^ p[i]) * prime;
        b = (b ^ p[i]) * prime;
    }
    unsigned char d[16];
    for (int i = 0; i < 8; i++) {
        d[i] = (unsigned char)(a >> (56 - 8 * i));
        d[8 + i] = (unsigned char)(b >> (56 - 8 * i));
    }
    hex_encode(d, 16, out);
}

/* ---- helpers ----------------------------------------------------------------------------- */

void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
