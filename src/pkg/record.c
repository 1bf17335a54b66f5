#include "pkg/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/path.h"
#include "util/xalloc.h"

/* ---- parsing ------------------------------------------------------------------------------ */

typedef struct row_fields {
    buf_t f[3];
    size_t n;       /* fields started so far */
} row_fields_t;

static void row_reset(row_fields_t *rf)
{
    for (int i = 0; i < 3; i++)
        buf_reset(&rf->f[i]);
    rf->n = 0;
}

static void row_release(row_fields_t *rf)
{
    for (int i = 0; i < 3; i++)
        buf_free(&rf->f[i]);
}

static bool parse_size(const char *s, int64_t *out)
{
    if (!*s) {
        *out = -1;
        return true;
    }
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

/* Turns the collected fields of one row into a record row. */
static err_t *finish_row(record_t *r, row_fields_t *rf, const char *label, size_t line)
{
    if (rf->n > 3)
        return err_new(EXIT_APPLY, "%s: line %zu: a row has more than three fields", label, line);
    const char *path = buf_cstr(&rf->f[0]);
    const char *hash = rf->n > 1 ? buf_cstr(&rf->f[1]) : "";
    const char *size = rf->n > 2 ? buf_cstr(&rf->f[2]) : "";
    if (!*path)
        return err_new(EXIT_APPLY, "%s: line %zu: empty path", label, line);
    if (strlen(path) != rf->f[0].len || (rf->n > 1 && strlen(hash) != rf->f[1].len) ||
        (rf->n > 2 && strlen(size) != rf->f[2].len))
        return err_new(EXIT_APPLY, "%s: line %zu: a field holds a NUL byte", label, line);
    int64_t sz;
    if (!parse_size(size, &sz))
        return err_new(EXIT_APPLY, "%s: line %zu: invalid size '%s' for '%s'", label, line, size,
                       path);
    char *algo = NULL, *val = NULL;
    if (*hash) {
        const char *eq = strchr(hash, '=');
        if (!eq || eq == hash)
            return err_new(EXIT_APPLY, "%s: line %zu: invalid hash '%s' for '%s' (expected "
                           "algorithm=value)", label, line, hash, path);
        algo = xstrndup(hash, (size_t)(eq - hash));
        val = xstrdup(eq + 1);
    }
    XGROW(r->rows, r->cap, r->n + 1);
    record_row_t *row = &r->rows[r->n++];
    row->path = xstrdup(path);
    row->hash_algo = algo;
    row->hash = val;
    row->size = sz;
    return NULL;
}

enum { ST_START_RECORD, ST_START_FIELD, ST_IN_FIELD, ST_IN_QUOTED, ST_QUOTE_IN_QUOTED };

err_t *record_parse(const char *text, size_t len, const char *label, record_t *out)
{
    row_fields_t rf;
    memset(&rf, 0, sizeof rf);
    int st = ST_START_RECORD;
    size_t line = 1, row_line = 1;
    err_t *e = NULL;
    buf_t scratch = BUF_INIT;     /* fields beyond the third are collected here, then dropped */

#define CUR() (rf.n <= 3 ? &rf.f[rf.n - 1] : &scratch)
    for (size_t i = 0; i <= len && !e; i++) {
        bool eof = i == len;
        char c = eof ? '\n' : text[i];
        bool nl = c == '\n' || c == '\r';
        if (!eof && c == '\0') {
            e = err_new(EXIT_APPLY, "%s: line %zu: NUL byte", label, line);
            break;
        }
        /* A CRLF pair counts as one line break. */
        bool crlf_tail = c == '\n' && i > 0 && text[i - 1] == '\r' && !eof;
        switch (st) {
        case ST_START_RECORD:
            if (nl)
                break;                      /* blank line */
            row_reset(&rf);
            row_line = line;
            st = ST_START_FIELD;
            /* fall through */
        case ST_START_FIELD:
            rf.n++;
            if (rf.n > 3)
                buf_reset(&scratch);
            if (c == '"') {
                st = ST_IN_QUOTED;
            } else if (c == ',') {
                /* empty field; stay at START_FIELD for the next one */
            } else if (nl) {
                e = finish_row(out, &rf, label, row_line);
                st = ST_START_RECORD;
            } else {
                buf_addc(CUR(), c);
                st = ST_IN_FIELD;
            }
            break;
        case ST_IN_FIELD:
            if (c == ',') {
                st = ST_START_FIELD;
            } else if (nl) {
                e = finish_row(out, &rf, label, row_line);
                st = ST_START_RECORD;
            } else {
                buf_addc(CUR(), c);
            }
            break;
        case ST_IN_QUOTED:
            if (eof) {
                e = err_new(EXIT_APPLY, "%s: line %zu: unterminated quoted field", label,
                            row_line);
            } else if (c == '"') {
                st = ST_QUOTE_IN_QUOTED;
            } else {
                buf_addc(CUR(), c);
            }
            break;
        case ST_QUOTE_IN_QUOTED:
            if (c == '"') {
                buf_addc(CUR(), '"');
                st = ST_IN_QUOTED;
            } else if (c == ',') {
                st = ST_START_FIELD;
            } else if (nl) {
                e = finish_row(out, &rf, label, row_line);
                st = ST_START_RECORD;
            } else {
                buf_addc(CUR(), c);
                st = ST_IN_FIELD;
            }
            break;
        }
        if (!eof && (c == '\n' || c == '\r') && !crlf_tail)
            line++;
    }
#undef CUR
    row_release(&rf);
    buf_free(&scratch);
    if (e)
        record_free(out);
    return e;
}

/* ---- building and writing ------------------------------------------------------------------ */

void record_add_algo(record_t *r, const char *path, const char *algo, const char *hash,
                     int64_t size)
{
    XGROW(r->rows, r->cap, r->n + 1);
    record_row_t *row = &r->rows[r->n++];
    row->path = xstrdup(path);
    row->hash_algo = (algo && hash) ? xstrdup(algo) : NULL;
    row->hash = (algo && hash) ? xstrdup(hash) : NULL;
    row->size = size < 0 ? -1 : size;
}

void record_add(record_t *r, const char *path, const char *hash_b64, int64_t size)
{
    record_add_algo(r, path, hash_b64 ? "sha256" : NULL, hash_b64, size);
}

/* The hash field's text as Python sees it, for sorting. */
static void hash_field(const record_row_t *row, buf_t *b)
{
    buf_reset(b);
    if (row->hash_algo) {
        buf_adds(b, row->hash_algo);
        buf_addc(b, '=');
        buf_adds(b, row->hash ? row->hash : "");
    }
}

static void size_field(const record_row_t *row, char out[24])
{
    if (row->size < 0)
        out[0] = '\0';
    else
        snprintf(out, 24, "%lld", (long long)row->size);
}

static int row_cmp(const void *pa, const void *pb)
{
    const record_row_t *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);       /* strcmp compares as unsigned char: code points */
    if (c)
        return c;
    buf_t ha = BUF_INIT, hb = BUF_INIT;
    hash_field(a, &ha);
    hash_field(b, &hb);
    c = strcmp(buf_cstr(&ha), buf_cstr(&hb));
    buf_free(&ha);
    buf_free(&hb);
    if (c)
        return c;
    char sa[24], sb[24];
    size_field(a, sa);
    size_field(b, sb);
    return strcmp(sa, sb);
}

