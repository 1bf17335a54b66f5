/* Unit tests for index/metadata and the partial-archive half of wheel/zip: reading a central
 * directory and one member from bytes held in memory (crafted archives), then the whole module
 * against tests/fixtures/index_server.py on 127.0.0.1, counting the requests it logs. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "index/http.h"
#include "index/metadata.h"
#include "index/simple.h"
#include "util/cachedir.h"
#include "util/hash.h"
#include "util/strv.h"
#include "wheel/zip.h"
#include "index_server.h"

/* ---- crafting archives ----------------------------------------------------------------------- */

typedef struct mem {
    const char *name;
    const char *data;           /* NULL: len bytes of noise (seeded by len) */
    size_t len;
    bool deflate;
    bool dd;                    /* flag bit 3 and a data descriptor (with its signature) */
    bool dd_nosig;              /* ... without it */
    bool zip64;                 /* ZIP64 extras in the local and central headers */
    unsigned local_extra;       /* an extra field of this many bytes (id 0xcafe), local only */
    bool bad_crc;               /* the central directory's CRC-32 is wrong (local header too) */
    long long usize;            /* > 0: declared uncompressed size (a lie) */
    long long cen_hoff;         /* > 0: the central directory's local header offset (a lie) */
} mem_t;

typedef struct zopt {
    const char *comment;
    bool zip64_end;
} zopt_t;

static void put16(buf_t *b, unsigned v)
{
    buf_addc(b, (char)(v & 0xff));
    buf_addc(b, (char)(v >> 8 & 0xff));
}
static void put32(buf_t *b, uint32_t v) { put16(b, v & 0xffff); put16(b, v >> 16); }
static void put64(buf_t *b, uint64_t v) { put32(b, (uint32_t)v); put32(b, (uint32_t)(v >> 32)); }

static void noise(buf_t *out, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf_addc(out, (char)(x >> 24));
    }
}

static void raw_deflate(const void *in, size_t len, buf_t *out)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    cr_assert_eq(deflateInit2(&s, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    buf_grow(out, deflateBound(&s, len) + 1);
    s.next_in = (unsigned char *)in;
    s.avail_in = (uInt)len;
    s.next_out = (unsigned char *)out->data;
    s.avail_out = (uInt)(out->cap - 1);
    cr_assert_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
    out->len = s.total_out;
    deflateEnd(&s);
}

/* Builds an archive of members m[0..n) into out. */
static void build(buf_t *out, const mem_t *m, size_t n, const zopt_t *o)
{
    static const zopt_t none;
    if (!o)
        o = &none;
    buf_reset(out);
    uint64_t *hoff = xcalloc(n, sizeof *hoff);
    uint64_t *csz = xcalloc(n, sizeof *csz);
    uint32_t *crc = xcalloc(n, sizeof *crc);
    for (size_t i = 0; i < n; i++) {
        buf_t plain = BUF_INIT, comp = BUF_INIT;
        if (m[i].data)
            buf_add(&plain, m[i].data, m[i].len);
        else
            noise(&plain, m[i].len, m[i].len + i);
        crc[i] = (uint32_t)crc32(0, (const unsigned char *)(plain.data ? plain.data : ""),
                                 (uInt)plain.len);
        if (m[i].bad_crc)
            crc[i] ^= 0x5a5a5a5a;
        if (m[i].deflate)
            raw_deflate(plain.data ? plain.data : "", plain.len, &comp);
        else
            buf_add(&comp, plain.data ? plain.data : "", plain.len);
        csz[i] = comp.len;
        uint64_t us = m[i].usize > 0 ? (uint64_t)m[i].usize : plain.len;
        bool dd = m[i].dd || m[i].dd_nosig;
        hoff[i] = out->len;
        size_t nl = strlen(m[i].name);
        put32(out, 0x04034b50);
        put16(out, m[i].zip64 ? 45 : 20);
        put16(out, (dd ? 8 : 0) | 0x800);
        put16(out, m[i].deflate ? 8 : 0);
        put16(out, 0);
        put16(out, 0x21);
        put32(out, dd ? 0 : crc[i]);
        put32(out, m[i].zip64 ? 0xffffffffu : dd ? 0 : (uint32_t)comp.len);
        put32(out, m[i].zip64 ? 0xffffffffu : dd ? 0 : (uint32_t)us);
        put16(out, (unsigned)nl);
        put16(out, (m[i].zip64 ? 20 : 0) + (m[i].local_extra ? 4 + m[i].local_extra : 0));
        buf_add(out, m[i].name, nl);
        if (m[i].zip64) {
            put16(out, 1);
            put16(out, 16);
            put64(out, dd ? 0 : us);
            put64(out, dd ? 0 : comp.len);
        }
        if (m[i].local_extra) {
            put16(out, 0xcafe);
            put16(out, m[i].local_extra);
            for (unsigned k = 0; k < m[i].local_extra; k++)
                buf_addc(out, 'x');
        }
        buf_add(out, comp.data ? comp.data : "", comp.len);
        if (dd) {
            if (!m[i].dd_nosig)
                put32(out, 0x08074b50);
            put32(out, crc[i]);
            if (m[i].zip64) {
                put64(out, comp.len);
                put64(out, us);
            } else {
                put32(out, (uint32_t)comp.len);
                put32(out, (uint32_t)us);
            }
        }
        buf_free(&plain);
        buf_free(&comp);
    }
    uint64_t cd_off = out->len;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(m[i].name);
        bool dd = m[i].dd || m[i].dd_nosig;
        uint64_t us = m[i].usize > 0 ? (uint64_t)m[i].usize : m[i].len;
        uint64_t ho = m[i].cen_hoff > 0 ? (uint64_t)m[i].cen_hoff : hoff[i];
        put32(out, 0x02014b50);
        put16(out, 0x031e);
        put16(out, m[i].zip64 ? 45 : 20);
        put16(out, (dd ? 8 : 0) | 0x800);
        put16(out, m[i].deflate ? 8 : 0);
        put16(out, 0);
        put16(out, 0x21);
        put32(out, crc[i]);
        put32(out, m[i].zip64 ? 0xffffffffu : (uint32_t)csz[i]);
        put32(out, m[i].zip64 ? 0xffffffffu : (uint32_t)us);
        put16(out, (unsigned)nl);
        put16(out, m[i].zip64 ? 28 : 0);
        put16(out, 0);
        put16(out, 0);
        put16(out, 0);
        put32(out, (uint32_t)0100644 << 16);
        put32(out, m[i].zip64 ? 0xffffffffu : (uint32_t)ho);
        buf_add(out, m[i].name, nl);
        if (m[i].zip64) {
            put16(out, 1);
            put16(out, 24);
            put64(out, us);
            put64(out, csz[i]);
            put64(out, ho);
        }
    }
    uint64_t cd_size = out->len - cd_off;
    if (o->zip64_end) {
        uint64_t rec = out->len;
        put32(out, 0x06064b50);
        put64(out, 44);
        put16(out, 0x031e);
        put16(out, 45);
        put32(out, 0);
        put32(out, 0);
        put64(out, n);
        put64(out, n);
        put64(out, cd_size);
        put64(out, cd_off);
        put32(out, 0x07064b50);
        put32(out, 0);
        put64(out, rec);
        put32(out, 1);
    }
    size_t cl = o->comment ? strlen(o->comment) : 0;
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, o->zip64_end ? 0xffff : (unsigned)n);
    put16(out, o->zip64_end ? 0xffff : (unsigned)n);
    put32(out, o->zip64_end ? 0xffffffffu : (uint32_t)cd_size);
    put32(out, o->zip64_end ? 0xffffffffu : (uint32_t)cd_off);
    put16(out, (unsigned)cl);
    buf_add(out, o->comment ? o->comment : "", cl);
    free(hoff);
    free(csz);
    free(crc);
}

