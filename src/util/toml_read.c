/* toml_read: the strict TOML 1.0 reader, its DOM, accessors and builder (see toml.h). */
#include "util/toml.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xalloc.h"

/* ---- the DOM -------------------------------------------------------------------------------- */

/* Tables: how they came to be, which decides what may still be done to them. */
enum {
    K_IMPLICIT = 1,   /* named as the parent in a [header] only: may be defined by one later */
    K_HEADER,         /* defined by [header] or [[header]] (and the root): closed to dotted keys */
    K_DOTTED,         /* defined by dotted keys: closed to [headers] (sub-tables are fine) */
    K_INLINE,         /* { ... }, and tables built inline: closed for good */
    K_STATIC,         /* arrays: [ ... ], closed for good */
    K_AOT,            /* arrays: [[x]]; [[x]] appends, [x.y] extends the last element */
};

typedef struct entry {
    const char *key;          /* NUL-terminated copy in the arena */
    size_t klen;
    uint64_t hash;
    toml_value_t *val;
} entry_t;

struct toml_value {
    uint8_t type;             /* toml_type_t */
    uint8_t kind;             /* K_* for tables and arrays */
    uint8_t multiline;        /* arrays: writer hint */
    uint16_t depth;           /* root 0, its keys 1, ... */
    uint32_t line, col;       /* 0 for built values */
    size_t len;               /* STRING / date-times: bytes; ARRAY: items; TABLE: entries */
    size_t cap;               /* ARRAY / TABLE: slots allocated */
    toml_doc_t *doc;          /* ARRAY / TABLE: the owner (arena, hash seed) */
    union {
        bool b;
        int64_t i;
        double f;
        char *s;              /* STRING / date-times: NUL-terminated */
        toml_value_t **items; /* ARRAY */
        struct {
            entry_t *entries;
            uint32_t *index;  /* open addressing, entry number + 1, 0 = free; NULL when small */
            size_t icap;      /* a power of two */
        } t;
    } u;
};

typedef struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];
} block_t;

struct toml_doc {
    block_t *blocks;
    toml_value_t *root;
    char *name;
    uint64_t seed;
    bool parsed;
};

#define BLOCK_MIN (64u * 1024u)
#define INDEX_FROM 8          /* tables with more entries than this get a hash index */

