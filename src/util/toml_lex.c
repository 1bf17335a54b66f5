/*
 * toml_lex: the TOML reader's tokens (see toml_internal.h): UTF-8 checks, positions and error
 * messages, whitespace, newlines and comments, basic and literal strings (one line and
 * multi-line), integers and floats, dates and times, and (dotted) keys.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/toml.h"
#include "util/toml_internal.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* ---- UTF-8 ---------------------------------------------------------------------------------- */


/* ---- parser --------------------------------------------------------------------------------- */

/* Code points in [q, e): the bytes that are not UTF-8 continuation bytes (10xxxxxx), counted
 * eight at a time. */
static size_t count_chars(const unsigned char *q, const unsigned char *e)
{
    size_t n = (size_t)(e - q), cont = 0;
    for (; e - q >= 8; q += 8) {
        uint64_t x;
        memcpy(&x, q, 8);
        uint64_t m = (x & ~(x << 1) & 0x8080808080808080ULL) >> 7;   /* 1 per such byte */
        cont += (size_t)((m * 0x0101010101010101ULL) >> 56);
    }
    for (; q < e; q++)
        cont += (*q & 0xC0) == 0x80;
    return n - cont;
}

/* Line and column of at. The cursor moves forward with the parse, so positions cost one pass
 * over the text in all; only an error before the cursor recounts from the start. */
void tml_locate(parser_t *ps, const unsigned char *at, size_t *line, size_t *col)
{
    if (at < ps->cur) {
        ps->cur = ps->body;
        ps->cur_line = ps->cur_col = 1;
    }
    const unsigned char *q = ps->cur, *nl;
    size_t l = ps->cur_line, c = ps->cur_col;
    while ((nl = memchr(q, '\n', (size_t)(at - q))) != NULL) {
        l++;
        c = 1;
        q = nl + 1;
    }
    c += count_chars(q, at);
    ps->cur = at;
    ps->cur_line = l;
    ps->cur_col = c;
    *line = l;
    *col = c;
}

void tml_set_pos(parser_t *ps, toml_value_t *v, const unsigned char *at)
{
    size_t l, c;
    tml_locate(ps, at, &l, &c);
    v->line = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
    v->col = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

bool tml_fail_at(parser_t *ps, const unsigned char *at, const char *fmt, ...)
{
    if (ps->err)
        return false;
    if (at > ps->end)
        at = ps->end;
    size_t line, col;
    tml_locate(ps, at, &line, &col);
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s:%zu:%zu: ", ps->name, line, col);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    ps->err = err_new(EXIT_USAGE, "%s", buf_cstr(&b));
    buf_free(&b);
    return false;
}

/* "unexpected <what is at p> (expected <expected>)" */
bool tml_fail_unexpected(parser_t *ps, const char *expected)
{
    const unsigned char *p = ps->p, *e = ps->end;
    if (p >= e)
        return tml_fail_at(ps, p, "unexpected end of file (expected %s)", expected);
    unsigned c = *p;
    if (c == '\n' || (c == '\r' && p + 1 < e && p[1] == '\n'))
        return tml_fail_at(ps, p, "unexpected end of line (expected %s)", expected);
    if (c == '\r')
        return tml_fail_at(ps, p, "carriage return not followed by a line feed");
    if (c > 0x20 && c < 0x7F)
        return tml_fail_at(ps, p, "unexpected '%c' (expected %s)", (int)c, expected);
    if (c < 0x80)
        return tml_fail_at(ps, p, "unexpected %s U+%04X (expected %s)",
                           c == ' ' || c == '\t' ? "whitespace" : "control character", c, expected);
    if (!utf8_seq_len(p, e))
        return tml_fail_at(ps, p, "invalid UTF-8");
    return tml_fail_at(ps, p, "unexpected non-ASCII character (expected %s)", expected);
}

/* Byte classes: C_BASIC / C_LITERAL: copied as is inside a basic / literal string; C_BARE: in a
 * bare key. Bytes >= 0x80 are in none (strings check them as UTF-8). */
enum { C_BASIC = 1, C_LITERAL = 2, C_BARE = 4 };
static const unsigned char byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 2, 3, 3, 3, 3, 1, 3, 3, 3, 3, 3, 7, 3, 3,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 3, 3, 3, 3, 3, 3,
    3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 3, 2, 3, 3, 7,
    3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 3, 3, 3, 3, 0,
};

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

bool tml_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

bool tml_is_bare(unsigned char c)
{
    return byte_class[c] & C_BARE;
}

