/*
 * buf: a growable byte buffer, in the manner of git's strbuf.
 *
 * Invariants: `data` is either NULL (a fresh BUF_INIT buffer, len == 0) or points to `cap`
 * allocated bytes with data[len] == '\0', so a non-empty buffer is always a C string. Use
 * buf_cstr() to get a string even from an empty buffer. The buffer owns `data`; buf_free()
 * releases it and leaves an empty, reusable buffer; buf_detach() hands ownership to the caller.
 * Allocation failure aborts the process (see xalloc.h): callers never check.
 */
#ifndef VENVSYNC_UTIL_BUF_H
#define VENVSYNC_UTIL_BUF_H
#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT {0, 0, 0}

void buf_grow(buf_t *b, size_t extra);          /* room for `extra` more bytes plus the NUL */
void buf_add(buf_t *b, const void *data, size_t n);
void buf_adds(buf_t *b, const char *s);
void buf_addc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
void buf_setlen(buf_t *b, size_t len);          /* truncate (len <= b->len) */
void buf_reset(buf_t *b);                       /* len = 0, keeps the allocation */
void buf_free(buf_t *b);
char *buf_detach(buf_t *b);                     /* malloc'd string (never NULL); b becomes empty */
const char *buf_cstr(const buf_t *b);           /* "" for an empty buffer */

/* Appends code point cp (<= 0x10FFFF) encoded as UTF-8. */
void buf_add_utf8(buf_t *b, unsigned long cp);

/* Appends s with every occurrence of `from` replaced by `to`. */
void buf_add_replaced(buf_t *b, const char *s, const char *from, const char *to);

#endif
