/* utf8: see utf8.h. */
#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *q, const unsigned char *e)
{
    unsigned char c = q[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;          /* no overlong */
        else if (c == 0xED)
            hi = 0x9F;          /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;          /* <= U+10FFFF */
    } else {
        return 0;
    }
    if ((size_t)(e - q) < n || q[1] < lo || q[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (q[i] < 0x80 || q[i] > 0xBF)
            return 0;
    return n;
}

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *q = (const unsigned char *)s, *e = q + n;
    while (q < e) {
        /* ASCII eight bytes at a time: METADATA and pages are mostly ASCII */
        uint64_t w;
        while (e - q >= 8 && (memcpy(&w, q, 8), !(w & 0x8080808080808080ull)))
            q += 8;
        if (q == e)
            break;
        if (*q < 0x80) {
            q++;
            continue;
        }
        size_t k = utf8_seq_len(q, e);
        if (!k)
            return false;
        q += k;
    }
    return true;
}

size_t utf8_encode(char out[4], unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