void tml_skip_ws(parser_t *ps)
{
    while (ps->p < ps->end && is_ws(*ps->p))
        ps->p++;
}

/* 1 for LF, 2 for CRLF at q, else 0. */
int tml_newline_at(const parser_t *ps, const unsigned char *q)
{
    if (q < ps->end && *q == '\n')
        return 1;
    if (q + 1 < ps->end && q[0] == '\r' && q[1] == '\n')
        return 2;
    return 0;
}

/* ps->p at '#': checks the comment and stops at the end of its line. */
static bool skip_comment(parser_t *ps)
{
    const unsigned char *q = ps->p + 1, *e = ps->end;
    while (q < e && *q != '\n') {
        unsigned char c = *q;
        if (c >= 0x80) {
            size_t k = utf8_seq_len(q, e);
            if (!k)
                return tml_fail_at(ps, q, "invalid UTF-8");
            q += k;
            continue;
        }
        if (c == '\r' && q + 1 < e && q[1] == '\n')
            break;
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return tml_fail_at(ps, q, "control character U+%04X in a comment", c);
        q++;
    }
    ps->p = q;
    return true;
}

/* Whitespace, newlines and comments (between array items). */
bool tml_skip_ws_nl(parser_t *ps)
{
    for (;;) {
        tml_skip_ws(ps);
        if (ps->p >= ps->end)
            return true;
        int n = tml_newline_at(ps, ps->p);
        if (n) {
            ps->p += n;
        } else if (*ps->p == '#') {
            if (!skip_comment(ps))
                return false;
        } else {
            return true;
        }
    }
}

/* After an expression: whitespace, an optional comment, then a newline or the end. */
bool tml_end_of_line(parser_t *ps)
{
    tml_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '#' && !skip_comment(ps))
        return false;
    if (ps->p >= ps->end)
        return true;
    int n = tml_newline_at(ps, ps->p);
    if (!n)
        return tml_fail_unexpected(ps, "a new line");
    ps->p += n;
    return true;
}

/* ---- strings -------------------------------------------------------------------------------- */

static bool read_hex(parser_t *ps, const unsigned char *q, int ndig, unsigned long *out)
{
    unsigned long v = 0;
    for (int i = 0; i < ndig; i++) {
        int h = q + i < ps->end ? hex_value((char)q[i]) : -1;
        if (h < 0)
            return tml_fail_at(ps, q + i, "\\%c escape needs %d hexadecimal digits",
                               ndig == 4 ? 'u' : 'U', ndig);
        v = v << 4 | (unsigned long)h;
    }
    *out = v;
    return true;
}

/*
 * ps->p at the opening quote of a string; ml_ok: multi-line forms allowed (values, not keys).
 * Decodes into the arena.
 */