/* ---- the partial reader, driven from a whole archive in memory ------------------------------- */

/* Reads member `name` of a[0..len) the way range requests do, starting with its last `tail`
 * bytes: returns NULL with out filled, or the error message (malloc'd). *fetches counts the byte
 * ranges taken from the archive (the first included). */
static char *partial_read(const buf_t *a, size_t tail, const char *name, buf_t *out, int *fetches)
{
    const unsigned char *d = (const unsigned char *)a->data;
    uint64_t size = a->len;
    uint64_t from = size > tail ? size - tail : 0;
    *fetches = 1;
    zip_tail_t t;
    err_t *e = NULL;
    for (int guard = 0; guard < 4; guard++) {
        e = zip_tail_parse(d + from, (size_t)(size - from), size, "crafted.whl", NULL, &t);
        if (e || !t.need_more)
            break;
        cr_assert_lt(t.need_from, from, "asks again for bytes it has");
        from = t.need_from;
        (*fetches)++;
    }
    zip_t *z = NULL;
    if (!e) {
        cr_assert_not(t.need_more);
        if (t.cd_off < from)
            (*fetches)++;
        e = zip_open_cdir(d + t.cd_off, (size_t)t.cd_size, &t, "crafted.whl", NULL, &z);
    }
    if (!e) {
        cr_assert(zip_is_partial(z));
        const zip_entry_t *en = zip_find(z, name);
        if (!en) {
            zip_close(z);
            return xasprintf("no %s", name);
        }
        cr_assert_eq(en->data_offset, 0);
        uint64_t s, end;
        zip_member_range(z, en, &s, &end);
        cr_assert_leq(end, t.cd_off);
        if (s < from)
            (*fetches)++;
        e = zip_extract_range_buf(z, en, d + s, (size_t)(end - s), 1 << 20, out, NULL);
    }
    zip_close(z);
    if (!e)
        return NULL;
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    char *msg = xstrdup(e->msg);
    err_free(e);
    return msg;
}

static const char META_BIG[] =
    "Metadata-Version: 2.1\nName: big\nVersion: 1.0\nRequires-Dist: foo>=1\n"
    "Requires-Dist: bar; extra == \"x\"\nProvides-Extra: x\n";

static void must_read(const buf_t *a, size_t tail, const char *name, const char *want,
                      int fetches)
{
    buf_t out = BUF_INIT;
    int f = 0;
    char *msg = partial_read(a, tail, name, &out, &f);
    cr_assert_null(msg, "%s", msg);
    cr_assert_eq(out.len, strlen(want));
    cr_assert(memcmp(out.data, want, out.len) == 0);
    cr_assert_eq(f, fetches, "%d fetches, expected %d", f, fetches);
    buf_free(&out);
}

static void must_fail(const buf_t *a, size_t tail, const char *name, const char *want)
{
    buf_t out = BUF_INIT;
    int f = 0;
    char *msg = partial_read(a, tail, name, &out, &f);
    cr_assert_not_null(msg, "accepted; expected: %s", want);
    cr_assert(strstr(msg, want), "'%s' lacks '%s'", msg, want);
    cr_assert_eq(out.len, 0);
    free(msg);
    buf_free(&out);
}

#define MD "big-1.0.dist-info/METADATA"

TestSuite(zip_partial, .timeout = 30);

Test(zip_partial, stored_and_deflated_members)
{
    buf_t a = BUF_INIT;
    for (int deflate = 0; deflate < 2; deflate++) {
        mem_t m[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = deflate},
                     {.name = "big/data.bin", .len = 40000},
                     {.name = "big-1.0.dist-info/WHEEL", .data = "Wheel-Version: 1.0\n",
                      .len = 19, .deflate = true}};
        build(&a, m, 3, NULL);
        /* METADATA lies before the tail: tail + member */
        must_read(&a, 16384, MD, META_BIG, 2);
        /* the same bytes through zip_open_mem agree */
        zip_t *z = NULL;
        cr_assert_null(zip_open_mem(a.data, a.len, "x", NULL, &z));
        zip_close(z);
        /* a tail that holds it all: one fetch */
        must_read(&a, a.len, MD, META_BIG, 1);
    }
    buf_free(&a);
}

Test(zip_partial, member_inside_the_tail_needs_no_fetch)
{
    buf_t a = BUF_INIT;
    mem_t m[] = {{.name = "big/data.bin", .len = 50000},
                 {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true}};
    build(&a, m, 2, NULL);
    must_read(&a, 16384, MD, META_BIG, 1);
    buf_free(&a);
}

Test(zip_partial, central_directory_beyond_the_tail)
{
    /* 400 members: a central directory of ~40 KB */
    mem_t m[401];
    char names[400][64];
    m[0] = (mem_t){.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true};
    for (int i = 0; i < 400; i++) {
        snprintf(names[i], sizeof names[i], "big/some/longish/package/path/module_%03d.py", i);
        m[i + 1] = (mem_t){.name = names[i], .data = "x = 1\n", .len = 6};
    }
    buf_t a = BUF_INIT;
    build(&a, m, 401, NULL);
    /* tail, the rest of the central directory, the member */
    must_read(&a, 16384, MD, META_BIG, 3);
    buf_free(&a);
}

