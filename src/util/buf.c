#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

void buf_grow(buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0'; /* a fresh allocation is a C string too */
}

void buf_add(buf_t *b, const void *data, size_t n)
{
    buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_adds(buf_t *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(buf_t *b, char c)
{
    buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    buf_grow(b, 64);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        buf_grow(b, (size_t)n);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0)
        b->len += (size_t)n;
    b->data[b->len] = '\0';
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_setlen(buf_t *b, size_t len)
{
    if (!b->data || len > b->len)
        return;
    b->len = len;
    b->data[len] = '\0';
}

void buf_reset(buf_t *b)
{
    buf_setlen(b, 0);
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *buf_detach(buf_t *b)
{
    /* the string outlives the buffer: give back what growth left unused (paths kept by the
     * thousand were a tenth of an install's peak heap) */
    char *p = !b->data ? xstrdup("") : b->cap - b->len > 16 ? xrealloc(b->data, b->len + 1)
                                                             : b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

const char *buf_cstr(const buf_t *b)
{
    return b->data ? b->data : "";
}

void buf_add_replaced(buf_t *b, const char *s, const char *from, const char *to)
{
    size_t flen = strlen(from);
    if (!flen) {
        buf_adds(b, s);
        return;
    }
    const char *p;
    while ((p = strstr(s, from))) {
        buf_add(b, s, (size_t)(p - s));
        buf_adds(b, to);
        s = p + flen;
    }
    buf_adds(b, s);
}

void buf_add_utf8(buf_t *b, unsigned long cp)
{
    char s[4];
    buf_add(b, s, utf8_encode(s, cp));
}