static void *arena_alloc(toml_doc_t *d, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    block_t *b = d->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;
        block_t *nb = xmalloc(sizeof(block_t) + cap);
        nb->used = 0;
        nb->cap = cap;
        if (b && n > BLOCK_MIN) {
            /* a big one-off: keep filling the current block afterwards */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            d->blocks = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static char *arena_strndup(toml_doc_t *d, const char *s, size_t n)
{
    char *p = arena_alloc(d, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static toml_doc_t *doc_new(void)
{
    toml_doc_t *d = xcalloc(1, sizeof(*d));
    /* The hash seed only changes timings, never results: an address (ASLR) is enough to keep
     * crafted colliding keys from being cheap. */
    uint64_t s = (uint64_t)(uintptr_t)d;
    s ^= s >> 29;
    d->seed = s * 0x9E3779B97F4A7C15ULL;
    return d;
}

void toml_doc_free(toml_doc_t *d)
{
    if (!d)
        return;
    for (block_t *b = d->blocks, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(d->name);
    free(d);
}

static toml_value_t *new_value(toml_doc_t *d, toml_type_t type, uint8_t kind, unsigned depth)
{
    toml_value_t *v = arena_alloc(d, sizeof(*v));
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    v->kind = kind;
    v->depth = (uint16_t)depth;
    if (type == TOML_ARRAY || type == TOML_TABLE)
        v->doc = d;
    return v;
}

static uint64_t key_hash(uint64_t seed, const char *k, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static entry_t *table_find(const toml_value_t *t, const char *k, size_t n, uint64_t h)
{
    entry_t *es = t->u.t.entries;
    if (t->u.t.index) {
        size_t mask = t->u.t.icap - 1;
        for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
            uint32_t s = t->u.t.index[i];
            if (!s)
                return NULL;
            entry_t *e = &es[s - 1];
            if (e->hash == h && e->klen == n && memcmp(e->key, k, n) == 0)
                return e;
        }
    }
    for (size_t i = 0; i < t->len; i++)
        if (es[i].hash == h && es[i].klen == n && memcmp(es[i].key, k, n) == 0)
            return &es[i];
    return NULL;
}

static void index_put(toml_value_t *t, size_t entry)
{
    size_t mask = t->u.t.icap - 1;
    size_t i = (size_t)t->u.t.entries[entry].hash & mask;
    while (t->u.t.index[i])
        i = (i + 1) & mask;
    t->u.t.index[i] = (uint32_t)(entry + 1);
}

/* Adds key -> v at the end of table t (the key is known to be absent). */
static void table_insert(toml_value_t *t, const char *k, size_t n, uint64_t h, toml_value_t *v)
{
    toml_doc_t *d = t->doc;
    if (t->len == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        entry_t *es = arena_alloc(d, cap * sizeof(entry_t));
        if (t->len)
            memcpy(es, t->u.t.entries, t->len * sizeof(entry_t));
        t->u.t.entries = es;
        t->cap = cap;
    }
    if (t->len >= UINT32_MAX - 1) {
        fprintf(stderr, "venvsync: TOML table too large\n");
        abort();
    }
    entry_t *e = &t->u.t.entries[t->len++];
    e->key = arena_strndup(d, k, n);
    e->klen = n;
    e->hash = h;
    e->val = v;
    if (t->len <= INDEX_FROM)
        return;
    if (!t->u.t.index || t->len * 2 > t->u.t.icap) {
        size_t icap = 32;
        while (icap < t->len * 4)
            icap *= 2;
        t->u.t.index = arena_alloc(d, icap * sizeof(uint32_t));
        memset(t->u.t.index, 0, icap * sizeof(uint32_t));
        t->u.t.icap = icap;
        for (size_t i = 0; i < t->len; i++)
            index_put(t, i);
    } else {
        index_put(t, t->len - 1);
    }
}

static void array_push(toml_value_t *a, toml_value_t *v)
{
    if (a->len == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        toml_value_t **items = arena_alloc(a->doc, cap * sizeof(*items));
        if (a->len)
            memcpy(items, a->u.items, a->len * sizeof(*items));
        a->u.items = items;
        a->cap = cap;
    }
    a->u.items[a->len++] = v;
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at q (lead byte >= 0x80), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *q, const unsigned char *e)
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

bool toml_utf8_valid(const char *s, size_t n)
{
    const unsigned char *q = (const unsigned char *)s, *e = q + n;
    while (q < e) {
        if (*q < 0x80) {
            q++;
            continue;
        }
        size_t k = utf8_seq(q, e);
        if (!k)
            return false;
        q += k;
    }
    return true;
}

/* ---- parser --------------------------------------------------------------------------------- */

typedef struct keypart {
    const char *s;            /* into the input (bare keys) or the arena (quoted ones) */
    size_t n;
    uint64_t h;
    const unsigned char *at;
} keypart_t;

typedef struct parser {
    const unsigned char *body, *p, *end;  /* body: after a BOM */
    const char *name;
    toml_doc_t *doc;
    unsigned max_depth;
    /* position cursor: line / column of cur (columns in code points) */
    const unsigned char *cur;
    size_t cur_line, cur_col;
    keypart_t *parts;         /* the key being parsed */
    size_t np, pcap;
    buf_t sbuf;               /* string scratch */
    err_t *err;
} parser_t;

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
static void locate(parser_t *ps, const unsigned char *at, size_t *line, size_t *col)
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

static void set_pos(parser_t *ps, toml_value_t *v, const unsigned char *at)
{
    size_t l, c;
    locate(ps, at, &l, &c);
    v->line = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
    v->col = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

static bool fail_at(parser_t *ps, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail_at(parser_t *ps, const unsigned char *at, const char *fmt, ...)
{
    if (ps->err)
        return false;
    if (at > ps->end)
        at = ps->end;
    size_t line, col;
    locate(ps, at, &line, &col);
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
static bool fail_unexpected(parser_t *ps, const char *expected)
{
    const unsigned char *p = ps->p, *e = ps->end;
    if (p >= e)
        return fail_at(ps, p, "unexpected end of file (expected %s)", expected);
    unsigned c = *p;
    if (c == '\n' || (c == '\r' && p + 1 < e && p[1] == '\n'))
        return fail_at(ps, p, "unexpected end of line (expected %s)", expected);
    if (c == '\r')
        return fail_at(ps, p, "carriage return not followed by a line feed");
    if (c > 0x20 && c < 0x7F)
        return fail_at(ps, p, "unexpected '%c' (expected %s)", (int)c, expected);
    if (c < 0x80)
        return fail_at(ps, p, "unexpected %s U+%04X (expected %s)",
                       c == ' ' || c == '\t' ? "whitespace" : "control character", c, expected);
    if (!utf8_seq(p, e))
        return fail_at(ps, p, "invalid UTF-8");
    return fail_at(ps, p, "unexpected non-ASCII character (expected %s)", expected);
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

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_bare(unsigned char c)
{
    return byte_class[c] & C_BARE;
}

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end && is_ws(*ps->p))
        ps->p++;
}

/* 1 for LF, 2 for CRLF at q, else 0. */
static int newline_at(const parser_t *ps, const unsigned char *q)
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
            size_t k = utf8_seq(q, e);
            if (!k)
                return fail_at(ps, q, "invalid UTF-8");
            q += k;
            continue;
        }
        if (c == '\r' && q + 1 < e && q[1] == '\n')
            break;
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return fail_at(ps, q, "control character U+%04X in a comment", c);
        q++;
    }
    ps->p = q;
    return true;
}

/* Whitespace, newlines and comments (between array items). */
static bool skip_ws_nl(parser_t *ps)
{
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end)
            return true;
        int n = newline_at(ps, ps->p);
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
static bool end_of_line(parser_t *ps)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '#' && !skip_comment(ps))
        return false;
    if (ps->p >= ps->end)
        return true;
    int n = newline_at(ps, ps->p);
    if (!n)
        return fail_unexpected(ps, "a new line");
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
            return fail_at(ps, q + i, "\\%c escape needs %d hexadecimal digits",
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
static bool parse_string(parser_t *ps, bool ml_ok, char **out, size_t *outlen)
{
    const unsigned char *open = ps->p, *e = ps->end;
    const unsigned char q0 = *open;
    bool literal = q0 == '\'';
    bool ml = e - open >= 3 && open[1] == q0 && open[2] == q0;
    if (ml && !ml_ok)
        return fail_at(ps, open, "a multi-line string cannot be a key");
    const unsigned char *q = open + (ml ? 3 : 1);
    const unsigned char cls = literal ? C_LITERAL : C_BASIC;
    if (!ml) {
        /* fast path: no escape, nothing to check but the bytes' class */
        const unsigned char *r = q;
        while (r < e && (byte_class[*r] & cls))
            r++;
        if (r < e && *r == q0) {
            *out = arena_strndup(ps->doc, (const char *)q, (size_t)(r - q));
            *outlen = (size_t)(r - q);
            ps->p = r + 1;
            return true;
        }
    }
    buf_t *b = &ps->sbuf;
    buf_reset(b);
    if (ml)
        q += newline_at(ps, q);   /* a newline right after the opening delimiter is trimmed */
    for (;;) {
        const unsigned char *r = q;
        while (r < e && (byte_class[*r] & cls))
            r++;
        buf_add(b, q, (size_t)(r - q));
        q = r;
        if (q >= e)
            return fail_at(ps, open, "unterminated string");
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
                return fail_at(ps, open, "unterminated string");
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
                    return fail_at(ps, esc, "escape \\%c%.*s is not a Unicode scalar value",
                                   *q, nd, (const char *)q + 1);
                buf_add_utf8(b, cp);
                q += 1 + nd;
                continue;
            }
            default:
                break;
            }
            if (ml && (is_ws(*q) || newline_at(ps, q) || *q == '\r')) {
                /* line-ending backslash: skip whitespace up to a newline, then every
                 * whitespace and newline after it */
                const unsigned char *r2 = q;
                while (r2 < e && is_ws(*r2))
                    r2++;
                if (!newline_at(ps, r2))
                    return fail_at(ps, esc, "a backslash followed by whitespace must end the "
                                            "line");
                for (;;) {
                    int n = newline_at(ps, r2);
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
                return fail_at(ps, esc, "invalid escape sequence '\\%c'", *q);
            return fail_at(ps, esc, "invalid escape sequence");
        }
        if (c >= 0x80) {
            size_t k = utf8_seq(q, e);
            if (!k)
                return fail_at(ps, q, "invalid UTF-8");
            buf_add(b, q, k);
            q += k;
            continue;
        }
        int n = newline_at(ps, q);
        if (n && ml) {
            buf_addc(b, '\n');
            q += n;
            continue;
        }
        if (n || c == '\n')
            return fail_at(ps, open, "unterminated string (a newline before the closing quote)");
        if (c == '\r' && ml)
            return fail_at(ps, q, "carriage return not followed by a line feed");
        return fail_at(ps, q, "control character U+%04X in a string (must be escaped)", c);
    }
    *out = arena_strndup(ps->doc, b->data ? b->data : "", b->len);
    *outlen = b->len;
    ps->p = q;
    return true;
}

/* ---- numbers and dates ---------------------------------------------------------------------- */

static int digit_value(unsigned char c, int radix)
{
    int v = radix == 16 ? hex_value((char)c) : (is_digit(c) ? c - '0' : -1);
    return v >= 0 && v < radix ? v : -1;
}

/* Digits of radix with single underscores between them, from q (a digit must be there).
 * Returns the end, or NULL after an error. */
static const unsigned char *scan_digits(parser_t *ps, const unsigned char *q, int radix,
                                        const char *what)
{
    const unsigned char *e = ps->end;
    if (q >= e || digit_value(*q, radix) < 0) {
        fail_at(ps, q, "%s: a digit is expected here", what);
        return NULL;
    }
    while (q < e) {
        if (digit_value(*q, radix) >= 0) {
            q++;
        } else if (*q == '_') {
            if (q + 1 >= e || digit_value(q[1], radix) < 0) {
                fail_at(ps, q, "%s: an underscore must be between two digits", what);
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
static bool bad_follower(const parser_t *ps, const unsigned char *q)
{
    return q < ps->end && (is_bare(*q) || *q == '.' || *q == ':' || *q == '+');
}

static bool parse_number(parser_t *ps, toml_value_t *v)
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
                return fail_at(ps, s, "integer does not fit in 64 bits");
            val = val * (unsigned)radix + dv;
        }
        v->type = TOML_INTEGER;
        v->u.i = (int64_t)val;
        q = r;
    } else {
        if (q >= e || !is_digit(*q))
            return fail_at(ps, sign ? q : s, sign ? "invalid number" : "invalid value");
        if (*q == '0' && q + 1 < e && (is_digit(q[1]) || q[1] == '_'))
            return fail_at(ps, q, "leading zeros are not allowed");
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
                    return fail_at(ps, s, "integer does not fit in 64 bits");
                mag = mag * 10 + dv;
            }
            v->type = TOML_INTEGER;
            v->u.i = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag)
                         : (int64_t)mag;
        }
    }
    if (bad_follower(ps, q))
        return fail_at(ps, q, "invalid character in a number");
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
        if (!is_digit(q[i]))
            return -1;
        v = v * 10 + (q[i] - '0');
    }
    return v;
}