Test(zip_partial, end_records_before_the_tail)
{
    buf_t a = BUF_INIT;
    mem_t m[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true},
                 {.name = "big/data.bin", .len = 100000}};
    /* a comment longer than the tail: the end record is not in it */
    char *comment = xcalloc(1, 20001);
    memset(comment, 'c', 20000);
    zopt_t o = {.comment = comment};
    build(&a, m, 2, &o);
    must_read(&a, 16384, MD, META_BIG, 3);   /* tail, 64 KiB below it, member */
    free(comment);
    /* ZIP64 end records: a tail holding only the end record asks for the locator and record */
    zopt_t z64 = {.zip64_end = true};
    build(&a, m, 2, &z64);
    must_read(&a, 22, MD, META_BIG, 4);      /* 22 bytes, 76 more, the directory, member */
    must_read(&a, 16384, MD, META_BIG, 2);
    buf_free(&a);
}

Test(zip_partial, zip64_extras_and_data_descriptors)
{
    buf_t a = BUF_INIT;
    const mem_t variants[] = {
        {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true, .zip64 = true},
        {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true, .dd = true},
        {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .dd_nosig = true},
        {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true, .dd = true,
         .zip64 = true},
        {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .local_extra = 300},
    };
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        mem_t m[] = {variants[v], {.name = "big/data.bin", .len = 30000, .dd = true}};
        build(&a, m, 2, &(zopt_t){.zip64_end = variants[v].zip64});
        zip_t *z = NULL;
        err_t *e = zip_open_mem(a.data, a.len, "x", NULL, &z);
        cr_assert_null(e, "variant %zu: %s", v, e ? e->msg : "");
        zip_close(z);
        must_read(&a, 16384, MD, META_BIG, 2);
    }
    buf_free(&a);
}

Test(zip_partial, lies_in_the_structures_are_errors)
{
    buf_t a = BUF_INIT;
    /* a CRC-32 that does not match the data */
    mem_t crc[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .bad_crc = true},
                   {.name = "big/data.bin", .len = 30000}};
    build(&a, crc, 2, NULL);
    must_fail(&a, 16384, MD, "CRC-32 mismatch");
    /* a deflate bomb: declared smaller than it inflates */
    mem_t bomb[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true,
                     .usize = 20},
                    {.name = "big/data.bin", .len = 30000}};
    build(&a, bomb, 2, NULL);
    must_fail(&a, 16384, MD, "inflates beyond its declared size");
    /* a central directory pointing into itself / past the members */
    mem_t out[] = {{.name = "big/data.bin", .len = 30000},
                   {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .cen_hoff = 30500}};
    build(&a, out, 2, NULL);
    must_fail(&a, 16384, MD, "lies outside the member area");
    /* an entry pointing into another one */
    mem_t dup[] = {{.name = "big/data.bin", .len = 30000},
                   {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .cen_hoff = 1}};
    build(&a, dup, 2, NULL);
    must_fail(&a, 16384, MD, "overlaps member");
    buf_free(&a);
}

Test(zip_partial, wrong_bytes_for_a_member_are_refused)
{
    buf_t a = BUF_INIT;
    mem_t m[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true},
                 {.name = "big/data.bin", .len = 30000}};
    build(&a, m, 2, NULL);
    const unsigned char *d = (const unsigned char *)a.data;
    zip_tail_t t;
    cr_assert_null(zip_tail_parse(d + a.len - 16384, 16384, a.len, "w.whl", NULL, &t));
    cr_assert_not(t.need_more);
    zip_t *z = NULL;
    cr_assert_null(zip_open_cdir(d + t.cd_off, (size_t)t.cd_size, &t, "w.whl", NULL, &z));
    const zip_entry_t *en = zip_find(z, MD);
    uint64_t s, e;
    zip_member_range(z, en, &s, &e);
    cr_assert_eq(s, 0);
    cr_assert_eq(e, 30 + strlen(MD) + en->csize);
    buf_t out = BUF_INIT;
    /* too short, too long, shifted by a byte, a flipped name byte, a flipped data byte */
    err_t *err = zip_extract_range_buf(z, en, d, (size_t)e - 1, 1 << 20, &out, NULL);
    cr_assert(err && strstr(err->msg, "bytes given for its range"), "%s", err ? err->msg : "");
    err_free(err);
    err = zip_extract_range_buf(z, en, d + 1, (size_t)e, 1 << 20, &out, NULL);
    cr_assert(err && strstr(err->msg, "no local header"), "%s", err ? err->msg : "");
    err_free(err);
    buf_t copy = BUF_INIT;
    buf_add(&copy, a.data, (size_t)e);
    copy.data[30] ^= 1;
    err = zip_extract_range_buf(z, en, copy.data, (size_t)e, 1 << 20, &out, NULL);
    cr_assert(err && strstr(err->msg, "local header name differs"), "%s", err ? err->msg : "");
    err_free(err);
    copy.data[30] ^= 1;
    copy.data[e - 3] ^= 0x40;
    err = zip_extract_range_buf(z, en, copy.data, (size_t)e, 1 << 20, &out, NULL);
    cr_assert_not_null(err);
    err_free(err);
    copy.data[e - 3] ^= 0x40;
    /* a limit below the member's size */
    err = zip_extract_range_buf(z, en, copy.data, (size_t)e, 10, &out, NULL);
    cr_assert(err && strstr(err->msg, "more than the 10"), "%s", err ? err->msg : "");
    err_free(err);
    cr_assert_eq(out.len, 0);
    /* and the right bytes work; the partial archive cannot extract by itself */
    cr_assert_null(zip_extract_range_buf(z, en, copy.data, (size_t)e, 1 << 20, &out, NULL));
    cr_assert_eq(out.len, strlen(META_BIG));
    err = zip_extract_buf(z, en, 1 << 20, &out, NULL);
    cr_assert(err && strstr(err->msg, "not at hand"), "%s", err ? err->msg : "");
    err_free(err);
    buf_free(&copy);
    buf_free(&out);
    zip_close(z);
    buf_free(&a);
}

