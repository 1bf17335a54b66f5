/*
 * libFuzzer target for the ZIP reader (src/wheel/zip.c): opens the input as an archive and, when
 * it is accepted, looks every member up by name and extracts it, checking the reader's own
 * promises (sizes, lookups) with abort() so that a broken invariant is a crash the fuzzer keeps.
 * Build and run: see fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wheel/zip.h"

static err_t *count_sink(void *ctx, const void *data, size_t len)
{
    uint64_t *n = ctx;
    /* Touch the bytes so that ASan sees any read of freed or unmapped memory. */
    volatile unsigned char x = len ? ((const unsigned char *)data)[len - 1] : 0;
    (void)x;
    *n += len;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Small caps keep each run fast; they exercise the same checks as the defaults. */
    zip_options_t o = ZIP_OPTIONS_DEFAULT;
    o.max_total_size = 64u << 20;
    o.max_entries = 1u << 16;
    zip_t *z = NULL;
    err_t *e = zip_open_mem(data, size, "fuzz.zip", &o, &z);
    if (e) {
        if (z || !e->msg || strncmp(e->msg, "fuzz.zip: ", 10) != 0)
            abort();
        err_free(e);
        return 0;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < zip_count(z); i++) {
        const zip_entry_t *en = zip_entry_at(z, i);
        if (!en || en->index != i || strlen(en->name) != en->name_len)
            abort();
        if (zip_find(z, en->name) != en)
            abort();
        if (en->data_offset + en->csize > size)
            abort();
        total += en->usize;
        uint64_t got = 0;
        zip_result_t r;
        e = zip_extract(z, en, count_sink, &got, &r);
        if (e) {
            if (strncmp(e->msg, "fuzz.zip: member '", 18) != 0)
                abort();
            err_free(e);
        } else if (got != en->usize || r.size != en->usize || r.crc32 != en->crc32) {
            abort();
        }
        if (en->usize <= 4096) {
            buf_t b = BUF_INIT;
            e = zip_extract_buf(z, en, 4096, &b, NULL);
            if (!e && b.len != en->usize)
                abort();
            err_free(e);
            buf_free(&b);
        }
    }
    if (total != zip_total_size(z) || total > o.max_total_size)
        abort();
    zip_close(z);
    return 0;
}
