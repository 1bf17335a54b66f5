/* jsonread: a strict RFC 8259 reader building an arena DOM (see jsonread.h). */
#include "util/jsonread.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* ---- arena ---------------------------------------------------------------------------------- */

typedef struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];       /* cap bytes */
} block_t;

struct jr_doc {
    block_t *blocks;
    jr_value_t root;
};

#define BLOCK_MIN (64u * 1024u)

static void *arena_alloc(jr_doc_t *d, size_t n)
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
            b = nb;
        } else {
            nb->next = b;
            d->blocks = nb;
            b = nb;
        }
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

void jr_doc_free(jr_doc_t *d)
{
    if (!d)
        return;
    for (block_t *b = d->blocks, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(d);
}

const jr_value_t *jr_doc_root(const jr_doc_t *d)
{
    return d ? &d->root : NULL;
}

/* ---- parser --------------------------------------------------------------------------------- */

typedef struct parser {
    const unsigned char *start, *p, *end;
    int depth, max_depth;
    jr_doc_t *doc;
    jr_value_t *vs;           /* scratch stack of array elements */
    size_t vn, vcap;
    jr_member_t *ms;          /* scratch stack of object members */
    size_t mn, mcap;
    err_t *err;
} parser_t;

static bool fail_at(parser_t *ps, const unsigned char *at, const char *what)
{
    if (ps->err)
        return false;
    int line = 1, col = 1;
    for (const unsigned char *q = ps->start; q < at && q < ps->end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    ps->err = err_new(EXIT_USAGE, "JSON: line %d, column %d: %s", line, col, what);
    return false;
}

static bool fail(parser_t *ps, const char *what)
{
    return fail_at(ps, ps->p, what);
}

static void skip_ws(parser_t *ps)
{
    const unsigned char *p = ps->p, *e = ps->end;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    ps->p = p;
}

static bool parse_value(parser_t *ps, jr_value_t *out);

static bool read_hex4(parser_t *ps, const unsigned char *q, unsigned *out)
{
    if (ps->end - q < 4)
        return fail_at(ps, q, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(q[i]);
        if (h < 0)
            return fail_at(ps, q + i, "bad hex digit in \\u escape");
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

/* ps->p is at the opening quote. */
static bool parse_string(parser_t *ps, const char **out, size_t *outlen)
{
    const unsigned char *q = ps->p + 1, *e = ps->end;
    /* fast path: plain ASCII without escapes */
    const unsigned char *r = q;
    while (r < e && *r != '"' && *r != '\\' && *r >= 0x20 && *r < 0x80)
        r++;
    if (r < e && *r == '"') {
        size_t n = (size_t)(r - q);
        char *s = arena_alloc(ps->doc, n + 1);
        memcpy(s, q, n);
        s[n] = '\0';
        *out = s;
        *outlen = n;
        ps->p = r + 1;
        return true;
    }
    /* find the end to size the output (decoded length <= raw length) */
    r = q;
    while (r < e && *r != '"') {
        if (*r == '\\' && r + 1 < e)
            r++;
        r++;
    }
    if (r >= e)
        return fail(ps, "unterminated string");
    char *s = arena_alloc(ps->doc, (size_t)(r - q) + 1);
    size_t n = 0;
    while (q < r) {
        unsigned char c = *q;
        if (c == '\\') {
            unsigned char x = q[1];
            q += 2;
            switch (x) {
            case '"': s[n++] = '"'; break;
            case '\\': s[n++] = '\\'; break;
            case '/': s[n++] = '/'; break;
            case 'b': s[n++] = '\b'; break;
            case 'f': s[n++] = '\f'; break;
            case 'n': s[n++] = '\n'; break;
            case 'r': s[n++] = '\r'; break;
            case 't': s[n++] = '\t'; break;
            case 'u': {
                unsigned cp;
                if (!read_hex4(ps, q, &cp))
                    return false;
                q += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return fail_at(ps, q - 6, "lone low surrogate in \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (r - q < 6 || q[0] != '\\' || q[1] != 'u')
                        return fail_at(ps, q - 6, "high surrogate not followed by a low one");
                    if (!read_hex4(ps, q + 2, &lo))
                        return false;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return fail_at(ps, q, "high surrogate not followed by a low one");
                    q += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                n += utf8_encode(s + n, cp);
                break;
            }
            default:
                return fail_at(ps, q - 2, "invalid escape in string");
            }
        } else if (c < 0x20) {
            return fail_at(ps, q, "control character in string (must be escaped)");
        } else if (c < 0x80) {
            s[n++] = (char)c;
            q++;
        } else {
            size_t k = utf8_seq_len(q, r);
            if (!k)
                return fail_at(ps, q, "invalid UTF-8 in string");
            memcpy(s + n, q, k);
            n += k;
            q += k;
        }
    }
    s[n] = '\0';
    *out = s;
    *outlen = n;
    ps->p = r + 1;
    return true;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool parse_number(parser_t *ps, jr_value_t *out)
{
    const unsigned char *q = ps->p, *e = ps->end, *s = q;
    if (q < e && *q == '-')
        q++;
    if (q >= e || !is_digit(*q))
        return fail_at(ps, q, "invalid number");
    if (*q == '0') {
        q++;
        if (q < e && is_digit(*q))
            return fail_at(ps, q, "leading zero in number");
    } else {
        while (q < e && is_digit(*q))
            q++;
    }
    if (q < e && *q == '.') {
        q++;
        if (q >= e || !is_digit(*q))
            return fail_at(ps, q, "digit expected after '.'");
        while (q < e && is_digit(*q))
            q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        if (q >= e || !is_digit(*q))
            return fail_at(ps, q, "digit expected in exponent");
        while (q < e && is_digit(*q))
            q++;
    }
    size_t n = (size_t)(q - s);
    char *t = arena_alloc(ps->doc, n + 1);
    memcpy(t, s, n);
    t[n] = '\0';
    out->type = JR_NUMBER;
    out->len = n;
    out->u.s = t;
    ps->p = q;
    return true;
}

static bool literal(parser_t *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "invalid literal (expected a value)");
    ps->p += n;
    return true;
}

static bool parse_array(parser_t *ps, jr_value_t *out)
{
    ps->p++; /* [ */
    size_t base = ps->vn;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
    } else {
        for (;;) {
            jr_value_t v;
            if (!parse_value(ps, &v))
                return false;
            XGROW(ps->vs, ps->vcap, ps->vn + 1);
            ps->vs[ps->vn++] = v;
            skip_ws(ps);
            if (ps->p >= ps->end)
                return fail(ps, "unterminated array (expected ',' or ']')");
            if (*ps->p == ',') {
                ps->p++;
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == ']')
                    return fail(ps, "trailing comma in array");
                continue;
            }
            if (*ps->p == ']') {
                ps->p++;
                break;
            }
            return fail(ps, "expected ',' or ']'");
        }
    }
    size_t n = ps->vn - base;
    out->type = JR_ARRAY;
    out->len = n;
    out->u.items = NULL;
    if (n) {
        out->u.items = arena_alloc(ps->doc, n * sizeof(jr_value_t));
        memcpy(out->u.items, ps->vs + base, n * sizeof(jr_value_t));
    }
    ps->vn = base;
    return true;
}

static bool parse_object(parser_t *ps, jr_value_t *out)
{
    ps->p++; /* { */
    size_t base = ps->mn;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
    } else {
        for (;;) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, ps->p < ps->end && *ps->p == '}' ? "trailing comma in object"
                                                                  : "expected a string key");
            jr_member_t m;
            if (!parse_string(ps, &m.key, &m.klen))
                return false;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "expected ':' after key");
            ps->p++;
            if (!parse_value(ps, &m.value))
                return false;
            XGROW(ps->ms, ps->mcap, ps->mn + 1);
            ps->ms[ps->mn++] = m;
            skip_ws(ps);
            if (ps->p >= ps->end)
                return fail(ps, "unterminated object (expected ',' or '}')");
            if (*ps->p == ',') {
                ps->p++;
                skip_ws(ps);
                continue;
            }
            if (*ps->p == '}') {
                ps->p++;
                break;
            }
            return fail(ps, "expected ',' or '}'");
        }
    }
    size_t n = ps->mn - base;
    out->type = JR_OBJECT;
    out->len = n;
    out->u.members = NULL;
    if (n) {
        out->u.members = arena_alloc(ps->doc, n * sizeof(jr_member_t));
        memcpy(out->u.members, ps->ms + base, n * sizeof(jr_member_t));
    }
    ps->mn = base;
    return true;
}