Test(zip_partial, bad_tails_and_directories)
{
    buf_t a = BUF_INIT;
    mem_t m[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true},
                 {.name = "big/data.bin", .len = 30000}};
    build(&a, m, 2, NULL);
    const unsigned char *d = (const unsigned char *)a.data;
    zip_tail_t t;
    /* not a zip at all */
    buf_t junk = BUF_INIT;
    noise(&junk, 100000, 7);
    err_t *e = zip_tail_parse(junk.data + 100000 - 16384, 16384, 100000, "j.whl", NULL, &t);
    cr_assert_null(e);
    cr_assert(t.need_more);   /* the end record may lie in the 64 KiB below */
    e = zip_tail_parse(junk.data, 100000, 100000, "j.whl", NULL, &t);
    cr_assert(e && strstr(e->msg, "not a zip archive"), "%s", e ? e->msg : "");
    err_free(e);
    /* a tail longer than the file */
    e = zip_tail_parse(d, a.len, a.len - 1, "w.whl", NULL, &t);
    cr_assert_not_null(e);
    err_free(e);
    /* a central directory of the wrong length */
    cr_assert_null(zip_tail_parse(d + a.len - 16384, 16384, a.len, "w.whl", NULL, &t));
    zip_t *z = NULL;
    e = zip_open_cdir(d + t.cd_off, (size_t)t.cd_size - 1, &t, "w.whl", NULL, &z);
    cr_assert_not_null(e);
    cr_assert_null(z);
    err_free(e);
    /* a count the directory cannot hold */
    zip_tail_t t2 = t;
    t2.count = t.cd_size;
    e = zip_open_cdir(d + t.cd_off, (size_t)t.cd_size, &t2, "w.whl", NULL, &z);
    cr_assert_not_null(e);
    err_free(e);
    /* every single-byte change of the tail is refused or harmless; never a crash (ASan) */
    buf_t copy = BUF_INIT;
    buf_add(&copy, a.data, a.len);
    for (size_t i = a.len - 200; i < a.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            copy.data[i] ^= (char)(1 << bit);
            buf_t out = BUF_INIT;
            int f;
            free(partial_read(&copy, 16384, MD, &out, &f));
            buf_free(&out);
            copy.data[i] ^= (char)(1 << bit);
        }
    }
    buf_free(&copy);
    buf_free(&junk);
    buf_free(&a);
}

/* ---- the module against a server ------------------------------------------------------------- */

static srv_t S;

static void stop(void)
{
    srv_stop(&S);
}

TestSuite(metadata, .fini = stop, .timeout = 60);

static const char META_TINY[] = "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n";
static const char META_BIGCD[] =
    "Metadata-Version: 2.3\nName: bigcd\nVersion: 2.0\nRequires-Python: >=3.9\n";
static const char META_LATE[] = "Metadata-Version: 2.1\nName: late\nVersion: 3.0\n";

#define F_TINY "tiny-1.0-py3-none-any.whl"
#define F_BIG "big-1.0-py3-none-any.whl"
#define F_BIGCD "bigcd-2.0-py3-none-any.whl"
#define F_LATE "late-3.0-py3-none-any.whl"

/* Writes bytes as root/<index>/<filename> (served at once); returns its path (malloc'd). */
static char *serve(const char *index, const char *filename, const buf_t *a)
{
    char *dir = path_join(S.root, index);
    cr_assert_null(fs_mkdirs(dir, 0755));
    char *p = path_join(dir, filename);
    cr_assert_null(fs_write_atomic(p, a->data, a->len, 0644));
    free(dir);
    return p;
}

static void wheel_tiny(buf_t *a)
{
    mem_t m[] = {{.name = "tiny/__init__.py", .data = "", .len = 0},
                 {.name = "tiny-1.0.dist-info/METADATA", .data = META_TINY,
                  .len = strlen(META_TINY), .deflate = true}};
    build(a, m, 2, NULL);
}

static void wheel_big(buf_t *a)
{
    mem_t m[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true},
                 {.name = "big/data.bin", .len = 60000},
                 {.name = "big-1.0.dist-info/WHEEL", .data = "Wheel-Version: 1.0\n", .len = 19}};
    build(a, m, 3, NULL);
}

static void wheel_bigcd(buf_t *a)
{
    static char names[500][80];
    mem_t m[501];
    m[0] = (mem_t){.name = "bigcd-2.0.dist-info/METADATA", .data = META_BIGCD,
                   .len = strlen(META_BIGCD), .dd = true, .deflate = true};
    for (int i = 0; i < 500; i++) {
        snprintf(names[i], sizeof names[i], "bigcd/a/rather/deep/package/tree/module_%03d.py", i);
        m[i + 1] = (mem_t){.name = names[i], .data = "x = 1\n", .len = 6};
    }
    build(a, m, 501, NULL);
}

static void wheel_late(buf_t *a)
{
    mem_t m[] = {{.name = "late/blob.bin", .len = 50000},
                 {.name = "late-3.0.dist-info/METADATA", .data = META_LATE,
                  .len = strlen(META_LATE), .deflate = true}};
    build(a, m, 2, &(zopt_t){.zip64_end = true});
}

typedef struct served {
    const char *filename;
    const char *meta;
    char sha[65];
    char meta_sha[65];
    int64_t size;
    char *url;
} served_t;

static served_t SV[4];

/* Starts the server with the four wheels in index "a". */
static void start_four(const char *config)
{
    srv_start(&S, NULL, NULL);
    if (config)
        srv_write_config(&S, config);
    void (*makers[4])(buf_t *) = {wheel_tiny, wheel_big, wheel_bigcd, wheel_late};
    const char *fns[4] = {F_TINY, F_BIG, F_BIGCD, F_LATE};
    const char *metas[4] = {META_TINY, META_BIG, META_BIGCD, META_LATE};
    for (int i = 0; i < 4; i++) {
        buf_t a = BUF_INIT;
        makers[i](&a);
        free(serve("a", fns[i], &a));
        served_t *s = &SV[i];
        free(s->url);
        memset(s, 0, sizeof *s);
        s->filename = fns[i];
        s->meta = metas[i];
        sha256_hex(a.data, a.len, s->sha);
        sha256_hex(metas[i], strlen(metas[i]), s->meta_sha);
        s->size = (int64_t)a.len;
        s->url = xasprintf("%s/a/files/%s", S.base, fns[i]);
        buf_free(&a);
    }
}

static http_t *client(bool offline)
{
    http_config_t c;
    http_config_defaults(&c);
    c.cache_dir = S.cache;
    c.netrc_path = "";
    c.backoff_ms = 10;
    c.retries = 1;
    c.offline = offline;
    http_t *h = NULL;
    cr_assert_null(http_new(&c, &h));
    return h;
}

static metadata_t *session(http_t *h, bool offline)
{
    metadata_opts_t o = {.cache_dir = S.cache, .offline = offline};
    return metadata_new(h, &o);
}

/* A request for served wheel i; with_pep658: as an index advertising its metadata. */
static metadata_req_t req_for(int i, bool with_pep658, bool with_hash)
{
    metadata_req_t r;
    memset(&r, 0, sizeof r);
    r.url = SV[i].url;
    r.filename = SV[i].filename;
    r.sha256 = with_hash ? SV[i].sha : NULL;
    r.size = SV[i].size;
    r.core_metadata = with_pep658;
    r.metadata_sha256 = with_pep658 ? SV[i].meta_sha : NULL;
    return r;
}

/* How many logged requests had exactly path /a/files/<file>; ranged: with a Range header (1),
 * without (0), either (-1). */
