/* libFuzzer target: RECORD parsing (src/wheel/record.c).
 *
 * Every input is parsed. An accepted RECORD is written back and parsed again: the rows must
 * survive the round trip unchanged (path, algorithm, hash, size), and sorting must be a
 * permutation that leaves the rows in non-decreasing path order. Every row's path goes through
 * record_resolve_path(): an accepted path must be absolute, normalised, and strictly inside the
 * environment root. Any broken promise abort()s. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/path.h"
#include "pkg/record.h"

static int streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    record_t r = RECORD_INIT;
    err_t *e = record_parse((const char *)data, size, "RECORD", &r);
    if (e) {
        if (r.n != 0 || strncmp(e->msg, "RECORD: line ", 13) != 0)
            abort();
        err_free(e);
        return 0;
    }
    for (size_t i = 0; i < r.n; i++) {
        const record_row_t *row = &r.rows[i];
        if (!row->path || !*row->path || (row->hash_algo == NULL) != (row->hash == NULL) ||
            row->size < -1)
            abort();
        char *out = NULL;
        err_t *pe = record_resolve_path("/env/lib/python3.12/site-packages", "/env", row->path,
                                        &out);
        if (pe) {
            if (out)
                abort();
            err_free(pe);
        } else {
            char *norm = path_normalize(out);
            if (strcmp(norm, out) != 0 || !path_is_within(out, "/env") ||
                strcmp(out, "/env") == 0)
                abort();
            free(norm);
            free(out);
        }
    }
    buf_t b = BUF_INIT;
    record_write(&r, &b);
    record_t back = RECORD_INIT;
    e = record_parse(b.data ? b.data : "", b.len, "RECORD", &back);
    if (e || back.n != r.n)
        abort();
    for (size_t i = 0; i < r.n; i++) {
        const record_row_t *x = &r.rows[i], *y = &back.rows[i];
        /* An empty algorithm name cannot be written ("=x" does not parse): the parser never
         * produces one. */
        if (!streq(x->path, y->path) || !streq(x->hash_algo, y->hash_algo) ||
            !streq(x->hash, y->hash) || x->size != y->size)
            abort();
    }
    record_sort(&back);
    for (size_t i = 1; i < back.n; i++)
        if (strcmp(back.rows[i - 1].path, back.rows[i].path) > 0)
            abort();
    record_free(&back);
    record_free(&r);
    buf_free(&b);
    return 0;
}