bool tml_parse_string(parser_t *ps, bool ml_ok, char **out, size_t *outlen)
{
    const unsigned char *open = ps->p, *e = ps->end;
    const unsigned char q0 = *open;
    bool literal = q0 == '\'';
    bool ml = e - open >= 3 && open[1] == q0 && open[2] == q0;
    if (ml && !ml_ok)
        return tml_fail_at(ps, open, "a multi-line string cannot be a key");
    const unsigned char *q = open + (ml ? 3 : 1);
    const unsigned char cls = literal ? C_LITERAL : C_BASIC;
    if (!ml) {
        /* fast path: no escape, nothing to check but the bytes' class */
        const unsigned char *r = q;
        while (r < e && (byte_class[*r] & cls))
            r++;
        if (r < e && *r == q0) {
            *out = tml_arena_strndup(ps->doc, (const char *)q, (size_t)(r - q));
            *outlen = (size_t)(r - q);
            ps->p = r + 1;
            return true;
        }
    }
    buf_t *b = &ps->sbuf;
    buf_reset(b);
    if (ml)
        q += tml_newline_at(ps, q);   /* a newline right after the opening delimiter is trimmed */
    for (;;) {
        const unsigned char *r = q;
        while (r < e && (byte_class[*r] & cls))
            r++;
        buf_add(b, q, (size_t)(r - q));
        q = r;
        if (q >= e)
            return tml_fail_at(ps, open, "unterminated string");
        unsigned char c = *q;
        if (c == q0) {
            if (!ml) {
                q++;
                break;
            }
            size_t run = 0;
            while (q + run < e && q[run] == q0 && run < 5)
                run++;
            buf_add(b, q, run >= 3 ? run - 3 : run);
            q += run;
            if (run >= 3)
                break;
            continue;
        }
        if (c == '\\') {
            /* basic strings only: the scan stops at '\\' only for them */
            const unsigned char *esc = q;
            q++;
            if (q >= e)
                return tml_fail_at(ps, open, "unterminated string");
            unsigned long cp = 0;
            switch (*q) {
            case 'b': buf_addc(b, '\b'); q++; continue;
            case 't': buf_addc(b, '\t'); q++; continue;
            case 'n': buf_addc(b, '\n'); q++; continue;
            case 'f': buf_addc(b, '\f'); q++; continue;
            case 'r': buf_addc(b, '\r'); q++; continue;
            case '"': buf_addc(b, '"'); q++; continue;
            case '\\': buf_addc(b, '\\'); q++; continue;
            case 'u':
            case 'U': {
                int nd = *q == 'u' ? 4 : 8;
                if (!read_hex(ps, q + 1, nd, &cp))
                    return false;
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                    return tml_fail_at(ps, esc, "escape \\%c%.*s is not a Unicode scalar value",
                                       *q, nd, (const char *)q + 1);
                buf_add_utf8(b, cp);
                q += 1 + nd;
                continue;
            }
            default:
                break;
            }
            if (ml && (is_ws(*q) || tml_newline_at(ps, q) || *q == '\r')) {
                /* line-ending backslash: skip whitespace up to a newline, then every
                 * whitespace and newline after it */
                const unsigned char *r2 = q;
                while (r2 < e && is_ws(*r2))
                    r2++;
                if (!tml_newline_at(ps, r2))
                    return tml_fail_at(ps, esc, "a backslash followed by whitespace must end the "
                                                "line");
                for (;;) {
                    int n = tml_newline_at(ps, r2);
                    if (n)
                        r2 += n;
                    else if (r2 < e && is_ws(*r2))
                        r2++;
                    else
                        break;
                }
                q = r2;
                continue;
            }
            if (*q > 0x20 && *q < 0x7F)
                return tml_fail_at(ps, esc, "invalid escape sequence '\\%c'", *q);
            return tml_fail_at(ps, esc, "invalid escape sequence");
        }
        if (c >= 0x80) {
            size_t k = utf8_seq_len(q, e);
            if (!k)
                return tml_fail_at(ps, q, "invalid UTF-8");
            buf_add(b, q, k);
            q += k;
            continue;
        }
        int n = tml_newline_at(ps, q);
        if (n && ml) {
            buf_addc(b, '\n');
            q += n;
            continue;
        }
        if (n || c == '\n')
            return tml_fail_at(ps, open,
                               "unterminated string (a newline before the closing quote)");
        if (c == '\r' && ml)
            return tml_fail_at(ps, q, "carriage return not followed by a line feed");
        return tml_fail_at(ps, q, "control character U+%04X in a string (must be escaped)", c);
    }
    *out = tml_arena_strndup(ps->doc, b->data ? b->data : "", b->len);
    *outlen = b->len;
    ps->p = q;
    return true;
}

/* ---- numbers and dates ---------------------------------------------------------------------- */

static int digit_value(unsigned char c, int radix)
{
    int v = radix == 16 ? hex_value((char)c) : (tml_is_digit(c) ? c - '0' : -1);
    return v >= 0 && v < radix ? v : -1;
}

/* Digits of radix with single underscores between them, from q (a digit must be there).
 * Returns the end, or NULL after an error. */
static const unsigned char *scan_digits(parser_t *ps, const unsigned char *q, int radix,
                                        const char *what)
{
    const unsigned char *e = ps->end;
    if (q >= e || digit_value(*q, radix) < 0) {
        tml_fail_at(ps, q, "%s: a digit is expected here", what);
        return NULL;
    }
    while (q < e) {
        if (digit_value(*q, radix) >= 0) {
            q++;
        } else if (*q == '_') {
            if (q + 1 >= e || digit_value(q[1], radix) < 0) {
                tml_fail_at(ps, q, "%s: an underscore must be between two digits", what);
                return NULL;
            }
            q++;
        } else {
            break;
        }
    }
    return q;
}

/* After a number, date or boolean: what may not follow directly. */
bool tml_bad_follower(const parser_t *ps, const unsigned char *q)
{
    return q < ps->end && (tml_is_bare(*q) || *q == '.' || *q == ':' || *q == '+');
}

