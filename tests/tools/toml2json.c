/*
 * toml2json: a test-only front end to util/toml (built with VENVSYNC_TESTS, used by
 * tests/e2e/test_toml_e2e.py to compare the reader and the writer with Python's tomllib).
 *
 *   toml2json [--max-depth N] FILE          the document as JSON in toml-test's tagged form
 *                                           ({"type": "integer", "value": "1"} for scalars,
 *                                           objects for tables, arrays for arrays); on a parse
 *                                           error: the message on stderr, exit 1
 *   toml2json --rewrite FILE                parse, then write it back with toml_write
 *   toml2json --lines [--rewrite] FILE...   one JSON line per file: {"ok": <tagged>} (with
 *                                           --rewrite: {"ok": "<toml text>"}) or
 *                                           {"error": "<message>"}; exit 0
 * FILE "-" is standard input. Exit 2 on usage or I/O errors.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/toml.h"

static void json_string(buf_t *b, const char *s, size_t n)
{
    buf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7F)
            buf_printf(b, "\\u%04x", c);
        else
            buf_addc(b, (char)c);
    }
    buf_addc(b, '"');
}

static void tagged(buf_t *b, const char *type, const char *value, size_t n)
{
    buf_printf(b, "{\"type\": \"%s\", \"value\": ", type);
    json_string(b, value, n);
    buf_addc(b, '}');
}

static void to_json(buf_t *b, const toml_value_t *v)
{
    char tmp[64];
    switch (toml_type(v)) {
    case TOML_STRING: {
        size_t n;
        const char *s = toml_str(v, &n);
        tagged(b, "string", s, n);
        return;
    }
    case TOML_INTEGER: {
        int64_t i;
        toml_int(v, &i);
        snprintf(tmp, sizeof(tmp), "%" PRId64, i);
        tagged(b, "integer", tmp, strlen(tmp));
        return;
    }
    case TOML_FLOAT: {
        double f;
        toml_float(v, &f);
        if (isnan(f))
            snprintf(tmp, sizeof(tmp), "nan");
        else if (isinf(f))
            snprintf(tmp, sizeof(tmp), f < 0 ? "-inf" : "+inf");
        else
            snprintf(tmp, sizeof(tmp), "%.17g", f);
        tagged(b, "float", tmp, strlen(tmp));
        return;
    }
    case TOML_BOOLEAN: {
        bool x;
        toml_bool(v, &x);
        tagged(b, "bool", x ? "true" : "false", x ? 4 : 5);
        return;
    }
    case TOML_DATETIME:
    case TOML_LOCAL_DATETIME:
    case TOML_LOCAL_DATE:
    case TOML_LOCAL_TIME: {
        static const char *names[] = {"datetime", "datetime-local", "date-local", "time-local"};
        const char *s = toml_datetime(v);
        tagged(b, names[toml_type(v) - TOML_DATETIME], s, strlen(s));
        return;
    }
    case TOML_ARRAY:
        buf_addc(b, '[');
        for (size_t i = 0; i < toml_len(v); i++) {
            if (i)
                buf_adds(b, ", ");
            to_json(b, toml_at(v, i));
        }
        buf_addc(b, ']');
        return;
    case TOML_TABLE:
        buf_addc(b, '{');
        for (size_t i = 0; i < toml_len(v); i++) {
            const char *k;
            size_t kl;
            const toml_value_t *x = toml_entry(v, i, &k, &kl);
            if (i)
                buf_adds(b, ", ");
            json_string(b, k, kl);
            buf_adds(b, ": ");
            to_json(b, x);
        }
        buf_addc(b, '}');
        return;
    case TOML_NONE:
        break;
    }
    buf_adds(b, "null");
}

static bool read_input(const char *path, buf_t *out)
{
    if (strcmp(path, "-") != 0) {
        err_t *e = fs_read(path, out);
        if (e) {
            fprintf(stderr, "toml2json: %s\n", e->msg);
            err_free(e);
            return false;
        }
        return true;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        buf_add(out, chunk, n);
    return !ferror(stdin);
}

/* Converts one file: true with the JSON / TOML in out, false with the message in out. */
static bool convert(const char *path, bool rewrite, const toml_limits_t *lim, buf_t *out)
{
    buf_t text = BUF_INIT;
    if (!read_input(path, &text))
        exit(2);
    toml_doc_t *d;
    err_t *e = toml_parse(text.data ? text.data : "", text.len, path, lim, &d);
    buf_free(&text);
    if (!e && rewrite)
        e = toml_write(d, out);
    else if (!e)
        to_json(out, toml_doc_root(d));
    toml_doc_free(d);
    if (e) {
        buf_adds(out, e->msg);
        err_free(e);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    bool rewrite = false, lines = false;
    toml_limits_t lim = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (strcmp(argv[i], "--rewrite") == 0)
            rewrite = true;
        else if (strcmp(argv[i], "--lines") == 0)
            lines = true;
        else if (strcmp(argv[i], "--max-depth") == 0 && i + 1 < argc)
            lim.max_depth = atoi(argv[++i]);
        else
            break;
    }
    if (i >= argc || (!lines && i + 1 != argc)) {
        fprintf(stderr, "usage: toml2json [--max-depth N] [--rewrite] FILE\n"
                        "       toml2json --lines [--rewrite] FILE...\n");
        return 2;
    }
    if (!lines) {
        buf_t out = BUF_INIT;
        bool ok = convert(argv[i], rewrite, &lim, &out);
        if (ok) {
            fwrite(out.data, 1, out.len, stdout);
            if (!rewrite)
                fputc('\n', stdout);
        } else {
            fprintf(stderr, "%s\n", buf_cstr(&out));
        }
        buf_free(&out);
        return ok ? 0 : 1;
    }
    for (; i < argc; i++) {
        buf_t out = BUF_INIT, line = BUF_INIT;
        bool ok = convert(argv[i], rewrite, &lim, &out);
        if (ok && !rewrite) {
            buf_adds(&line, "{\"ok\": ");
            buf_add(&line, out.data ? out.data : "", out.len);
        } else {
            buf_adds(&line, ok ? "{\"ok\": " : "{\"error\": ");
            json_string(&line, out.data ? out.data : "", out.len);
        }
        buf_adds(&line, "}\n");
        fwrite(line.data, 1, line.len, stdout);
        buf_free(&out);
        buf_free(&line);
    }
    return 0;
}