/* True at "DDDD-" (a date) or "DD:" (a time). */
static bool looks_like_datetime(const parser_t *ps, const unsigned char *q)
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
        fail_at(ps, q, "invalid time (expected HH:MM:SS)");
        return NULL;
    }
    if (h > 23 || mi > 59 || s > 60) {
        fail_at(ps, q, "invalid time (hour, minute or second out of range)");
        return NULL;
    }
    q += 8;
    if (q < e && *q == '.') {
        q++;
        if (q >= e || !is_digit(*q)) {
            fail_at(ps, q, "invalid time (digits expected after '.')");
            return NULL;
        }
        while (q < e && is_digit(*q))
            q++;
    }
    return q;
}

static bool parse_datetime(parser_t *ps, toml_value_t *v)
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
            return fail_at(ps, s, "invalid date (expected YYYY-MM-DD)");
        if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
            return fail_at(ps, s, "invalid date (month or day out of range)");
        q += 10;
        date = true;
        if (q < e && (*q == 'T' || *q == 't' || (*q == ' ' && q + 1 < e && is_digit(q[1])))) {
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
                return fail_at(ps, q, "invalid time offset (expected +HH:MM or -HH:MM)");
            if (oh > 23 || om > 59)
                return fail_at(ps, q, "invalid time offset (out of range)");
            q += 6;
            offset = true;
        }
    }
    if (bad_follower(ps, q))
        return fail_at(ps, q, "invalid character in a date or time");
    v->type = offset ? TOML_DATETIME : date && time ? TOML_LOCAL_DATETIME
            : date   ? TOML_LOCAL_DATE : TOML_LOCAL_TIME;
    size_t n = (size_t)(q - s);
    char *t = arena_strndup(ps->doc, (const char *)s, n);
    if (date && time)
        t[10] = 'T';
    if (offset && (t[n - 1] == 'z'))
        t[n - 1] = 'Z';
    v->u.s = t;
    v->len = n;
    ps->p = q;
    return true;
}