static int count(const char *file, int ranged)
{
    char *log = srv_log(&S);
    char *needle = xasprintf("\"path\": \"/a/files/%s\"", file);
    int n = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strstr(line, needle))
            continue;
        bool r = !strstr(line, "\"range\": null");
        if (ranged < 0 || (ranged == 1) == r)
            n++;
    }
    free(needle);
    free(log);
    return n;
}

static int count_all(void)
{
    char *log = srv_log(&S);
    int n = 0;
    for (char *p = log; (p = strstr(p, "\"path\": \"/a/files/")); p++)
        n++;
    free(log);
    return n;
}

static void assert_answer(const metadata_req_t *r, int i, metadata_source_t src)
{
    cr_assert_null(r->err, "%s: %s", SV[i].filename, r->err ? r->err->msg : "");
    cr_assert_eq(r->source, src, "%s: source %s, expected %s (note: %s)", SV[i].filename,
                 metadata_source_name(r->source), metadata_source_name(src),
                 r->note ? r->note : "-");
    cr_assert_eq(r->metadata.len, strlen(SV[i].meta));
    cr_assert(memcmp(r->metadata.data, SV[i].meta, r->metadata.len) == 0);
    cr_assert_not_null(r->parsed.name);
}

static bool dl_cached(int i)
{
    char *p = http_download_path(S.cache, SV[i].sha);
    bool r = fs_exists(p);
    free(p);
    return r;
}

static bool md_cached(int i)
{
    char *p = path_joinv(S.cache, CACHE_METADATA, SV[i].sha, NULL);
    bool r = fs_exists(p);
    free(p);
    return r;
}

static void fetch_all(metadata_t *m, metadata_req_t *r, size_t n)
{
    err_t *e = metadata_fetch(m, r, n);
    cr_assert_null(e, "%s", e ? e->msg : "");
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void clear_all(metadata_req_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        metadata_req_clear(&r[i]);
}

Test(metadata, pep658_from_the_index_page_one_request_each)
{
    start_four(NULL);
    http_t *h = client(false);
    /* what the index says about the files, as the resolver gets it */
    http_page_req_t pages[4];
    memset(pages, 0, sizeof pages);
    char *urls[4];
    const char *projects[4] = {"tiny", "big", "bigcd", "late"};
    for (int i = 0; i < 4; i++) {
        urls[i] = xasprintf("%s/a/simple/%s/", S.base, projects[i]);
        pages[i].url = urls[i];
        pages[i].accept = i % 2 ? "text/html" : SIMPLE_ACCEPT;   /* HTML and JSON */
    }
    cr_assert_null(http_get_pages(h, pages, 4));
    simple_page_t *sp[4];
    metadata_req_t r[4];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pages[i].status, 200);
        cr_assert_null(simple_parse(pages[i].content_type, pages[i].body.data, pages[i].body.len,
                                    pages[i].final_url, &sp[i]));
        cr_assert_eq(sp[i]->n, 1);
        cr_assert(sp[i]->files[0].core_metadata);
        cr_assert_str_eq(sp[i]->files[0].metadata_sha256, SV[i].meta_sha);
        metadata_req_from_simple(&r[i], &sp[i]->files[0]);
    }
    metadata_t *m = session(h, false);
    fetch_all(m, r, 4);
    for (int i = 0; i < 4; i++) {
        assert_answer(&r[i], i, METADATA_PEP658);
        cr_assert_eq(r[i].requests, 1);
        char *md = xasprintf("%s.metadata", SV[i].filename);
        cr_assert_eq(count(md, -1), 1);
        cr_assert_eq(count(SV[i].filename, -1), 0, "the wheel itself was fetched");
        free(md);
        cr_assert(md_cached(i));
        cr_assert_not(dl_cached(i));
    }
    cr_assert_str_eq(r[2].parsed.requires_python, ">=3.9");
    cr_assert_eq(r[1].parsed.n_requires_dist, 2);
    metadata_stats_t st;
    metadata_get_stats(m, &st);
    cr_assert_eq(st.by_source[METADATA_PEP658], 4);
    cr_assert_eq(st.requests, 4);
    clear_all(r, 4);
    metadata_free(m);

    /* a new session: everything from the cache, nothing asked */
    int before = count_all();
    m = session(h, false);
    fetch_all(m, r, 4);
    for (int i = 0; i < 4; i++) {
        assert_answer(&r[i], i, METADATA_CACHE);
        cr_assert_eq(r[i].requests, 0);
    }
    cr_assert_eq(count_all(), before);
    clear_all(r, 4);
    metadata_free(m);
    for (int i = 0; i < 4; i++) {
        simple_page_free(sp[i]);
        http_page_req_clear(&pages[i]);
        free(urls[i]);
    }
    http_free(h);
}

Test(metadata, ranges_two_requests_three_for_a_large_directory)
{
    start_four("{\"metadata\": false}");
    http_t *h = client(false);
    metadata_t *m = session(h, false);
    metadata_req_t r[4];
    for (int i = 0; i < 4; i++)
        r[i] = req_for(i, false, true);
    fetch_all(m, r, 4);
    int want[4] = {1, 2, 3, 1};   /* tiny: whole in the tail; late: METADATA in the tail */
    for (int i = 0; i < 4; i++) {
        assert_answer(&r[i], i, METADATA_RANGES);
        cr_assert_eq(count(SV[i].filename, 1), want[i], "%s: %d ranged requests", SV[i].filename,
                     count(SV[i].filename, 1));
        cr_assert_eq(count(SV[i].filename, 0), 0);
        cr_assert_eq((int)r[i].requests, want[i]);
        cr_assert_null(r[i].note, "%s", r[i].note);
        cr_assert_not(dl_cached(i), "nothing is downloaded");
        cr_assert(md_cached(i));
    }
    /* the first request of each is the suffix range */
    char *log = srv_log(&S);
    cr_assert(strstr(log, "\"range\": \"bytes=-16384\""), "%s", log);
    free(log);
    cr_assert_not(metadata_host_without_ranges(m, SV[0].url));
    clear_all(r, 4);
    metadata_free(m);
    http_free(h);
}