static bool parse_value(parser_t *ps, jr_value_t *out)
{
    skip_ws(ps);
    memset(out, 0, sizeof(*out));
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input (expected a value)");
    switch (*ps->p) {
    case '{':
    case '[': {
        if (++ps->depth > ps->max_depth)
            return fail(ps, "nesting too deep");
        bool ok = *ps->p == '{' ? parse_object(ps, out) : parse_array(ps, out);
        ps->depth--;
        return ok;
    }
    case '"':
        out->type = JR_STRING;
        return parse_string(ps, &out->u.s, &out->len);
    case 't':
        out->type = JR_BOOL;
        out->u.b = true;
        return literal(ps, "true", 4);
    case 'f':
        out->type = JR_BOOL;
        out->u.b = false;
        return literal(ps, "false", 5);
    case 'n':
        out->type = JR_NULL;
        return literal(ps, "null", 4);
    default:
        if (*ps->p == '-' || is_digit(*ps->p))
            return parse_number(ps, out);
        return fail(ps, "unexpected character (expected a value)");
    }
}

err_t *jr_parse(const char *text, size_t len, const jr_limits_t *lim, jr_doc_t **out)
{
    *out = NULL;
    parser_t ps = {0};
    ps.start = ps.p = (const unsigned char *)(text ? text : "");
    ps.end = ps.start + (text ? len : 0);
    ps.max_depth = lim && lim->max_depth > 0 ? lim->max_depth : JR_DEFAULT_MAX_DEPTH;
    ps.doc = xcalloc(1, sizeof(jr_doc_t));
    if (len >= 3 && memcmp(ps.start, "\xEF\xBB\xBF", 3) == 0)
        fail(&ps, "a UTF-8 byte order mark is not allowed");
    else if (parse_value(&ps, &ps.doc->root)) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            fail(&ps, "unexpected data after the value");
    }
    free(ps.vs);
    free(ps.ms);
    if (ps.err) {
        jr_doc_free(ps.doc);
        return ps.err;
    }
    *out = ps.doc;
    return NULL;
}

