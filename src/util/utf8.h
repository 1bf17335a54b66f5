/*
 * utf8: the one UTF-8 reader and writer of the code base (the TOML and JSON readers, buf_t).
 *
 * Validity is RFC 3629's: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF. Pure functions, no allocation.
 */
#ifndef VENVSYNC_UTIL_UTF8_H
#define VENVSYNC_UTIL_UTF8_H
#include <stdbool.h>
#include <stddef.h>

/* Length (2 to 4) of the valid multi-byte sequence at q, whose lead byte is >= 0x80, reading no
 * further than end; 0 when it is invalid or cut short. */
size_t utf8_seq_len(const unsigned char *q, const unsigned char *end);

/* Whether the n bytes at s are valid UTF-8 (NUL bytes included). */
bool utf8_valid(const char *s, size_t n);

/* Writes code point cp (<= 0x10FFFF, not a surrogate) into out; returns its length (1 to 4). */
size_t utf8_encode(char out[4], unsigned long cp);

#endif