/* ---- keys, values, tables ------------------------------------------------------------------- */

static bool parse_value(parser_t *ps, const toml_value_t *parent, toml_value_t **out);

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

static bool fail_key(parser_t *ps, size_t upto, const char *fmt)
{
    buf_t b = BUF_INIT;
    fail_at(ps, ps->parts[upto - 1].at, fmt, key_text(ps, upto, &b));
    buf_free(&b);
    return false;
}

/* A key (one or more dotted parts) at ps->p into ps->parts. */
static bool parse_key(parser_t *ps)
{
    ps->np = 0;
    for (;;) {
        skip_ws(ps);
        const unsigned char *at = ps->p;
        keypart_t k = {.at = at};
        if (at < ps->end && is_bare(*at)) {
            const unsigned char *q = at;
            while (q < ps->end && is_bare(*q))
                q++;
            k.s = (const char *)at;
            k.n = (size_t)(q - at);
            ps->p = q;
        } else if (at < ps->end && (*at == '"' || *at == '\'')) {
            char *s;
            if (!parse_string(ps, false, &s, &k.n))
                return false;
            k.s = s;
        } else {
            return fail_unexpected(ps, "a key");
        }
        if (ps->np >= ps->max_depth)
            return fail_at(ps, at, "nesting too deep (a key of more than %u parts)", ps->max_depth);
        k.h = key_hash(ps->doc->seed, k.s, k.n);
        XGROW(ps->parts, ps->pcap, ps->np + 1);
        ps->parts[ps->np++] = k;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '.') {
            ps->p++;
            continue;
        }
        return true;
    }
}

static bool check_depth(parser_t *ps, const unsigned char *at, unsigned depth)
{
    if (depth > ps->max_depth)
        return fail_at(ps, at, "nesting too deep (more than %u levels)", ps->max_depth);
    return true;
}