/* ---- accessors ------------------------------------------------------------------------------ */

const jr_value_t *jr_get(const jr_value_t *v, const char *key)
{
    if (!v || v->type != JR_OBJECT || !key)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = v->len; i-- > 0;) {
        const jr_member_t *m = &v->u.members[i];
        if (m->klen == kl && memcmp(m->key, key, kl) == 0)
            return &m->value;
    }
    return NULL;
}

const jr_value_t *jr_at(const jr_value_t *v, size_t i)
{
    if (!v || v->type != JR_ARRAY || i >= v->len)
        return NULL;
    return &v->u.items[i];
}

const char *jr_str(const jr_value_t *v)
{
    return v && v->type == JR_STRING ? v->u.s : NULL;
}

bool jr_is(const jr_value_t *v, jr_type_t t)
{
    return v && v->type == t;
}

bool jr_int64(const jr_value_t *v, int64_t *out)
{
    if (!v || v->type != JR_NUMBER || strpbrk(v->u.s, ".eE"))
        return false;
    errno = 0;
    char *end;
    long long x = strtoll(v->u.s, &end, 10);
    if (errno == ERANGE || *end != '\0' || x < INT64_MIN || x > INT64_MAX)
        return false;
    *out = (int64_t)x;
    return true;
}

bool jr_double(const jr_value_t *v, double *out)
{
    if (!v || v->type != JR_NUMBER)
        return false;
    *out = strtod(v->u.s, NULL);
    return true;
}

const char *jr_type_name(const jr_value_t *v)
{
    if (!v)
        return "missing";
    switch (v->type) {
    case JR_NULL: return "null";
    case JR_BOOL: return "boolean";
    case JR_NUMBER: return "number";
    case JR_STRING: return "string";
    case JR_ARRAY: return "array";
    case JR_OBJECT: return "object";
    }
    return "?";
}