bool tml_parse_number(parser_t *ps, toml_value_t *v)
{
    const unsigned char *s = ps->p, *q = s, *e = ps->end;
    bool sign = false, neg = false;
    if (*q == '+' || *q == '-') {
        sign = true;
        neg = *q == '-';
        q++;
    }
    if (e - q >= 3 && (memcmp(q, "inf", 3) == 0 || memcmp(q, "nan", 3) == 0)) {
        v->type = TOML_FLOAT;
        v->u.f = *q == 'i' ? INFINITY : NAN;
        if (neg)
            v->u.f = -v->u.f;
        q += 3;
    } else if (!sign && e - q >= 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'o' || q[1] == 'b')) {
        int radix = q[1] == 'x' ? 16 : q[1] == 'o' ? 8 : 2;
        const unsigned char *r = scan_digits(ps, q + 2, radix, "invalid integer");
        if (!r)
            return false;
        uint64_t val = 0;
        for (const unsigned char *d = q + 2; d < r; d++) {
            if (*d == '_')
                continue;
            unsigned dv = (unsigned)digit_value(*d, radix);
            if (val > ((uint64_t)INT64_MAX - dv) / (unsigned)radix)
                return tml_fail_at(ps, s, "integer does not fit in 64 bits");
            val = val * (unsigned)radix + dv;
        }
        v->type = TOML_INTEGER;
        v->u.i = (int64_t)val;
        q = r;
    } else {
        if (q >= e || !tml_is_digit(*q))
            return tml_fail_at(ps, sign ? q : s, sign ? "invalid number" : "invalid value");
        if (*q == '0' && q + 1 < e && (tml_is_digit(q[1]) || q[1] == '_'))
            return tml_fail_at(ps, q, "leading zeros are not allowed");
        const unsigned char *ip = q;
        q = scan_digits(ps, q, 10, "invalid number");
        if (!q)
            return false;
        const unsigned char *iend = q;
        bool is_float = false;
        if (q < e && *q == '.') {
            is_float = true;
            q = scan_digits(ps, q + 1, 10, "invalid float");
            if (!q)
                return false;
        }
        if (q < e && (*q == 'e' || *q == 'E')) {
            is_float = true;
            q++;
            if (q < e && (*q == '+' || *q == '-'))
                q++;
            q = scan_digits(ps, q, 10, "invalid float");
            if (!q)
                return false;
        }
        if (is_float) {
            buf_t *b = &ps->sbuf;
            buf_reset(b);
            for (const unsigned char *d = s; d < q; d++)
                if (*d != '_')
                    buf_addc(b, (char)*d);
            v->type = TOML_FLOAT;
            v->u.f = strtod(b->data, NULL);
        } else {
            uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, mag = 0;
            for (const unsigned char *d = ip; d < iend; d++) {
                if (*d == '_')
                    continue;
                unsigned dv = (unsigned)(*d - '0');
                if (mag > (limit - dv) / 10)
                    return tml_fail_at(ps, s, "integer does not fit in 64 bits");
                mag = mag * 10 + dv;
            }
            v->type = TOML_INTEGER;
            v->u.i = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag)
                         : (int64_t)mag;
        }
    }
    if (tml_bad_follower(ps, q))
        return tml_fail_at(ps, q, "invalid character in a number");
    ps->p = q;
    return true;
}

/* The value of n decimal digits at q, or -1. */
static int fixed_digits(const parser_t *ps, const unsigned char *q, int n)
{
    if (ps->end - q < n)
        return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!tml_is_digit(q[i]))
            return -1;
        v = v * 10 + (q[i] - '0');
    }
    return v;
}

