/*
 * libFuzzer target for the TOML reader and writer (src/util/toml_lex.c, toml_read.c,
 * toml_dom.c, toml_write.c).
 *
 * Every input is parsed. A refusal must leave no document and carry "f.toml:LINE:COL: ". An
 * accepted document is walked and checked against toml.h's promises (strings and keys valid
 * UTF-8 of the stated length and NUL-terminated, every key found again by lookup, positions set,
 * date / times in their normalised form, no value deeper than the limit); then it is written with
 * toml_write, which must succeed, and the output must parse again to the same data and write
 * again to the same bytes. A broken promise is an abort(), so the fuzzer keeps the input. Build
 * and run: see fuzz/README.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/toml.h"
#include "util/utf8.h"

#define MAX_DEPTH 48

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* HH:MM:SS[.fff] at s; returns what follows, or NULL. */
static const char *time_ok(const char *s)
{
    if (!digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' || !digits(s + 6, 2))
        return NULL;
    s += 8;
    if (*s == '.') {
        s++;
        if (!digits(s, 1))
            return NULL;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return s;
}

static bool datetime_ok(toml_type_t t, const char *s)
{
    if (t == TOML_LOCAL_TIME) {
        const char *e = time_ok(s);
        return e && !*e;
    }
    if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
        return false;
    if (t == TOML_LOCAL_DATE)
        return s[10] == '\0';
    if (s[10] != 'T')
        return false;
    const char *e = time_ok(s + 11);
    if (!e)
        return false;
    if (t == TOML_LOCAL_DATETIME)
        return !*e;
    if (*e == 'Z')
        return e[1] == '\0';
    return (*e == '+' || *e == '-') && digits(e + 1, 2) && e[3] == ':' && digits(e + 4, 2) &&
           e[6] == '\0';
}

static void walk(const toml_value_t *v, int depth, bool parsed)
{
    check(depth <= MAX_DEPTH);
    check(!parsed || (toml_line(v) >= 1 && toml_col(v) >= 1));
    size_t n;
    switch (toml_type(v)) {
    case TOML_STRING: {
        const char *s = toml_str(v, &n);
        check(s && s[n] == '\0' && utf8_valid(s, n));
        break;
    }
    case TOML_INTEGER:
    case TOML_FLOAT:
    case TOML_BOOLEAN:
        break;
    case TOML_DATETIME:
    case TOML_LOCAL_DATETIME:
    case TOML_LOCAL_DATE:
    case TOML_LOCAL_TIME:
        check(datetime_ok(toml_type(v), toml_datetime(v)));
        break;
    case TOML_ARRAY:
        for (size_t i = 0; i < toml_len(v); i++)
            walk(toml_at(v, i), depth + 1, parsed);
        check(toml_at(v, toml_len(v)) == NULL);
        if (toml_is_table_array(v))
            for (size_t i = 0; i < toml_len(v); i++)
                check(toml_is(toml_at(v, i), TOML_TABLE));
        break;
    case TOML_TABLE:
        for (size_t i = 0; i < toml_len(v); i++) {
            const char *k;
            size_t kl;
            const toml_value_t *x = toml_entry(v, i, &k, &kl);
            check(x && k[kl] == '\0' && utf8_valid(k, kl));
            check(toml_getn(v, k, kl) == x);
            if (strlen(k) == kl)
                check(toml_get(v, k) == x);
            walk(x, depth + 1, parsed);
        }
        check(toml_entry(v, toml_len(v), NULL, NULL) == NULL);
        break;
    case TOML_NONE:
        abort();
    }
}

/* Same data, table keys in any order. */
static void same(const toml_value_t *a, const toml_value_t *b)
{
    check(toml_type(a) == toml_type(b));
    size_t n1, n2;
    int64_t i1, i2;
    double f1, f2;
    bool b1, b2;
    switch (toml_type(a)) {
    case TOML_STRING: {
        const char *s1 = toml_str(a, &n1), *s2 = toml_str(b, &n2);
        check(n1 == n2 && memcmp(s1, s2, n1) == 0);
        break;
    }
    case TOML_INTEGER:
        check(toml_int(a, &i1) && toml_int(b, &i2) && i1 == i2);
        break;
    case TOML_FLOAT:
        check(toml_float(a, &f1) && toml_float(b, &f2));
        check((isnan(f1) && isnan(f2)) || (f1 == f2 && signbit(f1) == signbit(f2)));
        break;
    case TOML_BOOLEAN:
        check(toml_bool(a, &b1) && toml_bool(b, &b2) && b1 == b2);
        break;
    case TOML_DATETIME:
    case TOML_LOCAL_DATETIME:
    case TOML_LOCAL_DATE:
    case TOML_LOCAL_TIME:
        check(strcmp(toml_datetime(a), toml_datetime(b)) == 0);
        break;
    case TOML_ARRAY:
        check(toml_len(a) == toml_len(b));
        for (size_t i = 0; i < toml_len(a); i++)
            same(toml_at(a, i), toml_at(b, i));
        break;
    case TOML_TABLE:
        check(toml_len(a) == toml_len(b));
        for (size_t i = 0; i < toml_len(a); i++) {
            const char *k;
            size_t kl;
            const toml_value_t *x = toml_entry(a, i, &k, &kl);
            const toml_value_t *y = toml_getn(b, k, kl);
            check(y != NULL);
            same(x, y);
        }
        break;
    case TOML_NONE:
        abort();
    }
}

static bool error_ok(const err_t *e)
{
    const char *m = e->msg;
    if (strncmp(m, "f.toml:", 7) != 0 || e->exit_code != EXIT_USAGE)
        return false;
    m += 7;
    if (*m < '1' || *m > '9')
        return false;
    while (*m >= '0' && *m <= '9')
        m++;
    if (*m++ != ':' || *m < '1' || *m > '9')
        return false;
    while (*m >= '0' && *m <= '9')
        m++;
    return m[0] == ':' && m[1] == ' ' && m[2] != '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    toml_limits_t lim = {.max_depth = MAX_DEPTH};
    toml_doc_t *d = (toml_doc_t *)1;
    err_t *e = toml_parse((const char *)data, size, "f.toml", &lim, &d);
    if (e) {
        check(d == NULL && error_ok(e));
        err_free(e);
        return 0;
    }
    const toml_value_t *root = toml_doc_root(d);
    walk(root, 0, true);
    /* lookups by arbitrary paths stay inside the tree */
    char path[32];
    size_t pn = size < sizeof(path) - 1 ? size : sizeof(path) - 1;
    memcpy(path, data, pn);
    path[pn] = '\0';
    (void)toml_get_path(root, path);

    buf_t w1 = BUF_INIT, w2 = BUF_INIT;
    check(toml_write(d, &w1) == NULL);
    toml_doc_t *d2 = NULL;
    e = toml_parse(w1.data ? w1.data : "", w1.len, "f.toml", &lim, &d2);
    check(e == NULL);
    walk(toml_doc_root(d2), 0, true);
    same(root, toml_doc_root(d2));
    same(toml_doc_root(d2), root);
    check(toml_write(d2, &w2) == NULL);
    check(w1.len == w2.len && (w1.len == 0 || memcmp(w1.data, w2.data, w1.len) == 0));
    buf_free(&w1);
    buf_free(&w2);
    toml_doc_free(d2);
    toml_doc_free(d);
    return 0;
}