Test(metadata, a_server_that_ignores_ranges_serves_the_download)
{
    start_four("{\"metadata\": false, \"ranges\": false}");
    http_t *h = client(false);
    metadata_t *m = session(h, false);
    metadata_req_t r[2] = {req_for(1, false, true), req_for(2, false, true)};
    fetch_all(m, r, 2);
    for (int k = 0; k < 2; k++) {
        int i = k + 1;
        assert_answer(&r[k], i, METADATA_DOWNLOAD);
        cr_assert_eq(count(SV[i].filename, -1), 1, "one request: its answer is the download");
        cr_assert(dl_cached(i));
        cr_assert_not_null(r[k].download);
        cr_assert_not_null(r[k].note);
    }
    cr_assert(metadata_host_without_ranges(m, SV[0].url));
    clear_all(r, 2);
    /* the host is known now: the next one downloads without asking for a range */
    metadata_req_t t = req_for(3, false, false);
    fetch_all(m, &t, 1);
    assert_answer(&t, 3, METADATA_DOWNLOAD);
    cr_assert_eq(count(SV[3].filename, 0), 1);
    cr_assert_eq(count(SV[3].filename, 1), 0);
    metadata_req_clear(&t);
    metadata_free(m);

    /* the downloads are reused when the metadata cache is gone: nothing is asked */
    char *mdir = path_join(S.cache, CACHE_METADATA);
    cr_assert_null(fs_rmtree(mdir));
    free(mdir);
    int before = count_all();
    m = session(h, false);
    metadata_req_t again = req_for(1, false, true);
    fetch_all(m, &again, 1);
    assert_answer(&again, 1, METADATA_DOWNLOADS);
    cr_assert_eq(count_all(), before);
    metadata_req_clear(&again);
    metadata_free(m);
    http_free(h);
}

Test(metadata, range_refusals_fall_back_to_the_download)
{
    const char *configs[] = {"{\"metadata\": false, \"range_status\": 416}",
                             "{\"metadata\": false, \"range_status\": 501}"};
    for (int c = 0; c < 2; c++) {
        start_four(configs[c]);
        http_t *h = client(false);
        metadata_t *m = session(h, false);
        metadata_req_t r = req_for(1, false, true);
        fetch_all(m, &r, 1);
        assert_answer(&r, 1, METADATA_DOWNLOAD);
        cr_assert_eq(count(F_BIG, 1), 1);
        cr_assert_eq(count(F_BIG, 0), 1);
        cr_assert(strstr(r.note, c ? "HTTP 501" : "HTTP 416"), "%s", r.note);
        cr_assert(metadata_host_without_ranges(m, SV[1].url));
        metadata_stats_t st;
        metadata_get_stats(m, &st);
        cr_assert_eq(st.fallbacks, 1);
        metadata_req_clear(&r);
        metadata_free(m);
        http_free(h);
        srv_stop(&S);
    }
}

Test(metadata, lying_ranges_fall_back_to_the_verified_download)
{
    /* lie, whether the host is blamed, requests for big (exact, or -1 for "a few") */
    const struct {
        const char *lie;
        bool blamed;
        int requests;
    } cases[] = {{"header", true, 2}, {"total", true, 2}, {"short", true, 2},
                 {"shift", false, -1}, {"garbage", false, -1}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char *cfg = xasprintf("{\"metadata\": false, \"range_lie\": \"%s\"}", cases[c].lie);
        start_four(cfg);
        free(cfg);
        http_t *h = client(false);
        metadata_t *m = session(h, false);
        metadata_req_t r[2] = {req_for(1, false, true), req_for(2, false, true)};
        fetch_all(m, r, 2);
        for (int k = 0; k < 2; k++) {
            assert_answer(&r[k], k + 1, METADATA_DOWNLOAD);
            cr_assert_not_null(r[k].note);
            cr_assert_eq(count(SV[k + 1].filename, 0), 1, "%s: one download", cases[c].lie);
        }
        if (cases[c].requests > 0)
            cr_assert_eq(count(F_BIG, -1), cases[c].requests, "%s: %d requests", cases[c].lie,
                         count(F_BIG, -1));
        else
            cr_assert_leq(count(F_BIG, -1), 4);
        cr_assert_eq(metadata_host_without_ranges(m, SV[1].url), cases[c].blamed, "%s",
                     cases[c].lie);
        clear_all(r, 2);
        metadata_free(m);
        http_free(h);
        srv_stop(&S);
    }
}

Test(metadata, pep658_hash_mismatch_is_an_error_not_a_fallback)
{
    const char *configs[] = {"{\"metadata_lie\": \"hash\"}", "{\"metadata_lie\": \"body\"}"};
    for (int c = 0; c < 2; c++) {
        start_four(configs[c]);
        http_t *h = client(false);
        metadata_t *m = session(h, false);
        metadata_req_t r = req_for(1, true, true);
        if (c == 0) {   /* the index's (lying) hash, as the page gives it */
            r.metadata_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
        }
        fetch_all(m, &r, 1);
        cr_assert_not_null(r.err);
        cr_assert_eq(r.source, METADATA_NONE);
        cr_assert(strstr(r.err->msg, "hash mismatch for " F_BIG ".metadata"), "%s", r.err->msg);
        cr_assert_eq(count(F_BIG ".metadata", -1), 1);
        cr_assert_eq(count(F_BIG, -1), 0, "no fallback");
        cr_assert_not(md_cached(1));
        metadata_req_clear(&r);
        metadata_free(m);
        http_free(h);
        srv_stop(&S);
    }
}

Test(metadata, missing_pep658_file_goes_on_to_ranges)
{
    start_four("{\"faults\": [{\"path\": \"/a/files/" F_BIG ".metadata\", \"status\": 404}]}");
    http_t *h = client(false);
    metadata_t *m = session(h, false);
    metadata_req_t r = req_for(1, true, true);
    fetch_all(m, &r, 1);
    assert_answer(&r, 1, METADATA_RANGES);
    cr_assert_eq(count(F_BIG ".metadata", -1), 1);
    cr_assert_eq(count(F_BIG, 1), 2);
    cr_assert_eq(r.requests, 3);
    cr_assert(strstr(r.note, "missing (HTTP 404)"), "%s", r.note);
    metadata_req_clear(&r);
    metadata_free(m);
    http_free(h);
}

Test(metadata, offline_answers_from_the_caches_and_names_the_rest)
{
    start_four(NULL);
    http_t *h = client(false);
    metadata_t *m = session(h, false);
    metadata_req_t r = req_for(0, true, true);
    fetch_all(m, &r, 1);
    assert_answer(&r, 0, METADATA_PEP658);
    metadata_req_clear(&r);
    metadata_free(m);
    http_free(h);

    int before = count_all();
    h = client(true);
    m = session(h, true);
    metadata_req_t rs[2] = {req_for(0, true, true), req_for(2, true, true)};
    err_t *e = metadata_fetch(m, rs, 2);
    assert_answer(&rs[0], 0, METADATA_CACHE);
    cr_assert_not_null(rs[1].err);
    cr_assert(strstr(rs[1].err->msg, "offline") && strstr(rs[1].err->msg, F_BIGCD), "%s",
              rs[1].err->msg);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, F_BIGCD) && !strstr(e->msg, F_TINY), "%s", e->msg);
    err_free(e);
    cr_assert_eq(count_all(), before, "offline asked the server");
    clear_all(rs, 2);
    metadata_free(m);
    /* without any client at all: the same */
    metadata_t *m2 = session(NULL, false);
    metadata_req_t r2 = req_for(2, false, true);
    e = metadata_fetch(m2, &r2, 1);
    cr_assert_not_null(e);
    err_free(e);
    cr_assert_not_null(r2.err);
    metadata_req_clear(&r2);
    metadata_free(m2);
    http_free(h);
}

