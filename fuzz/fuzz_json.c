/*
 * libFuzzer target for the JSON reader (src/util/jsonread.c).
 *
 * Every accepted document is walked and checked against jsonread.h's promises (strings are
 * valid UTF-8 of the stated length and NUL-terminated, numbers match the RFC 8259 grammar,
 * containers hold `len` elements); documents without embedded NULs and shallow enough for the
 * writer are written back with util/json.h and must parse again to the same tree. A broken
 * promise is an abort(), so the fuzzer keeps the input. Build and run: see fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/jsonread.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + k >= n)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

static bool number_ok(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

/* Walks v; returns its depth; *nul set when a string holds a NUL. */
static int walk(const jr_value_t *v, bool *nul)
{
    switch (v->type) {
    case JR_NULL:
    case JR_BOOL:
        return 0;
    case JR_NUMBER:
        check(strlen(v->u.s) == v->len && number_ok(v->u.s));
        return 0;
    case JR_STRING:
        check(v->u.s[v->len] == '\0');
        check(valid_utf8((const unsigned char *)v->u.s, v->len));
        if (strlen(v->u.s) != v->len)
            *nul = true;
        return 0;
    case JR_ARRAY: {
        int d = 0;
        for (size_t i = 0; i < v->len; i++) {
            check(jr_at(v, i) == &v->u.items[i]);
            int x = walk(&v->u.items[i], nul);
            if (x > d)
                d = x;
        }
        check(jr_at(v, v->len) == NULL);
        return d + 1;
    }
    case JR_OBJECT: {
        int d = 0;
        for (size_t i = 0; i < v->len; i++) {
            const jr_member_t *m = &v->u.members[i];
            check(m->key[m->klen] == '\0' && valid_utf8((const unsigned char *)m->key, m->klen));
            if (strlen(m->key) != m->klen)
                *nul = true;
            else
                check(jr_get(v, m->key) != NULL);
            int x = walk(&m->value, nul);
            if (x > d)
                d = x;
        }
        return d + 1;
    }
    }
    abort();
}

static void write_back(json_t *j, const jr_value_t *v)
{
    switch (v->type) {
    case JR_NULL: json_null(j); break;
    case JR_BOOL: json_bool(j, v->u.b); break;
    case JR_NUMBER: {
        /* the writer has no raw-number call: write the text as a string, compared below */
        json_str(j, v->u.s);
        break;
    }
    case JR_STRING: json_str(j, v->u.s); break;
    case JR_ARRAY:
        json_arr(j);
        for (size_t i = 0; i < v->len; i++)
            write_back(j, &v->u.items[i]);
        json_end(j);
        break;
    case JR_OBJECT:
        json_obj(j);
        for (size_t i = 0; i < v->len; i++) {
            json_key(j, v->u.members[i].key);
            write_back(j, &v->u.members[i].value);
        }
        json_end(j);
        break;
    }
}

static void same(const jr_value_t *a, const jr_value_t *b)
{
    if (a->type == JR_NUMBER) {
        check(b->type == JR_STRING && strcmp(a->u.s, b->u.s) == 0);
        return;
    }
    check(a->type == b->type && a->len == b->len);
    switch (a->type) {
    case JR_BOOL: check(a->u.b == b->u.b); break;
    case JR_STRING: check(memcmp(a->u.s, b->u.s, a->len) == 0); break;
    case JR_ARRAY:
        for (size_t i = 0; i < a->len; i++)
            same(&a->u.items[i], &b->u.items[i]);
        break;
    case JR_OBJECT:
        for (size_t i = 0; i < a->len; i++) {
            check(strcmp(a->u.members[i].key, b->u.members[i].key) == 0);
            same(&a->u.members[i].value, &b->u.members[i].value);
        }
        break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jr_doc_t *d = NULL;
    err_t *e = jr_parse((const char *)data, size, NULL, &d);
    if (e) {
        check(d == NULL && strncmp(e->msg, "JSON: line ", 11) == 0);
        err_free(e);
        return 0;
    }
    bool nul = false;
    int depth = walk(jr_doc_root(d), &nul);
    if (!nul && depth < JSON_MAX_DEPTH - 1) {
        buf_t b = BUF_INIT;
        json_t j;
        json_init(&j, &b);
        write_back(&j, jr_doc_root(d));
        jr_doc_t *d2 = NULL;
        err_t *e2 = jr_parse(b.data ? b.data : "", b.len, NULL, &d2);
        check(e2 == NULL);
        same(jr_doc_root(d), jr_doc_root(d2));
        jr_doc_free(d2);
        buf_free(&b);
    }
    jr_doc_free(d);
    return 0;
}
