/*
 * toml_dom: the TOML DOM (see toml.h and toml_internal.h): the document's arena, values, tables
 * (a hash index once they grow) and arrays; the accessors of a parsed or built tree; and the
 * builder of trees made in code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/toml.h"
#include "util/toml_internal.h"
#include "util/xalloc.h"

/* ---- the DOM -------------------------------------------------------------------------------- */

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

char *tml_arena_strndup(toml_doc_t *d, const char *s, size_t n)
{
    char *p = arena_alloc(d, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

toml_doc_t *tml_doc_new(void)
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

toml_value_t *tml_new_value(toml_doc_t *d, toml_type_t type, uint8_t kind, unsigned depth)
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

uint64_t tml_key_hash(uint64_t seed, const char *k, size_t n)
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

entry_t *tml_table_find(const toml_value_t *t, const char *k, size_t n, uint64_t h)
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
void tml_table_insert(toml_value_t *t, const char *k, size_t n, uint64_t h, toml_value_t *v)
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
    e->key = tml_arena_strndup(d, k, n);
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

void tml_array_push(toml_value_t *a, toml_value_t *v)
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
    entry_t *e = tml_table_find(v, key, klen, tml_key_hash(v->doc->seed, key, klen));
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
    toml_doc_t *d = tml_doc_new();
    d->root = tml_new_value(d, TOML_TABLE, K_HEADER, 0);
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
        uint64_t h = tml_key_hash(c->doc->seed, key, n);
        if (tml_table_find(c, key, n, h))
            misuse("duplicate key");
        tml_table_insert(c, key, n, h, v);
    } else {
        if (key)
            misuse("array items have no key");
        if (c->kind == K_AOT && v->type != TOML_TABLE)
            misuse("an array of tables holds tables only");
        tml_array_push(c, v);
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
    toml_value_t *v = tml_new_value(d, type, kind, c->depth + 1u > UINT16_MAX ? UINT16_MAX
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
    v->u.s = tml_arena_strndup(c->doc, s ? s : "", s ? n : 0);
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
    if (!text || !*text || !tml_is_digit((unsigned char)*text))
        return NULL;
    /* read the text with the parser's own rules, into a scratch document */
    toml_doc_t *scratch = tml_doc_new();
    parser_t ps = {0};
    ps.body = ps.p = ps.cur = (const unsigned char *)text;
    ps.end = ps.p + strlen(text);
    ps.cur_line = ps.cur_col = 1;
    ps.name = "datetime";
    ps.doc = scratch;
    toml_value_t tmp = {0};
    bool ok = tml_looks_like_datetime(&ps, ps.p) && tml_parse_datetime(&ps, &tmp) && ps.p == ps.end;
    err_free(ps.err);
    buf_free(&ps.sbuf);
    toml_value_t *v = NULL;
    if (ok) {
        v = add(c, key, (toml_type_t)tmp.type, 0);
        v->u.s = tml_arena_strndup(c->doc, tmp.u.s, tmp.len);
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
