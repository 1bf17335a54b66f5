/* toml_write: the deterministic TOML writer (see toml.h). Uses only the public DOM accessors. */
#include "util/toml.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

static bool bare_key(const char *k, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

void toml_write_string(buf_t *out, const char *s, size_t n)
{
    buf_addc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\f': esc = "\\f"; break;
        case '\r': esc = "\\r"; break;
        default:
            if (c >= 0x20 && c != 0x7F)
                continue;
            break;
        }
        buf_add(out, s + run, i - run);
        run = i + 1;
        if (esc)
            buf_adds(out, esc);
        else
            buf_printf(out, "\\u%04X", c);
    }
    buf_add(out, s + run, n - run);
    buf_addc(out, '"');
}

void toml_write_key(buf_t *out, const char *key, size_t klen)
{
    if (bare_key(key, klen))
        buf_add(out, key, klen);
    else
        toml_write_string(out, key, klen);
}

typedef struct writer {
    buf_t *out;
    buf_t path;               /* the header path of the table being written */
    bool bad_utf8;
} writer_t;

static void write_float(buf_t *out, double f)
{
    if (isnan(f)) {
        buf_adds(out, signbit(f) ? "-nan" : "nan");
        return;
    }
    if (isinf(f)) {
        buf_adds(out, f < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    buf_adds(out, tmp);
    if (!strpbrk(tmp, ".e"))
        buf_adds(out, ".0");
}

static void key_out(writer_t *w, const char *k, size_t n)
{
    if (!utf8_valid(k, n))
        w->bad_utf8 = true;
    toml_write_key(w->out, k, n);
}

/* A value on one line (or, for a top-level multi-line array, several); prefix: the width of
 * "key = " before it on its line, 0 for nested values. */
static void write_value(writer_t *w, const toml_value_t *v, size_t prefix, bool top)
{
    buf_t *out = w->out;
    size_t n;
    const char *s;
    switch (toml_type(v)) {
    case TOML_STRING:
        s = toml_str(v, &n);
        if (!utf8_valid(s, n))
            w->bad_utf8 = true;
        toml_write_string(out, s, n);
        return;
    case TOML_INTEGER: {
        int64_t i = 0;
        toml_int(v, &i);
        buf_printf(out, "%" PRId64, i);
        return;
    }
    case TOML_FLOAT: {
        double f = 0;
        toml_float(v, &f);
        write_float(out, f);
        return;
    }
    case TOML_BOOLEAN: {
        bool b = false;
        toml_bool(v, &b);
        buf_adds(out, b ? "true" : "false");
        return;
    }
    case TOML_DATETIME:
    case TOML_LOCAL_DATETIME:
    case TOML_LOCAL_DATE:
    case TOML_LOCAL_TIME:
        buf_adds(out, toml_datetime(v));
        return;
    case TOML_ARRAY: {
        size_t len = toml_len(v);
        if (!len) {
            buf_adds(out, "[]");
            return;
        }
        bool ml = top && toml_is_multiline(v);
        size_t start = out->len;
        if (!ml) {
            buf_addc(out, '[');
            for (size_t i = 0; i < len; i++) {
                if (i)
                    buf_adds(out, ", ");
                write_value(w, toml_at(v, i), 0, false);
            }
            buf_addc(out, ']');
            if (!top || prefix + out->len - start <= TOML_WRITE_WIDTH)
                return;
            buf_setlen(out, start);
        }
        buf_adds(out, "[\n");
        for (size_t i = 0; i < len; i++) {
            buf_adds(out, "  ");
            write_value(w, toml_at(v, i), 0, false);
            buf_adds(out, ",\n");
        }
        buf_addc(out, ']');
        return;
    }
    case TOML_TABLE: {
        size_t len = toml_len(v);
        if (!len) {
            buf_adds(out, "{}");
            return;
        }
        buf_adds(out, "{ ");
        for (size_t i = 0; i < len; i++) {
            const char *k;
            size_t kl;
            const toml_value_t *x = toml_entry(v, i, &k, &kl);
            if (i)
                buf_adds(out, ", ");
            key_out(w, k, kl);
            buf_adds(out, " = ");
            write_value(w, x, 0, false);
        }
        buf_adds(out, " }");
        return;
    }
    case TOML_NONE:
        break;
    }
}

/* Written as a [section] / as [[elements]] when met in a table being written as sections. */
static bool is_section(const toml_value_t *v)
{
    return toml_is(v, TOML_TABLE) && !toml_is_inline(v);
}

static bool is_aot(const toml_value_t *v)
{
    return toml_is_table_array(v) && toml_len(v) > 0;
}

static void write_table(writer_t *w, const toml_value_t *t)
{
    buf_t *out = w->out;
    size_t len = toml_len(t);
    for (size_t i = 0; i < len; i++) {
        const char *k;
        size_t kl;
        const toml_value_t *v = toml_entry(t, i, &k, &kl);
        if (is_section(v) || is_aot(v))
            continue;
        size_t line = out->len;
        key_out(w, k, kl);
        buf_adds(out, " = ");
        write_value(w, v, out->len - line, true);
        buf_addc(out, '\n');
    }
    for (size_t i = 0; i < len; i++) {
        const char *k;
        size_t kl;
        const toml_value_t *v = toml_entry(t, i, &k, &kl);
        if (!is_section(v) && !is_aot(v))
            continue;
        size_t plen = w->path.len;
        if (plen)
            buf_addc(&w->path, '.');
        if (!utf8_valid(k, kl))
            w->bad_utf8 = true;
        toml_write_key(&w->path, k, kl);
        if (is_section(v)) {
            bool header = toml_len(v) == 0;
            for (size_t j = 0; j < toml_len(v) && !header; j++) {
                const toml_value_t *x = toml_entry(v, j, NULL, NULL);
                header = !is_section(x) && !is_aot(x);
            }
            if (header) {
                if (out->len)
                    buf_addc(out, '\n');
                buf_printf(out, "[%s]\n", w->path.data);
            }
            write_table(w, v);
        } else {
            for (size_t j = 0; j < toml_len(v); j++) {
                if (out->len)
                    buf_addc(out, '\n');
                buf_printf(out, "[[%s]]\n", w->path.data);
                write_table(w, toml_at(v, j));
            }
        }
        buf_setlen(&w->path, plen);
    }
}

err_t *toml_write(const toml_doc_t *d, buf_t *out)
{
    writer_t w = {.out = out};
    size_t start = out->len;
    write_table(&w, toml_doc_root(d));
    buf_free(&w.path);
    if (w.bad_utf8) {
        buf_setlen(out, start);
        return err_new(EXIT_USAGE, "cannot write TOML: a key or string is not valid UTF-8");
    }
    return NULL;
}
