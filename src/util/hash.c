#include "util/hash.h"

#include <errno.h>
#include <fcntl.h>
/* The one-shot SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, but EVP_DigestInit
 * costs about 5 million instructions on first use (provider fetch and config loading): more than
 * the rest of a no-op run. The low-level functions use the same assembly without that start-up. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <stdlib.h>
#include <unistd.h>

void sha256_init(sha256_t *h)
{
    SHA256_CTX *c = malloc(sizeof(*c));
    if (!c || !SHA256_Init(c))
        abort();
    h->ctx = c;
}

void sha256_update(sha256_t *h, const void *data, size_t n)
{
    SHA256_Update((SHA256_CTX *)h->ctx, data, n);
}

void sha256_final(sha256_t *h, unsigned char digest[32])
{
    SHA256_Final(digest, (SHA256_CTX *)h->ctx);
    free(h->ctx);
    h->ctx = NULL;
}

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

void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char d[32];
    sha256_t h;
    sha256_init(&h);
    sha256_update(&h, data, n);
    sha256_final(&h, d);
    hex_encode(d, 32, out);
}

err_t *sha256_file_hex(const char *path, char out[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(3, errno, "reading %s", path);
    sha256_t h;
    sha256_init(&h);
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            unsigned char d[32];
            sha256_final(&h, d);
            close(fd);
            return err_sys(3, e, "reading %s", path);
        }
        if (r == 0)
            break;
        sha256_update(&h, chunk, (size_t)r);
    }
    close(fd);
    unsigned char d[32];
    sha256_final(&h, d);
    hex_encode(d, 32, out);
    return NULL;
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