/* key = value into table t (a section, or an inline table being read). */
static bool parse_keyval(parser_t *ps, toml_value_t *t)
{
    if (!parse_key(ps))
        return false;
    if (ps->p >= ps->end || *ps->p != '=')
        return fail_unexpected(ps, "'=' after the key");
    ps->p++;
    skip_ws(ps);
    for (size_t i = 0; i + 1 < ps->np; i++) {
        keypart_t *k = &ps->parts[i];
        entry_t *en = table_find(t, k->s, k->n, k->h);
        if (!en) {
            if (!check_depth(ps, k->at, t->depth + 1u))
                return false;
            toml_value_t *nt = new_value(ps->doc, TOML_TABLE, K_DOTTED, t->depth + 1u);
            set_pos(ps, nt, k->at);
            table_insert(t, k->s, k->n, k->h, nt);
            t = nt;
            continue;
        }
        toml_value_t *x = en->val;
        if (x->type == TOML_ARRAY && x->kind == K_AOT)
            return fail_key(ps, i + 1, "'%s' is an array of tables: dotted keys cannot extend it");
        if (x->type != TOML_TABLE)
            return fail_key(ps, i + 1, "'%s' is already a value, not a table");
        if (x->kind == K_INLINE)
            return fail_key(ps, i + 1, "'%s' is an inline table: it cannot be extended");
        if (x->kind == K_HEADER)
            return fail_key(ps, i + 1, "table '%s' is defined by a [header]: dotted keys cannot "
                                       "extend it");
        if (x->kind == K_IMPLICIT)
            x->kind = K_DOTTED;
        t = x;
    }
    keypart_t last = ps->parts[ps->np - 1];
    if (table_find(t, last.s, last.n, last.h))
        return fail_key(ps, ps->np, "duplicate key '%s'");
    toml_value_t *v;
    if (!parse_value(ps, t, &v))
        return false;
    table_insert(t, last.s, last.n, last.h, v);
    return true;
}

static bool parse_array(parser_t *ps, toml_value_t *a)
{
    ps->p++;
    for (;;) {
        if (!skip_ws_nl(ps))
            return false;
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return true;
        }
        toml_value_t *item;
        if (!parse_value(ps, a, &item))
            return false;
        array_push(a, item);
        if (!skip_ws_nl(ps))
            return false;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return true;
        }
        return fail_unexpected(ps, "',' or ']'");
    }
}

static bool parse_inline_table(parser_t *ps, toml_value_t *t)
{
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return true;
    }
    for (;;) {
        if (!parse_keyval(ps, t))
            return false;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == '}')
                return fail_at(ps, ps->p, "trailing comma in an inline table");
            if (newline_at(ps, ps->p))
                return fail_at(ps, ps->p, "newline in an inline table");
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return true;
        }
        if (newline_at(ps, ps->p))
            return fail_at(ps, ps->p, "newline in an inline table");
        return fail_unexpected(ps, "',' or '}'");
    }
}

static bool parse_value(parser_t *ps, const toml_value_t *parent, toml_value_t **out)
{
    const unsigned char *at = ps->p, *e = ps->end;
    unsigned depth = parent->depth + 1u;
    if (at >= e)
        return fail_unexpected(ps, "a value");
    if (!check_depth(ps, at, depth))
        return false;
    toml_value_t *v = new_value(ps->doc, TOML_NONE, 0, depth);
    set_pos(ps, v, at);
    *out = v;
    switch (*at) {
    case '"':
    case '\'':
        v->type = TOML_STRING;
        return parse_string(ps, true, &v->u.s, &v->len);
    case '[':
        v->type = TOML_ARRAY;
        v->kind = K_STATIC;
        v->doc = ps->doc;
        return parse_array(ps, v);
    case '{':
        v->type = TOML_TABLE;
        v->kind = K_INLINE;
        v->doc = ps->doc;
        return parse_inline_table(ps, v);
    case 't':
    case 'f': {
        size_t n = *at == 't' ? 4 : 5;
        if ((size_t)(e - at) >= n && memcmp(at, *at == 't' ? "true" : "false", n) == 0 &&
            !bad_follower(ps, at + n)) {
            v->type = TOML_BOOLEAN;
            v->u.b = *at == 't';
            ps->p = at + n;
            return true;
        }
        break;
    }
    default:
        if (is_digit(*at) && looks_like_datetime(ps, at))
            return parse_datetime(ps, v);
        if (is_digit(*at) || *at == '+' || *at == '-' || *at == 'i' || *at == 'n')
            return parse_number(ps, v);
        break;
    }
    if (is_bare(*at) || *at == '+')
        return fail_at(ps, at, "invalid value");
    return fail_unexpected(ps, "a value");
}