void record_sort(record_t *r)
{
    if (r->n > 1)
        qsort(r->rows, r->n, sizeof(*r->rows), row_cmp);
}

const record_row_t *record_find(const record_t *r, const char *path)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rows[i].path, path) == 0)
            return &r->rows[i];
    return NULL;
}

void record_write_field(buf_t *out, const char *field)
{
    if (!strpbrk(field, ",\"\r\n")) {
        buf_adds(out, field);
        return;
    }
    buf_addc(out, '"');
    for (const char *p = field; *p; p++) {
        if (*p == '"')
            buf_addc(out, '"');
        buf_addc(out, *p);
    }
    buf_addc(out, '"');
}

void record_write(const record_t *r, buf_t *out)
{
    buf_t h = BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        const record_row_t *row = &r->rows[i];
        record_write_field(out, row->path);
        buf_addc(out, ',');
        hash_field(row, &h);
        record_write_field(out, buf_cstr(&h));
        buf_addc(out, ',');
        char s[24];
        size_field(row, s);
        buf_adds(out, s);
        buf_adds(out, "\r\n");
    }
    buf_free(&h);
}

void record_free(record_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->rows[i].path);
        free(r->rows[i].hash_algo);
        free(r->rows[i].hash);
    }
    free(r->rows);
    r->rows = NULL;
    r->n = r->cap = 0;
}

/* ---- safety ------------------------------------------------------------------------------- */

err_t *record_resolve_path(const char *base, const char *env_root, const char *row_path,
                           char **out)
{
    *out = NULL;
    if (!*row_path)
        return err_new(EXIT_USAGE, "RECORD row with an empty path");
    for (const unsigned char *p = (const unsigned char *)row_path; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return err_new(EXIT_USAGE, "RECORD path '%s' holds a control character", row_path);
        if (*p == '\\')
            return err_new(EXIT_USAGE, "RECORD path '%s' holds a backslash", row_path);
    }
    char *joined = row_path[0] == '/' ? xstrdup(row_path) : path_join(base, row_path);
    char *norm = path_normalize(joined);
    free(joined);
    char *root = path_normalize(env_root);
    bool ok = path_is_within(norm, root) && strcmp(norm, root) != 0;
    free(root);
    if (!ok) {
        free(norm);
        return err_new(EXIT_USAGE, "RECORD path '%s' points outside the environment %s",
                       row_path, env_root);
    }
    *out = norm;
    return NULL;
}

bool record_hash_is_sha256_b64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return n == 43;
}
