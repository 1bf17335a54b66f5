/* reqfile_lines: a requirements file's text to its logical lines (reqfile.h, steps 1 to 5):
 * decoding (BOMs, UTF-16/32), UTF-8 validation, line continuations, comments, blank lines, and
 * ${VAR} expansion. Pure: no file is read here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/reqfile_internal.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ---- decoding -------------------------------------------------------------------------------- */

/* UTF-16/32 with a BOM to UTF-8. Returns false (with *why) on malformed input. */
static bool utf_wide_to_utf8(const unsigned char *s, size_t n, int unit, bool big, buf_t *out,
                             const char **why)
{
    if (n % (size_t)unit) {
        *why = "truncated UTF-16/32 text";
        return false;
    }
    for (size_t i = 0; i < n; i += (size_t)unit) {
        uint32_t u;
        if (unit == 2)
            u = big ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
        else
            u = big ? ((uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 | (uint32_t)s[i + 2] << 8 |
                       s[i + 3])
                    : ((uint32_t)s[i + 3] << 24 | (uint32_t)s[i + 2] << 16 |
                       (uint32_t)s[i + 1] << 8 | s[i]);
        if (unit == 2 && u >= 0xD800 && u <= 0xDBFF) {
            if (i + 4 > n) {
                *why = "unpaired UTF-16 surrogate";
                return false;
            }
            uint32_t lo = big ? (uint32_t)(s[i + 2] << 8 | s[i + 3])
                              : (uint32_t)(s[i + 3] << 8 | s[i + 2]);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                *why = "unpaired UTF-16 surrogate";
                return false;
            }
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            *why = "unpaired UTF-16 surrogate";
            return false;
        }
        if (u > 0x10FFFF) {
            *why = "invalid UTF-32 code point";
            return false;
        }
        if (u == 0) {
            *why = "NUL character";
            return false;
        }
        buf_add_utf8(out, u);
    }
    return true;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. NUL is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

bool rf_decode(const char *text, size_t len, buf_t *out, const char **why)
{
    const unsigned char *u = (const unsigned char *)text;
    if (len >= 4 && u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0)
        return utf_wide_to_utf8(u + 4, len - 4, 4, false, out, why);
    if (len >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF)
        return utf_wide_to_utf8(u + 4, len - 4, 4, true, out, why);
    if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE)
        return utf_wide_to_utf8(u + 2, len - 2, 2, false, out, why);
    if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF)
        return utf_wide_to_utf8(u + 2, len - 2, 2, true, out, why);
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        buf_add(out, text + 3, len - 3);
    else
        buf_add(out, text, len);
    return true;
}

bool rf_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* ---- lines ----------------------------------------------------------------------------------- */

/* pip's COMMENT_RE = (^|\s+)#.*$ applied with .match: '#' after optional leading space. */
static bool is_comment_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && rf_is_space((unsigned char)s[i]))
        i++;
    return i < n && s[i] == '#';
}

/* COMMENT_RE.sub("", line) then strip(): cuts at the first '#' at the start or after
 * whitespace, then trims. Modifies s in place, returns the trimmed start. */
static char *strip_comment_and_trim(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '#' && (i == 0 || rf_is_space((unsigned char)s[i - 1]))) {
            s[i] = '\0';
            n = i;
            break;
        }
    }
    while (n > 0 && rf_is_space((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (*s && rf_is_space((unsigned char)*s))
        s++;
    return s;
}

/* Hands a joined line to fn when something is left of it once its comment is cut. */
static void logical_line(buf_t *joined, int line, rf_line_fn fn, void *ud)
{
    char *raw = buf_detach(joined);
    char *t = strip_comment_and_trim(raw);
    if (*t)
        fn(ud, line, t);
    free(raw);
}

void rf_each_line(const char *s, size_t n, rf_line_fn fn, void *ud)
{
    size_t pos = 0;
    int lineno = 0;
    buf_t joined = BUF_INIT;
    int primary = 0;
    bool joining = false;
    while (pos < n) {
        size_t e = pos;
        while (e < n && s[e] != '\n' && s[e] != '\r')
            e++;
        lineno++;
        const char *ln = s + pos;
        size_t ll = e - pos;
        if (e < n && s[e] == '\r' && e + 1 < n && s[e + 1] == '\n')
            e++;
        pos = e < n ? e + 1 : n;
        if (!rf_utf8_valid(ln, ll)) {
            fn(ud, lineno, NULL);
            buf_reset(&joined);
            joining = false;
            continue;
        }
        bool comment = is_comment_line(ln, ll);
        bool cont = ll > 0 && ln[ll - 1] == '\\' && !comment;
        if (!cont) {
            int line = lineno;
            if (joining) {
                if (comment)
                    buf_addc(&joined, ' ');
                buf_add(&joined, ln, ll);
                line = primary;
                joining = false;
            } else {
                buf_reset(&joined);
                buf_add(&joined, ln, ll);
            }
            logical_line(&joined, line, fn, ud);
        } else {
            if (!joining) {
                primary = lineno;
                buf_reset(&joined);
                joining = true;
            }
            size_t a = 0, b = ll;
            while (a < b && ln[a] == '\\')
                a++;
            while (b > a && ln[b - 1] == '\\')
                b--;
            buf_add(&joined, ln + a, b - a);
        }
    }
    if (joining)
        logical_line(&joined, primary, fn, ud);
    buf_free(&joined);
}

/* ---- ${VAR} ---------------------------------------------------------------------------------- */

/* ${NAME} expansion, pip's ENV_VAR_RE = \$\{([A-Z0-9_]+)\}; unset/empty stays as written. */
char *rf_expand_vars(const env_lookup_t *vars, const char *s)
{
    if (!strstr(s, "${"))
        return xstrdup(s); /* nothing to expand: most lines */
    buf_t b = BUF_INIT;
    const char *p = s;
    while (*p) {
        if (p[0] == '$' && p[1] == '{') {
            const char *q = p + 2;
            while ((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')
                q++;
            if (*q == '}' && q > p + 2) {
                char *name = xstrndup(p + 2, (size_t)(q - p - 2));
                const char *v = env_get(vars, name);
                free(name);
                if (v && *v) {
                    buf_adds(&b, v);
                    p = q + 1;
                    continue;
                }
            }
        }
        buf_addc(&b, *p++);
    }
    return buf_detach(&b);
}