/* [header] or [[header]] at ps->p; *section becomes the table that receives the key/values. */
static bool parse_header(parser_t *ps, toml_value_t **section)
{
    const unsigned char *open = ps->p;
    size_t hline, hcol;       /* located first: the cursor only moves forward */
    locate(ps, open, &hline, &hcol);
    toml_value_t hpos = {.line = (uint32_t)(hline > UINT32_MAX ? UINT32_MAX : hline),
                         .col = (uint32_t)(hcol > UINT32_MAX ? UINT32_MAX : hcol)};
    bool aot = ps->end - open >= 2 && open[1] == '[';
    ps->p += aot ? 2 : 1;
    if (!parse_key(ps))
        return false;
    if (ps->p >= ps->end || *ps->p != ']' || (aot && (ps->end - ps->p < 2 || ps->p[1] != ']')))
        return fail_unexpected(ps, aot ? "']]'" : "']'");
    ps->p += aot ? 2 : 1;
    toml_value_t *t = ps->doc->root;
    for (size_t i = 0; i + 1 < ps->np; i++) {
        keypart_t *k = &ps->parts[i];
        entry_t *en = table_find(t, k->s, k->n, k->h);
        if (!en) {
            if (!check_depth(ps, k->at, t->depth + 1u))
                return false;
            toml_value_t *nt = new_value(ps->doc, TOML_TABLE, K_IMPLICIT, t->depth + 1u);
            set_pos(ps, nt, k->at);
            table_insert(t, k->s, k->n, k->h, nt);
            t = nt;
            continue;
        }
        toml_value_t *x = en->val;
        if (x->type == TOML_ARRAY && x->kind == K_AOT) {
            t = x->u.items[x->len - 1];
        } else if (x->type == TOML_TABLE) {
            if (x->kind == K_INLINE)
                return fail_key(ps, i + 1, "'%s' is an inline table: it cannot be extended");
            t = x;
        } else if (x->type == TOML_ARRAY) {
            return fail_key(ps, i + 1, "'%s' is a static array: it cannot be extended");
        } else {
            return fail_key(ps, i + 1, "'%s' is already a value, not a table");
        }
    }
    keypart_t *k = &ps->parts[ps->np - 1];
    entry_t *en = table_find(t, k->s, k->n, k->h);
    toml_value_t *x = en ? en->val : NULL;
    if (!aot) {
        if (!x) {
            if (!check_depth(ps, k->at, t->depth + 1u))
                return false;
            x = new_value(ps->doc, TOML_TABLE, K_HEADER, t->depth + 1u);
            x->line = hpos.line;
            x->col = hpos.col;
            table_insert(t, k->s, k->n, k->h, x);
        } else if (x->type == TOML_TABLE && x->kind == K_IMPLICIT) {
            x->kind = K_HEADER;
            x->line = hpos.line;
            x->col = hpos.col;
        } else if (x->type == TOML_TABLE && x->kind == K_DOTTED) {
            return fail_key(ps, ps->np, "table '%s' is already defined by dotted keys");
        } else if (x->type == TOML_TABLE && x->kind == K_INLINE) {
            return fail_key(ps, ps->np, "'%s' is an inline table: it cannot be extended");
        } else if (x->type == TOML_TABLE) {
            return fail_key(ps, ps->np, "table '%s' is defined twice");
        } else if (x->type == TOML_ARRAY && x->kind == K_AOT) {
            return fail_key(ps, ps->np, "'%s' is an array of tables, not a table");
        } else {
            return fail_key(ps, ps->np, "'%s' is already a value, not a table");
        }
        *section = x;
        return true;
    }
    if (!x) {
        if (!check_depth(ps, k->at, t->depth + 2u))
            return false;
        x = new_value(ps->doc, TOML_ARRAY, K_AOT, t->depth + 1u);
        x->line = hpos.line;
        x->col = hpos.col;
        table_insert(t, k->s, k->n, k->h, x);
    } else if (x->type == TOML_ARRAY && x->kind == K_STATIC) {
        return fail_key(ps, ps->np, "'%s' is a static array: [[...]] cannot extend it");
    } else if (x->type != TOML_ARRAY) {
        return fail_key(ps, ps->np, x->type == TOML_TABLE ? "'%s' is a table, not an array of "
                                                            "tables"
                                                          : "'%s' is already a value, not an "
                                                            "array of tables");
    }
    toml_value_t *el = new_value(ps->doc, TOML_TABLE, K_HEADER, x->depth + 1u);
    el->line = hpos.line;
    el->col = hpos.col;
    array_push(x, el);
    *section = el;
    return true;
}

static void parse_document(parser_t *ps)
{
    toml_value_t *section = ps->doc->root;
    while (ps->p < ps->end) {
        skip_ws(ps);
        if (ps->p >= ps->end)
            break;
        int n = newline_at(ps, ps->p);
        if (n) {
            ps->p += n;
            continue;
        }
        bool ok = true;
        if (*ps->p == '[')
            ok = parse_header(ps, &section);
        else if (*ps->p != '#')
            ok = parse_keyval(ps, section);
        if (!ok || !end_of_line(ps))
            return;
    }
}

err_t *toml_parse(const char *text, size_t len, const char *name, const toml_limits_t *lim,
                  toml_doc_t **out)
{
    *out = NULL;
    parser_t ps = {0};
    ps.body = ps.p = (const unsigned char *)(text ? text : "");
    ps.end = ps.p + (text ? len : 0);
    if (ps.end - ps.p >= 3 && memcmp(ps.p, "\xEF\xBB\xBF", 3) == 0)
        ps.body = ps.p = ps.p + 3;
    ps.cur = ps.body;
    ps.cur_line = ps.cur_col = 1;
    ps.name = name ? name : "TOML";
    int md = lim && lim->max_depth > 0 ? lim->max_depth : TOML_DEFAULT_MAX_DEPTH;
    ps.max_depth = md > UINT16_MAX - 2 ? UINT16_MAX - 2 : (unsigned)md;
    ps.doc = doc_new();
    ps.doc->parsed = true;
    ps.doc->name = xstrdup(ps.name);
    ps.doc->root = new_value(ps.doc, TOML_TABLE, K_HEADER, 0);
    ps.doc->root->line = ps.doc->root->col = 1;
    parse_document(&ps);
    free(ps.parts);
    buf_free(&ps.sbuf);
    if (ps.err) {
        toml_doc_free(ps.doc);
        return ps.err;
    }
    *out = ps.doc;
    return NULL;
}