/* True at "DDDD-" (a date) or "DD:" (a time). */
bool tml_looks_like_datetime(const parser_t *ps, const unsigned char *q)
{
    if (fixed_digits(ps, q, 4) >= 0 && ps->end - q > 4 && q[4] == '-')
        return true;
    return fixed_digits(ps, q, 2) >= 0 && ps->end - q > 2 && q[2] == ':';
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* "HH:MM:SS[.frac]" at q; returns the end or NULL after an error. */
static const unsigned char *scan_time(parser_t *ps, const unsigned char *q)
{
    const unsigned char *e = ps->end;
    int h = fixed_digits(ps, q, 2), mi = -1, s = -1;
    if (h >= 0 && e - q > 2 && q[2] == ':')
        mi = fixed_digits(ps, q + 3, 2);
    if (mi >= 0 && e - q > 5 && q[5] == ':')
        s = fixed_digits(ps, q + 6, 2);
    if (s < 0) {
        tml_fail_at(ps, q, "invalid time (expected HH:MM:SS)");
        return NULL;
    }
    if (h > 23 || mi > 59 || s > 60) {
        tml_fail_at(ps, q, "invalid time (hour, minute or second out of range)");
        return NULL;
    }
    q += 8;
    if (q < e && *q == '.') {
        q++;
        if (q >= e || !tml_is_digit(*q)) {
            tml_fail_at(ps, q, "invalid time (digits expected after '.')");
            return NULL;
        }
        while (q < e && tml_is_digit(*q))
            q++;
    }
    return q;
}

bool tml_parse_datetime(parser_t *ps, toml_value_t *v)
{
    const unsigned char *s = ps->p, *q = s, *e = ps->end;
    bool date = false, time = false, offset = false;
    if (fixed_digits(ps, q, 4) >= 0 && e - q > 4 && q[4] == '-') {
        int y = fixed_digits(ps, q, 4), m = -1, d = -1;
        if (e - q > 7 && q[7] == '-')
            m = fixed_digits(ps, q + 5, 2);
        if (m >= 0)
            d = fixed_digits(ps, q + 8, 2);
        if (d < 0)
            return tml_fail_at(ps, s, "invalid date (expected YYYY-MM-DD)");
        if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
            return tml_fail_at(ps, s, "invalid date (month or day out of range)");
        q += 10;
        date = true;
        if (q < e && (*q == 'T' || *q == 't' || (*q == ' ' && q + 1 < e && tml_is_digit(q[1])))) {
            q++;
            time = true;
        }
    } else {
        time = true;
    }
    if (time) {
        q = scan_time(ps, q);
        if (!q)
            return false;
        if (date && q < e && (*q == 'Z' || *q == 'z')) {
            q++;
            offset = true;
        } else if (date && q < e && (*q == '+' || *q == '-')) {
            int oh = fixed_digits(ps, q + 1, 2), om = -1;
            if (oh >= 0 && e - q > 3 && q[3] == ':')
                om = fixed_digits(ps, q + 4, 2);
            if (om < 0)
                return tml_fail_at(ps, q, "invalid time offset (expected +HH:MM or -HH:MM)");
            if (oh > 23 || om > 59)
                return tml_fail_at(ps, q, "invalid time offset (out of range)");
            q += 6;
            offset = true;
        }
    }
    if (tml_bad_follower(ps, q))
        return tml_fail_at(ps, q, "invalid character in a date or time");
    v->type = offset ? TOML_DATETIME : date && time ? TOML_LOCAL_DATETIME
            : date   ? TOML_LOCAL_DATE : TOML_LOCAL_TIME;
    size_t n = (size_t)(q - s);
    char *t = tml_arena_strndup(ps->doc, (const char *)s, n);
    if (date && time)
        t[10] = 'T';
    if (offset && (t[n - 1] == 'z'))
        t[n - 1] = 'Z';
    v->u.s = t;
    v->len = n;
    ps->p = q;
    return true;
}

/* ---- keys ----------------------------------------------------------------------------------- */

/* Renders parts[0..n) as a dotted key for messages. */
static const char *key_text(parser_t *ps, size_t n, buf_t *b)
{
    buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_addc(b, '.');
        toml_write_key(b, ps->parts[i].s, ps->parts[i].n);
    }
    return buf_cstr(b);
}

bool tml_fail_key(parser_t *ps, size_t upto, const char *fmt)
{
    buf_t b = BUF_INIT;
    tml_fail_at(ps, ps->parts[upto - 1].at, fmt, key_text(ps, upto, &b));
    buf_free(&b);
    return false;
}

/* A key (one or more dotted parts) at ps->p into ps->parts. */
bool tml_parse_key(parser_t *ps)
{
    ps->np = 0;
    for (;;) {
        tml_skip_ws(ps);
        const unsigned char *at = ps->p;
        keypart_t k = {.at = at};
        if (at < ps->end && tml_is_bare(*at)) {
            const unsigned char *q = at;
            while (q < ps->end && tml_is_bare(*q))
                q++;
            k.s = (const char *)at;
            k.n = (size_t)(q - at);
            ps->p = q;
        } else if (at < ps->end && (*at == '"' || *at == '\'')) {
            char *s;
            if (!tml_parse_string(ps, false, &s, &k.n))
                return false;
            k.s = s;
        } else {
            return tml_fail_unexpected(ps, "a key");
        }
        if (ps->np >= ps->max_depth)
            return tml_fail_at(ps, at, "nesting too deep (a key of more than %u parts)",
                               ps->max_depth);
        k.h = tml_key_hash(ps->doc->seed, k.s, k.n);
        XGROW(ps->parts, ps->pcap, ps->np + 1);
        ps->parts[ps->np++] = k;
        tml_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '.') {
            ps->p++;
            continue;
        }
        return true;
    }
}