Test(metadata, local_wheels_are_read_with_every_check)
{
    srv_start(&S, NULL, NULL);
    metadata_t *m = session(NULL, true);
    buf_t a = BUF_INIT;
    wheel_big(&a);
    char *ok = serve("local", F_BIG, &a);
    /* the same archive under another project's name, and one with two .dist-info */
    char *wrong = serve("local", "other-1.0-py3-none-any.whl", &a);
    mem_t two[] = {{.name = MD, .data = META_BIG, .len = strlen(META_BIG)},
                   {.name = "big-2.0.dist-info/METADATA", .data = META_BIG,
                    .len = strlen(META_BIG)}};
    build(&a, two, 2, NULL);
    char *twice = serve("local2", F_BIG, &a);
    /* METADATA whose version is not the file name's */
    static const char v11[] = "Metadata-Version: 2.1\nName: big\nVersion: 1.1\n";
    mem_t ver[] = {{.name = MD, .data = v11, .len = strlen(v11)}};
    build(&a, ver, 1, NULL);
    char *badver = serve("local3", F_BIG, &a);
    metadata_req_t r[4];
    memset(r, 0, sizeof r);
    r[0].path = ok;
    r[1].path = wrong;
    r[2].path = twice;
    r[3].path = badver;
    cr_assert_null(metadata_fetch(m, r, 4));
    cr_assert_null(r[0].err, "%s", r[0].err ? r[0].err->msg : "");
    cr_assert_eq(r[0].source, METADATA_LOCAL);
    cr_assert_eq(r[0].metadata.len, strlen(META_BIG));
    cr_assert_str_eq(r[0].parsed.name, "big");
    cr_assert(r[1].err && strstr(r[1].err->msg, "does not match the wheel's name other"), "%s",
              r[1].err ? r[1].err->msg : "");
    cr_assert(r[2].err && strstr(r[2].err->msg, "more than one .dist-info"), "%s",
              r[2].err ? r[2].err->msg : "");
    cr_assert(r[3].err && strstr(r[3].err->msg, "METADATA has version 1.1"), "%s",
              r[3].err ? r[3].err->msg : "");
    /* nothing local is cached */
    char *mdir = path_join(S.cache, CACHE_METADATA);
    cr_assert_not(fs_exists(mdir));
    free(mdir);
    clear_all(r, 4);
    /* neither or both of path and url */
    metadata_req_t bad;
    memset(&bad, 0, sizeof bad);
    cr_assert_null(metadata_fetch(m, &bad, 1));
    cr_assert_not_null(bad.err);
    metadata_req_clear(&bad);
    free(ok);
    free(wrong);
    free(twice);
    free(badver);
    buf_free(&a);
    metadata_free(m);
}

Test(metadata, broken_wheels_fail_after_the_download_says_so)
{
    srv_start(&S, NULL, NULL);
    srv_write_config(&S, "{\"metadata\": false}");
    buf_t a = BUF_INIT;
    /* a CRC-32 mismatch in METADATA, a deflate bomb, a directory pointing past the members */
    const mem_t bad[3][2] = {
        {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .bad_crc = true},
         {.name = "big/data.bin", .len = 40000}},
        {{.name = MD, .data = META_BIG, .len = strlen(META_BIG), .deflate = true, .usize = 10},
         {.name = "big/data.bin", .len = 40000}},
        {{.name = "big/data.bin", .len = 40000},
         {.name = MD, .data = META_BIG, .len = strlen(META_BIG), .cen_hoff = 45000}},
    };
    const char *why[3] = {"CRC-32 mismatch", "inflates beyond", "outside the member area"};
    const char *idx[3] = {"x", "y", "z"};
    http_t *h = client(false);
    metadata_t *m = session(h, false);
    metadata_req_t r[3];
    char *urls[3];
    for (int i = 0; i < 3; i++) {
        build(&a, bad[i], 2, NULL);
        free(serve(idx[i], F_BIG, &a));
        memset(&r[i], 0, sizeof r[i]);
        urls[i] = xasprintf("%s/%s/files/" F_BIG, S.base, idx[i]);
        r[i].url = urls[i];
        r[i].size = -1;
    }
    fetch_all(m, r, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_not_null(r[i].err, "%d accepted", i);
        cr_assert(strstr(r[i].err->msg, why[i]), "%s", r[i].err->msg);
        cr_assert_not_null(r[i].note, "ranges were tried first");
        cr_assert(strstr(r[i].note, why[i]), "%s", r[i].note);
    }
    cr_assert_not(metadata_host_without_ranges(m, urls[0]), "the host was not to blame");
    clear_all(r, 3);
    for (int i = 0; i < 3; i++)
        free(urls[i]);
    metadata_free(m);
    http_free(h);
    buf_free(&a);
}

Test(metadata, direct_urls_with_fragments_and_no_hash)
{
    start_four("{\"metadata\": false}");
    http_t *h = client(false);
    metadata_t *m = session(h, false);
    metadata_req_t r;
    memset(&r, 0, sizeof r);
    char *u = xasprintf("%s#sha256=%s", SV[1].url, SV[1].sha);
    r.url = u;
    r.size = -1;
    fetch_all(m, &r, 1);
    assert_answer(&r, 1, METADATA_RANGES);
    cr_assert_eq(count(F_BIG, 1), 2);
    metadata_req_clear(&r);
    metadata_free(m);
    /* cached by URL and file name */
    m = session(h, false);
    fetch_all(m, &r, 1);
    assert_answer(&r, 1, METADATA_CACHE);
    cr_assert_eq(count(F_BIG, -1), 2);
    metadata_req_clear(&r);
    /* a file name that is not a wheel */
    metadata_req_t t;
    memset(&t, 0, sizeof t);
    t.url = u;
    t.filename = "big-1.0.tar.gz";
    t.size = -1;
    fetch_all(m, &t, 1);
    cr_assert_not_null(t.err);
    metadata_req_clear(&t);
    free(u);
    metadata_free(m);
    http_free(h);
}