/* ---- accessors ------------------------------------------------------------------------------ */

const toml_value_t *toml_doc_root(const toml_doc_t *d)
{
    return d ? d->root : NULL;
}

const char *toml_doc_name(const toml_doc_t *d)
{
    return d ? d->name : NULL;
}

err_t *toml_err(const toml_doc_t *d, const toml_value_t *v, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    const char *name = d ? d->name : NULL;
    if (name && v && v->line)
        buf_printf(&b, "%s:%u:%u: ", name, (unsigned)v->line, (unsigned)v->col);
    else if (name)
        buf_printf(&b, "%s: ", name);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    err_t *e = err_new(EXIT_USAGE, "%s", buf_cstr(&b));
    buf_free(&b);
    return e;
}

toml_type_t toml_type(const toml_value_t *v)
{
    return v ? (toml_type_t)v->type : TOML_NONE;
}

bool toml_is(const toml_value_t *v, toml_type_t t)
{
    return v && v->type == t;
}

const char *toml_type_name(const toml_value_t *v)
{
    switch (toml_type(v)) {
    case TOML_NONE: return "missing";
    case TOML_STRING: return "string";
    case TOML_INTEGER: return "integer";
    case TOML_FLOAT: return "float";
    case TOML_BOOLEAN: return "boolean";
    case TOML_DATETIME: return "offset date-time";
    case TOML_LOCAL_DATETIME: return "local date-time";
    case TOML_LOCAL_DATE: return "local date";
    case TOML_LOCAL_TIME: return "local time";
    case TOML_ARRAY: return "array";
    case TOML_TABLE: return "table";
    }
    return "?";
}

int toml_line(const toml_value_t *v)
{
    return v ? (int)(v->line > INT32_MAX ? INT32_MAX : v->line) : 0;
}

int toml_col(const toml_value_t *v)
{
    return v ? (int)(v->col > INT32_MAX ? INT32_MAX : v->col) : 0;
}

const toml_value_t *toml_getn(const toml_value_t *v, const char *key, size_t klen)
{
    if (!v || v->type != TOML_TABLE || !key)
        return NULL;
    entry_t *e = table_find(v, key, klen, key_hash(v->doc->seed, key, klen));
    return e ? e->val : NULL;
}

const toml_value_t *toml_get(const toml_value_t *v, const char *key)
{
    return key ? toml_getn(v, key, strlen(key)) : NULL;
}

const toml_value_t *toml_get_path(const toml_value_t *v, const char *path)
{
    if (!path)
        return NULL;
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        v = toml_getn(v, path, n);
        if (!dot || !v)
            return v;
        path = dot + 1;
    }
}

size_t toml_len(const toml_value_t *v)
{
    return v && (v->type == TOML_ARRAY || v->type == TOML_TABLE) ? v->len : 0;
}

const toml_value_t *toml_at(const toml_value_t *v, size_t i)
{
    return v && v->type == TOML_ARRAY && i < v->len ? v->u.items[i] : NULL;
}

const toml_value_t *toml_entry(const toml_value_t *v, size_t i, const char **key, size_t *klen)
{
    if (!v || v->type != TOML_TABLE || i >= v->len)
        return NULL;
    const entry_t *e = &v->u.t.entries[i];
    if (key)
        *key = e->key;
    if (klen)
        *klen = e->klen;
    return e->val;
}

const char *toml_str(const toml_value_t *v, size_t *len)
{
    if (!v || v->type != TOML_STRING)
        return NULL;
    if (len)
        *len = v->len;
    return v->u.s;
}

bool toml_int(const toml_value_t *v, int64_t *out)
{
    if (!v || v->type != TOML_INTEGER)
        return false;
    *out = v->u.i;
    return true;
}

bool toml_float(const toml_value_t *v, double *out)
{
    if (!v || v->type != TOML_FLOAT)
        return false;
    *out = v->u.f;
    return true;
}

bool toml_bool(const toml_value_t *v, bool *out)
{
    if (!v || v->type != TOML_BOOLEAN)
        return false;
    *out = v->u.b;
    return true;
}

const char *toml_datetime(const toml_value_t *v)
{
    if (!v || v->type < TOML_DATETIME || v->type > TOML_LOCAL_TIME)
        return NULL;
    return v->u.s;
}

bool toml_is_inline(const toml_value_t *v)
{
    return v && v->type == TOML_TABLE && v->kind == K_INLINE;
}

bool toml_is_table_array(const toml_value_t *v)
{
    return v && v->type == TOML_ARRAY && v->kind == K_AOT;
}

bool toml_is_multiline(const toml_value_t *v)
{
    return v && v->type == TOML_ARRAY && v->multiline;
}

/* ---- builder -------------------------------------------------------------------------------- */

