#include "pkg/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/path.h"
#include "util/xalloc.h"

/* ---- parsing ------------------------------------------------------------------------- */

bool record_next_line(const char *t, size_t n, size_t *pos, record_line_t *row)
{
    size_t i = *pos;
    if (i >= n)
        return false;
    row->raw = t + i;
    row->nfields = 0;
    row->unterminated = false;
    buf_reset(&row->store);
    size_t off[3] = {0, 0, 0};
    for (;;) {
        size_t start = row->store.len;
        if (i < n && t[i] == '"') {
            i++;
            bool closed = false;
            while (i < n && !closed) {
                if (t[i] == '"' && i + 1 < n && t[i + 1] == '"') {
                    buf_addc(&row->store, '"');
                    i += 2;
                } else if (t[i] == '"') {
                    closed = true;
                    i++;
                } else {
                    buf_addc(&row->store, t[i++]);
                }
            }
            if (!closed)
                row->unterminated = true;
        }
        /* Unquoted text (or what follows a closing quote, which csv keeps too). */
        size_t s = i;
        while (i < n && t[i] != ',' && t[i] != '\n' && t[i] != '\r')
            i++;
        buf_add(&row->store, t + s, i - s);
        buf_addc(&row->store, '\0');
        if (row->nfields < 3)
            off[row->nfields] = start;
        row->nfields++;
        if (i < n && t[i] == ',') {
            i++;
            continue;
        }
        break;
    }
    row->raw_len = (size_t)(t + i - row->raw);
    if (i < n && t[i] == '\r' && i + 1 < n && t[i + 1] == '\n') {
        row->eol = "\r\n";
        i += 2;
    } else if (i < n && t[i] == '\r') {
        row->eol = "\r";
        i++;
    } else if (i < n && t[i] == '\n') {
        row->eol = "\n";
        i++;
    } else {
        row->eol = "";
    }
    if (row->raw_len == 0)
        row->nfields = 0;
    /* Pointers last: the store may have moved while it grew. Missing fields point at "". */
    size_t empty = row->store.len;
    buf_addc(&row->store, '\0');
    for (size_t k = 0; k < 3; k++)
        row->fields[k] = row->store.data + (k < row->nfields ? off[k] : empty);
    *pos = i;
    return true;
}

void record_line_clear(record_line_t *row)
{
    buf_free(&row->store);
    memset(row, 0, sizeof(*row));
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

/* Turns one row into a record row. */
static err_t *finish_row(record_t *r, const record_line_t *row, const char *label, size_t line)
{
    if (row->nfields > 3)
        return err_new(EXIT_APPLY, "%s: line %zu: a row has more than three fields", label, line);
    const char *path = row->fields[0], *hash = row->fields[1], *size = row->fields[2];
    if (!*path)
        return err_new(EXIT_APPLY, "%s: line %zu: empty path", label, line);
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
    record_row_t *out = &r->rows[r->n++];
    out->path = xstrdup(path);
    out->hash_algo = algo;
    out->hash = val;
    out->size = sz;
    return NULL;
}

/* Line breaks in text[0..n) (CRLF counts once). */
static size_t line_breaks(const char *t, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] == '\n' || (t[i] == '\r' && !(i + 1 < n && t[i + 1] == '\n')))
            k++;
    return k;
}

err_t *record_parse(const char *text, size_t len, const char *label, record_t *out)
{
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return err_new(EXIT_APPLY, "%s: line %zu: NUL byte", label,
                       line_breaks(text, (size_t)(nul - text)) + 1);
    record_line_t row;
    memset(&row, 0, sizeof row);
    size_t pos = 0, line = 1;
    err_t *e = NULL;
    while (!e && record_next_line(text, len, &pos, &row)) {
        if (row.unterminated)
            e = err_new(EXIT_APPLY, "%s: line %zu: unterminated quoted field", label, line);
        else if (row.nfields)
            e = finish_row(out, &row, label, line);
        line += line_breaks(row.raw, row.raw_len) + (*row.eol ? 1 : 0);
    }
    record_line_clear(&row);
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