Test(metadata, a_batch_runs_in_parallel_rounds)
{
    /* 12 wheels of the "big" shape on one index: 2 round trips for the batch, each taking 0.3 s
     * at the server; sequential requests would need 24 * 0.3 s */
    srv_start(&S, NULL, NULL);
    srv_write_config(&S, "{\"metadata\": false, \"faults\": [{\"path\": \"/p/files/*\", "
                         "\"delay\": 0.3}]}");
    buf_t a = BUF_INIT;
    metadata_req_t r[12];
    char *urls[12], *fns[12];
    for (int i = 0; i < 12; i++) {
        char meta[128];
        snprintf(meta, sizeof meta, "Metadata-Version: 2.1\nName: p%d\nVersion: 1.0\n", i);
        char md[64];
        snprintf(md, sizeof md, "p%d-1.0.dist-info/METADATA", i);
        mem_t m[] = {{.name = md, .data = meta, .len = strlen(meta), .deflate = true},
                     {.name = "blob.bin", .len = 30000 + (size_t)i}};
        build(&a, m, 2, NULL);
        fns[i] = xasprintf("p%d-1.0-py3-none-any.whl", i);
        free(serve("p", fns[i], &a));
        urls[i] = xasprintf("%s/p/files/%s", S.base, fns[i]);
        memset(&r[i], 0, sizeof r[i]);
        r[i].url = urls[i];
        r[i].size = -1;
    }
    http_t *h = client(false);
    metadata_t *m = session(h, false);
    int64_t t0 = now_ms();
    fetch_all(m, r, 12);
    int64_t ms = now_ms() - t0;
    for (int i = 0; i < 12; i++) {
        cr_assert_null(r[i].err, "%s", r[i].err ? r[i].err->msg : "");
        cr_assert_eq(r[i].source, METADATA_RANGES);
        cr_assert_eq(r[i].requests, 2);
    }
    cr_assert_lt(ms, 12 * 300, "took %lld ms", (long long)ms);
    clear_all(r, 12);
    for (int i = 0; i < 12; i++) {
        free(urls[i]);
        free(fns[i]);
    }
    metadata_free(m);
    http_free(h);
    buf_free(&a);
}

Test(metadata, http_fetch_ranges_limits_and_full_answers)
{
    start_four(NULL);
    http_t *h = client(false);
    buf_t whole = BUF_INIT;
    wheel_big(&whole);
    http_download_t dl;
    memset(&dl, 0, sizeof dl);
    dl.filename = F_BIG;
    dl.sha256 = SV[1].sha;
    dl.size = SV[1].size;
    http_fetch_t f[4];
    memset(f, 0, sizeof f);
    for (int i = 0; i < 4; i++) {
        f[i].url = SV[1].url;
        f[i].filename = F_BIG;
        f[i].ranged = true;
        f[i].max_bytes = 1000;
    }
    f[0].first = 10;                       /* an exact range */
    f[0].last = 19;
    f[1].suffix = 100;                     /* the last 100 bytes */
    f[2].first = 0;                        /* more than max_bytes */
    f[2].last = 5000;
    f[3].first = (uint64_t)SV[1].size + 10; /* past the end */
    f[3].last = (uint64_t)SV[1].size + 20;
    cr_assert_null(http_fetch_all(h, f, 4));
    cr_assert_null(f[0].err, "%s", f[0].err ? f[0].err->msg : "");
    cr_assert_eq(f[0].status, 206);
    cr_assert_eq(f[0].body.len, 10);
    cr_assert(memcmp(f[0].body.data, whole.data + 10, 10) == 0);
    cr_assert_eq(f[0].range_first, 10);
    cr_assert_eq(f[0].range_last, 19);
    cr_assert_eq(f[0].range_total, (uint64_t)SV[1].size);
    cr_assert_eq(f[1].status, 206);
    cr_assert(memcmp(f[1].body.data, whole.data + whole.len - 100, 100) == 0);
    cr_assert_not_null(f[2].err);
    cr_assert(f[2].bad_response);
    cr_assert(strstr(f[2].err->msg, "more than the 1000 bytes"), "%s", f[2].err->msg);
    cr_assert_null(f[3].err);
    cr_assert_eq(f[3].status, 416);
    for (int i = 0; i < 4; i++)
        http_fetch_clear(&f[i]);

    /* an unranged fetch with `full`: stored as the verified download, then found in the cache */
    memset(f, 0, sizeof f);
    f[0].url = SV[1].url;
    f[0].filename = F_BIG;
    f[0].full = &dl;
    cr_assert_null(http_fetch_all(h, f, 1));
    cr_assert_null(f[0].err, "%s", f[0].err ? f[0].err->msg : "");
    cr_assert_eq(f[0].status, 200);
    cr_assert(f[0].full_stored);
    cr_assert_not(dl.from_cache);
    cr_assert_eq(f[0].body.len, 0);
    cr_assert(dl_cached(1));
    cr_assert_eq(count(F_BIG, 0), 1);
    http_download_clear(&dl);
    http_fetch_clear(&f[0]);
    cr_assert_null(http_fetch_all(h, f, 1));
    cr_assert(f[0].full_stored);
    cr_assert(dl.from_cache);
    cr_assert_eq(count(F_BIG, 0), 1, "asked again");
    http_download_clear(&dl);
    http_fetch_clear(&f[0]);

    /* a wrong expected hash: the download is refused and nothing is kept */
    dl.sha256 = SV[2].sha;
    dl.size = -1;
    cr_assert_null(http_fetch_all(h, f, 1));
    cr_assert_not_null(f[0].err);
    cr_assert(strstr(f[0].err->msg, "hash mismatch"), "%s", f[0].err->msg);
    cr_assert_not(f[0].full_stored);
    cr_assert_null(dl.path);
    http_fetch_clear(&f[0]);
    http_download_clear(&dl);
    buf_free(&whole);
    http_free(h);

    /* offline: only what the download cache holds */
    h = client(true);
    memset(f, 0, 2 * sizeof *f);
    http_download_t d2[2];
    memset(d2, 0, sizeof d2);
    for (int i = 0; i < 2; i++) {
        f[i].url = SV[i + 1].url;
        f[i].filename = SV[i + 1].filename;
        f[i].ranged = true;
        f[i].suffix = 10;
        f[i].max_bytes = 10;
        f[i].full = &d2[i];
        d2[i].filename = SV[i + 1].filename;
        d2[i].sha256 = SV[i + 1].sha;
        d2[i].size = -1;
    }
    int before = count_all();
    err_t *e = http_fetch_all(h, f, 2);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, F_BIGCD) && !strstr(e->msg, F_BIG ")"), "%s", e->msg);
    err_free(e);
    cr_assert(f[0].full_stored);
    cr_assert_not_null(f[1].err);
    cr_assert_eq(count_all(), before);
    for (int i = 0; i < 2; i++) {
        http_fetch_clear(&f[i]);
        http_download_clear(&d2[i]);
    }
    http_free(h);
}