static void misuse(const char *what)
{
    fprintf(stderr, "venvsync: TOML builder misuse: %s\n", what);
    abort();
}

toml_doc_t *toml_doc_new(void)
{
    toml_doc_t *d = doc_new();
    d->root = new_value(d, TOML_TABLE, K_HEADER, 0);
    return d;
}

toml_value_t *toml_build_root(toml_doc_t *d)
{
    if (!d || d->parsed)
        misuse("a parsed document is read-only");
    return d->root;
}

/* Checks c and key, and links v (made by the caller for c's document) under them. */
static toml_value_t *attach(toml_value_t *c, const char *key, toml_value_t *v)
{
    if (c->type == TOML_TABLE) {
        if (!key)
            misuse("a table entry needs a key");
        size_t n = strlen(key);
        uint64_t h = key_hash(c->doc->seed, key, n);
        if (table_find(c, key, n, h))
            misuse("duplicate key");
        table_insert(c, key, n, h, v);
    } else {
        if (key)
            misuse("array items have no key");
        if (c->kind == K_AOT && v->type != TOML_TABLE)
            misuse("an array of tables holds tables only");
        array_push(c, v);
    }
    return v;
}

static toml_value_t *add(toml_value_t *c, const char *key, toml_type_t type, uint8_t kind)
{
    if (!c || (c->type != TOML_TABLE && c->type != TOML_ARRAY))
        misuse("not a table or an array");
    toml_doc_t *d = c->doc;
    if (d->parsed)
        misuse("a parsed document is read-only");
    if (type == TOML_TABLE && kind == K_HEADER &&
        (c->kind == K_INLINE || (c->type == TOML_ARRAY && c->kind != K_AOT)))
        kind = K_INLINE;
    toml_value_t *v = new_value(d, type, kind, c->depth + 1u > UINT16_MAX ? UINT16_MAX
                                                                          : c->depth + 1u);
    return attach(c, key, v);
}

toml_value_t *toml_add_table(toml_value_t *c, const char *key)
{
    return add(c, key, TOML_TABLE, K_HEADER);
}

toml_value_t *toml_add_inline(toml_value_t *c, const char *key)
{
    return add(c, key, TOML_TABLE, K_INLINE);
}

toml_value_t *toml_add_array(toml_value_t *c, const char *key)
{
    return add(c, key, TOML_ARRAY, K_STATIC);
}

toml_value_t *toml_add_table_array(toml_value_t *c, const char *key)
{
    return add(c, key, TOML_ARRAY, K_AOT);
}

toml_value_t *toml_add_strn(toml_value_t *c, const char *key, const char *s, size_t n)
{
    toml_value_t *v = add(c, key, TOML_STRING, 0);
    v->u.s = arena_strndup(c->doc, s ? s : "", s ? n : 0);
    v->len = s ? n : 0;
    return v;
}

toml_value_t *toml_add_str(toml_value_t *c, const char *key, const char *s)
{
    return toml_add_strn(c, key, s, s ? strlen(s) : 0);
}

toml_value_t *toml_add_int(toml_value_t *c, const char *key, int64_t i)
{
    toml_value_t *v = add(c, key, TOML_INTEGER, 0);
    v->u.i = i;
    return v;
}

toml_value_t *toml_add_float(toml_value_t *c, const char *key, double f)
{
    toml_value_t *v = add(c, key, TOML_FLOAT, 0);
    v->u.f = f;
    return v;
}

toml_value_t *toml_add_bool(toml_value_t *c, const char *key, bool b)
{
    toml_value_t *v = add(c, key, TOML_BOOLEAN, 0);
    v->u.b = b;
    return v;
}

toml_value_t *toml_add_datetime(toml_value_t *c, const char *key, const char *text)
{
    if (!c || (c->type != TOML_TABLE && c->type != TOML_ARRAY))
        misuse("not a table or an array");
    if (!text || !*text || !is_digit((unsigned char)*text))
        return NULL;
    /* read the text with the parser's own rules, into a scratch document */
    toml_doc_t *scratch = doc_new();
    parser_t ps = {0};
    ps.body = ps.p = ps.cur = (const unsigned char *)text;
    ps.end = ps.p + strlen(text);
    ps.cur_line = ps.cur_col = 1;
    ps.name = "datetime";
    ps.doc = scratch;
    toml_value_t tmp = {0};
    bool ok = looks_like_datetime(&ps, ps.p) && parse_datetime(&ps, &tmp) && ps.p == ps.end;
    err_free(ps.err);
    buf_free(&ps.sbuf);
    toml_value_t *v = NULL;
    if (ok) {
        v = add(c, key, (toml_type_t)tmp.type, 0);
        v->u.s = arena_strndup(c->doc, tmp.u.s, tmp.len);
        v->len = tmp.len;
    }
    toml_doc_free(scratch);
    return v;
}

void toml_set_multiline(toml_value_t *array, bool on)
{
    if (!array || array->type != TOML_ARRAY)
        misuse("not an array");
    if (array->doc->parsed)
        misuse("a parsed document is read-only");
    array->multiline = on;
}
