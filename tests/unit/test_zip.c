/* The hardened ZIP reader: archives written by Python's zipfile (built at test time by
 * tests/fixtures/make_zips.py), real wheels compared byte for byte with zipfile's extraction,
 * and hand-crafted malicious archives for everything zipfile cannot produce. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/xalloc.h"
#include "wheel/zip.h"

static char *tmp;

static void setup(void)
{
    char *t = xstrdup("/tmp/venvsync-zip-XXXXXX");
    cr_assert_not_null(mkdtemp(t));
    tmp = t;
}

static void teardown(void)
{
    err_free(fs_rmtree(tmp));
    free(tmp);
}

TestSuite(zip, .init = setup, .fini = teardown);

/* ---- helpers ----------------------------------------------------------------------------- */

/* Runs make_zips.py into tmp for the given sets (space-separated), with extra env. */
static void make_zips(const char *sets, const char *wheels_extra)
{
    char *script = path_join(TEST_SRC_DIR, "tests/fixtures/make_zips.py");
    char *argv[12] = {"/usr/bin/env", NULL};
    int argc = 1;
    char *envarg = NULL;
    if (wheels_extra) {
        envarg = xasprintf("WHEELS_EXTRA=%s", wheels_extra);
        argv[argc++] = envarg;
    }
    argv[argc++] = "/usr/bin/python3";
    argv[argc++] = script;
    argv[argc++] = tmp;
    char *copy = xstrdup(sets);
    for (char *s = strtok(copy, " "); s && argc < 11; s = strtok(NULL, " "))
        argv[argc++] = s;
    argv[argc] = NULL;
    buf_t out = BUF_INIT, errout = BUF_INIT;
    int status = -1;
    err_t *e = proc_capture(argv, NULL, &out, &errout, &status);
    cr_assert_null(e, "running make_zips.py: %s", e ? e->msg : "");
    cr_assert_eq(status, 0, "make_zips.py failed: %s", buf_cstr(&errout));
    buf_free(&out);
    buf_free(&errout);
    free(copy);
    free(envarg);
    free(script);
}

static char *tmp_path(const char *name) { return path_join(tmp, name); }

static zip_t *must_open(const char *path, const zip_options_t *opts)
{
    zip_t *z = NULL;
    err_t *e = zip_open(path, opts, &z);
    cr_assert_null(e, "zip_open(%s): %s", path, e ? e->msg : "");
    cr_assert_not_null(z);
    return z;
}

static void digest_hex(const unsigned char d[32], char out[65]) { hex_encode(d, 32, out); }

/* Extracts e into a buffer (fresh) and returns its result; asserts success. */
static void must_extract(const zip_t *z, const zip_entry_t *e, buf_t *out, zip_result_t *r)
{
    buf_reset(out);
    err_t *err = zip_extract_buf(z, e, (size_t)1 << 30, out, r);
    cr_assert_null(err, "extracting %s: %s", e->name, err ? err->msg : "");
}

/* ---- a writer for hand-crafted archives -------------------------------------------------- */

typedef struct zm {
    const char *name;
    size_t name_len;            /* 0: strlen(name) */
    const char *data;
    size_t len;
    int method;                 /* 0 stored, 8 deflate (compressed here) */
    uint16_t flags;
    uint32_t mode;              /* external_attr >> 16; 0: 0100644 */
    bool descriptor;            /* flag bit 3 + data descriptor after the data */
    bool dd_nosig;              /* descriptor without its signature */
    bool zip64;                 /* sizes and offset in ZIP64 extras (local and central) */
    const void *comp;           /* already compressed data (method 8), with usize/crc below */
    size_t comp_len;
    bool set_usize;
    uint64_t usize;
    bool set_crc;
    uint32_t crc;
    const char *cen_extra;      /* appended to the central extra field */
    size_t cen_extra_len;
    long long cd_only_at;       /* > 0: no local header written; the entry points here */
} zm_t;

typedef struct zb {
    buf_t b;
    size_t lh[16], data[16], cen[16];
    size_t n, cd_off, cd_size, eocd;
} zb_t;

typedef struct zbopt {
    const char *prefix;         /* bytes before the first member (offsets stay correct) */
    size_t prefix_len;
    const char *gap;            /* bytes between the first and second member */
    size_t gap_len;
    const char *comment;
    size_t comment_len;
    bool zip64_end;             /* ZIP64 end record and locator, saturated 32-bit fields */
} zbopt_t;

static void put16(buf_t *b, unsigned v)
{
    buf_addc(b, (char)(v & 0xff));
    buf_addc(b, (char)(v >> 8 & 0xff));
}
static void put32(buf_t *b, uint32_t v) { put16(b, v & 0xffff); put16(b, v >> 16); }
static void put64(buf_t *b, uint64_t v) { put32(b, (uint32_t)v); put32(b, (uint32_t)(v >> 32)); }
static void patch16(buf_t *b, size_t off, unsigned v)
{
    b->data[off] = (char)v;
    b->data[off + 1] = (char)(v >> 8);
}
static void patch32(buf_t *b, size_t off, uint32_t v)
{
    patch16(b, off, v & 0xffff);
    patch16(b, off + 2, v >> 16);
}

/* Replaces out's content with the raw deflate of in. */
static void deflate_raw(const void *in, size_t len, buf_t *out)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    cr_assert_eq(deflateInit2(&s, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    buf_reset(out);
    buf_grow(out, deflateBound(&s, len));
    s.next_in = (unsigned char *)in;
    s.avail_in = (uInt)len;
    s.next_out = (unsigned char *)out->data;
    s.avail_out = (uInt)(out->cap - 1);
    cr_assert_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
    out->len = s.total_out;
    out->data[out->len] = '\0';
    deflateEnd(&s);
}

static void zb_build(zb_t *z, const zm_t *m, size_t n, const zbopt_t *o)
{
    static const zbopt_t none;
    if (!o)
        o = &none;
    memset(z, 0, sizeof *z);
    z->n = n;
    buf_t *b = &z->b;
    buf_add(b, o->prefix ? o->prefix : "", o->prefix_len);
    buf_t comp[16];
    uint32_t crc[16];
    uint64_t usize[16];
    for (size_t i = 0; i < n; i++) {
        comp[i] = (buf_t)BUF_INIT;
        const char *data = m[i].data ? m[i].data : "";
        if (m[i].comp)
            buf_add(&comp[i], m[i].comp, m[i].comp_len);
        else if (m[i].method == 8)
            deflate_raw(data, m[i].len, &comp[i]);
        else
            buf_add(&comp[i], data, m[i].len);
        crc[i] = m[i].set_crc ? m[i].crc
                              : (uint32_t)crc32(0, (const unsigned char *)data, (uInt)m[i].len);
        usize[i] = m[i].set_usize ? m[i].usize : m[i].len;
        size_t nl = m[i].name_len ? m[i].name_len : strlen(m[i].name);
        uint16_t flags = m[i].flags | (m[i].descriptor ? 8 : 0);
        if (i == 1 && o->gap)
            buf_add(b, o->gap, o->gap_len);
        if (m[i].cd_only_at > 0) {
            z->lh[i] = (size_t)m[i].cd_only_at;
            continue;
        }
        z->lh[i] = b->len;
        put32(b, 0x04034b50);
        put16(b, 20);
        put16(b, flags);
        put16(b, (unsigned)m[i].method);
        put16(b, 0);
        put16(b, 0x21);
        bool dd = m[i].descriptor;
        put32(b, dd ? 0 : crc[i]);
        put32(b, m[i].zip64 ? 0xffffffffu : dd ? 0 : (uint32_t)comp[i].len);
        put32(b, m[i].zip64 ? 0xffffffffu : dd ? 0 : (uint32_t)usize[i]);
        put16(b, (unsigned)nl);
        put16(b, m[i].zip64 ? 20 : 0);
        buf_add(b, m[i].name, nl);
        if (m[i].zip64) {
            put16(b, 1);
            put16(b, 16);
            put64(b, dd ? 0 : usize[i]);
            put64(b, dd ? 0 : comp[i].len);
        }
        z->data[i] = b->len;
        buf_add(b, comp[i].data ? comp[i].data : "", comp[i].len);
        if (dd) {
            if (!m[i].dd_nosig)
                put32(b, 0x08074b50);
            put32(b, crc[i]);
            if (m[i].zip64) {
                put64(b, comp[i].len);
                put64(b, usize[i]);
            } else {
                put32(b, (uint32_t)comp[i].len);
                put32(b, (uint32_t)usize[i]);
            }
        }
    }
    z->cd_off = b->len;
    for (size_t i = 0; i < n; i++) {
        size_t nl = m[i].name_len ? m[i].name_len : strlen(m[i].name);
        uint16_t flags = m[i].flags | (m[i].descriptor ? 8 : 0);
        z->cen[i] = b->len;
        put32(b, 0x02014b50);
        put16(b, 0x031e);
        put16(b, 20);
        put16(b, flags);
        put16(b, (unsigned)m[i].method);
        put16(b, 0);
        put16(b, 0x21);
        put32(b, crc[i]);
        put32(b, m[i].zip64 ? 0xffffffffu : (uint32_t)comp[i].len);
        put32(b, m[i].zip64 ? 0xffffffffu : (uint32_t)usize[i]);
        put16(b, (unsigned)nl);
        put16(b, (unsigned)((m[i].zip64 ? 28 : 0) + m[i].cen_extra_len));
        put16(b, 0);
        put16(b, 0);
        put16(b, 0);
        put32(b, (m[i].mode ? m[i].mode : 0100644) << 16);
        put32(b, m[i].zip64 ? 0xffffffffu : (uint32_t)z->lh[i]);
        buf_add(b, m[i].name, nl);
        if (m[i].zip64) {
            put16(b, 1);
            put16(b, 24);
            put64(b, usize[i]);
            put64(b, comp[i].len);
            put64(b, z->lh[i]);
        }
        if (m[i].cen_extra_len)
            buf_add(b, m[i].cen_extra, m[i].cen_extra_len);
        buf_free(&comp[i]);
    }
    z->cd_size = b->len - z->cd_off;
    if (o->zip64_end) {
        size_t rec = b->len;
        put32(b, 0x06064b50);
        put64(b, 44);
        put16(b, 0x031e);
        put16(b, 45);
        put32(b, 0);
        put32(b, 0);
        put64(b, n);
        put64(b, n);
        put64(b, z->cd_size);
        put64(b, z->cd_off);
        put32(b, 0x07064b50);
        put32(b, 0);
        put64(b, rec);
        put32(b, 1);
    }
    z->eocd = b->len;
    put32(b, 0x06054b50);
    put16(b, 0);
    put16(b, 0);
    put16(b, o->zip64_end ? 0xffff : (unsigned)n);
    put16(b, o->zip64_end ? 0xffff : (unsigned)n);
    put32(b, o->zip64_end ? 0xffffffffu : (uint32_t)z->cd_size);
    put32(b, o->zip64_end ? 0xffffffffu : (uint32_t)z->cd_off);
    put16(b, (unsigned)o->comment_len);
    buf_add(b, o->comment ? o->comment : "", o->comment_len);
}

/* Opens z's bytes; returns the error message (malloc'd) or NULL on success. */
static char *zb_open_err(const zb_t *z, const zip_options_t *opts)
{
    zip_t *zz = NULL;
    err_t *e = zip_open_mem(z->b.data, z->b.len, "crafted.zip", opts, &zz);
    if (!e) {
        zip_close(zz);
        return NULL;
    }
    cr_assert_null(zz);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    char *msg = xstrdup(e->msg);
    err_free(e);
    return msg;
}

/* Asserts that opening z fails with a message naming the archive and containing each part. */
#define assert_rejected(z, opts, ...)                                                           \
    do {                                                                                       \
        char *msg_ = zb_open_err((z), (opts));                                                 \
        cr_assert_not_null(msg_, "archive was accepted, expected: %s",                          \
                           (const char *[]){__VA_ARGS__, NULL}[0]);                            \
        cr_assert(strncmp(msg_, "crafted.zip: ", 13) == 0, "message: %s", msg_);               \
        for (const char **w_ = (const char *[]){__VA_ARGS__, NULL}; *w_; w_++)                 \
            cr_assert(strstr(msg_, *w_), "message '%s' lacks '%s'", msg_, *w_);                \
        free(msg_);                                                                            \
    } while (0)

static zip_t *zb_must_open(const zb_t *z, const zip_options_t *opts)
{
    zip_t *zz = NULL;
    err_t *e = zip_open_mem(z->b.data, z->b.len, "crafted.zip", opts, &zz);
    cr_assert_null(e, "open: %s", e ? e->msg : "");
    return zz;
}

/* Extracts member i of a crafted archive and returns the error message (or NULL). */
static char *zb_extract_err(const zb_t *z, size_t i)
{
    zip_t *zz = zb_must_open(z, NULL);
    buf_t out = BUF_INIT;
    err_t *e = zip_extract_buf(zz, zip_entry_at(zz, i), 1 << 20, &out, NULL);
    char *msg = e ? xstrdup(e->msg) : NULL;
    err_free(e);
    buf_free(&out);
    zip_close(zz);
    return msg;
}

#define assert_extract_fails(z, i, ...)                                                        \
    do {                                                                                       \
        char *msg_ = zb_extract_err((z), (i));                                                 \
        cr_assert_not_null(msg_, "extraction succeeded");                                      \
        cr_assert(strncmp(msg_, "crafted.zip: member '", 21) == 0, "message: %s", msg_);       \
        for (const char **w_ = (const char *[]){__VA_ARGS__, NULL}; *w_; w_++)                 \
            cr_assert(strstr(msg_, *w_), "message '%s' lacks '%s'", msg_, *w_);                \
        free(msg_);                                                                            \
    } while (0)

/* ---- archives written by Python's zipfile ------------------------------------------------ */

/* Checks every member of every archive in manifest.tsv: names, order, kind, size, sha256, mode,
 * lookup, and both extraction paths (buffer and file descriptor). Returns members checked. */
static size_t check_manifest(const char *only)
{
    char *mpath = tmp_path("manifest.tsv");
    buf_t man = BUF_INIT;
    cr_assert_null(fs_read(mpath, &man));
    size_t checked = 0, index = 0;
    char last[256] = "";
    zip_t *z = NULL;
    buf_t out = BUF_INIT;
    char *save = NULL;
    for (char *line = strtok_r(man.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[6];
        char *s2 = NULL;
        int k = 0;
        for (char *t = strtok_r(line, "\t", &s2); t && k < 6; t = strtok_r(NULL, "\t", &s2))
            f[k++] = t;
        cr_assert_eq(k, 6);
        if (only && strcmp(f[0], only) != 0)
            continue;
        if (strcmp(f[0], last) != 0) {
            if (z) {
                cr_assert_eq(zip_count(z), index, "%s: member count", last);
                zip_close(z);
            }
            snprintf(last, sizeof last, "%s", f[0]);
            char *p = tmp_path(f[0]);
            z = must_open(p, NULL);
            cr_assert_str_eq(zip_label(z), p);
            free(p);
            index = 0;
        }
        const zip_entry_t *e = zip_entry_at(z, index);
        cr_assert_not_null(e);
        cr_assert_str_eq(e->name, f[1], "%s: entry %zu", f[0], index);
        cr_assert_eq(e->name_len, strlen(f[1]));
        cr_assert_eq(e->index, index);
        cr_assert_eq(e->is_dir, f[2][0] == '1', "%s: is_dir", f[1]);
        cr_assert_eq(e->usize, strtoull(f[3], NULL, 10), "%s: size", f[1]);
        cr_assert_eq(e->mode, (uint32_t)strtoul(f[5], NULL, 8), "%s: mode", f[1]);
        cr_assert_eq(zip_find(z, f[1]), e, "zip_find(%s)", f[1]);
        zip_result_t r;
        char hex[65];
        if (index % 2) {
            must_extract(z, e, &out, &r);
            cr_assert_eq(out.len, e->usize);
        } else {
            char *p = tmp_path("extracted");
            int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            cr_assert_geq(fd, 0);
            err_t *err = zip_extract_fd(z, e, fd, &r);
            cr_assert_null(err, "%s", err ? err->msg : "");
            close(fd);
            char filehex[65];
            cr_assert_null(sha256_file_hex(p, filehex));
            digest_hex(r.sha256, hex);
            cr_assert_str_eq(filehex, hex, "%s: file content", f[1]);
            free(p);
        }
        cr_assert_eq(r.size, e->usize);
        cr_assert_eq(r.crc32, e->crc32);
        digest_hex(r.sha256, hex);
        cr_assert_str_eq(hex, f[4], "%s: sha256", f[1]);
        index++;
        checked++;
    }
    if (z) {
        cr_assert_eq(zip_count(z), index, "%s: member count", last);
        zip_close(z);
    }
    buf_free(&out);
    buf_free(&man);
    free(mpath);
    return checked;
}

Test(zip, zipfile_stored_deflated_empty_dirs_modes)
{
    make_zips("basic", NULL);
    cr_assert_eq(check_manifest("basic.zip"), 12);
    char *p = tmp_path("basic.zip");
    zip_t *z = must_open(p, NULL);
    const zip_entry_t *d = zip_find(z, "pkg");
    cr_assert_not_null(d);
    cr_assert_str_eq(d->name, "pkg/");
    cr_assert(d->is_dir);
    cr_assert_eq(zip_find(z, "pkg/"), d);
    cr_assert_null(zip_find(z, "pkg/missing.py"));
    cr_assert_null(zip_find(z, "pk"));
    cr_assert_null(zip_find(z, ""));
    const zip_entry_t *st = zip_find(z, "pkg/stored.txt");
    cr_assert_eq(st->method, ZIP_STORED);
    cr_assert_eq(st->csize, st->usize);
    const zip_entry_t *df = zip_find(z, "pkg/deflated.txt");
    cr_assert_eq(df->method, ZIP_DEFLATED);
    cr_assert_lt(df->csize, df->usize / 2);
    cr_assert(zip_entry_is_executable(zip_find(z, "bin/tool")));
    cr_assert_not(zip_entry_is_executable(zip_find(z, "bin/bare_exec")), "pip needs S_IFREG");
    cr_assert_not(zip_entry_is_executable(zip_find(z, "pkg/__init__.py")));
    cr_assert_not_null(zip_find(z, "données/é.txt"));
    cr_assert(zip_find(z, "données/é.txt")->flags & 0x800);
    uint64_t total = 0;
    for (size_t i = 0; i < zip_count(z); i++)
        total += zip_entry_at(z, i)->usize;
    cr_assert_eq(zip_total_size(z), total);
    cr_assert_gt(total, 375000);
    zip_close(z);
    free(p);
}

Test(zip, zipfile_zip64_small_and_large)
{
    make_zips("zip64", NULL);
    cr_assert_eq(check_manifest("zip64_small.zip"), 2);
    cr_assert_eq(check_manifest("zip64_large.zip"), 3);
    char *p = tmp_path("zip64_large.zip");
    zip_t *z = must_open(p, NULL);
    cr_assert_eq(zip_find(z, "big_stored.bin")->usize, 3u << 20);
    cr_assert_eq(zip_find(z, "big_deflated.txt")->usize, 5u << 20);
    zip_close(z);
    free(p);
}

Test(zip, zipfile_data_descriptors)
{
    make_zips("descriptor", NULL);
    cr_assert_eq(check_manifest("descriptor.zip"), 4);
    cr_assert_eq(check_manifest("descriptor64.zip"), 4);
    char *p = tmp_path("descriptor64.zip");
    zip_t *z = must_open(p, NULL);
    cr_assert(zip_entry_at(z, 0)->flags & 8, "zipfile wrote no descriptor: test is void");
    zip_close(z);
    free(p);
}

Test(zip, cp437_names_decode_like_zipfile)
{
    make_zips("cp437", NULL);
    cr_assert_eq(check_manifest("cp437.zip"), 2);
    char *p = tmp_path("cp437.zip");
    zip_t *z = must_open(p, NULL);
    cr_assert_not_null(zip_find(z, "café/nañve.txt"));
    cr_assert_not_null(zip_find(z, "ßΓπ.py"));
    cr_assert_eq(zip_entry_at(z, 0)->flags & 0x800, 0);
    zip_close(z);
    free(p);
}

Test(zip, bomb_above_ratio_cap_is_rejected)
{
    make_zips("bomb", NULL);
    char *p = tmp_path("bomb.zip");
    zip_t *z = NULL;
    err_t *e = zip_open(p, NULL, &z);
    cr_assert_not_null(e);
    cr_assert_null(z);
    cr_assert(strstr(e->msg, p) && strstr(e->msg, "member 'zeros.bin'") &&
              strstr(e->msg, "1000:1 limit"), "%s", e->msg);
    err_free(e);
    /* Raising the cap admits it, and it extracts correctly. */
    zip_options_t o = ZIP_OPTIONS_DEFAULT;
    o.max_ratio = 2000;
    z = must_open(p, &o);
    buf_t out = BUF_INIT;
    zip_result_t r;
    must_extract(z, zip_find(z, "zeros.bin"), &out, &r);
    cr_assert_eq(out.len, 2u << 20);
    cr_assert_eq(memchr(out.data, 1, out.len), NULL);
    buf_free(&out);
    zip_close(z);
    /* And the total cap catches it too. */
    o.max_total_size = 1 << 20;
    e = zip_open(p, &o, &z);
    cr_assert(e && strstr(e->msg, "declared size exceeds the limit"), "%s", e ? e->msg : "");
    err_free(e);
    free(p);
}

Test(zip, truncated_archive_at_many_cut_points)
{
    make_zips("basic descriptor", NULL);
    const char *names[] = {"basic.zip", "descriptor.zip"};
    for (size_t a = 0; a < 2; a++) {
        char *p = tmp_path(names[a]);
        buf_t data = BUF_INIT;
        cr_assert_null(fs_read(p, &data));
        size_t cuts[] = {0, 1, 21, 22, 100, data.len / 3, data.len / 2, data.len - 200,
                         data.len - 23, data.len - 22, data.len - 21, data.len - 1};
        for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
            zip_t *z = NULL;
            err_t *e = zip_open_mem(data.data, cuts[c], names[a], NULL, &z);
            cr_assert_not_null(e, "%s cut at %zu was accepted", names[a], cuts[c]);
            cr_assert_null(z);
            cr_assert(strncmp(e->msg, names[a], strlen(names[a])) == 0, "%s", e->msg);
            err_free(e);
        }
        /* Also through a real file cut short. */
        char *cut = tmp_path("cut.zip");
        cr_assert_null(fs_write_atomic(cut, data.data, data.len - 10, 0644));
        zip_t *z = NULL;
        err_t *e = zip_open(cut, NULL, &z);
        cr_assert_not_null(e);
        cr_assert(strstr(e->msg, cut), "%s", e->msg);
        err_free(e);
        free(cut);
        buf_free(&data);
        free(p);
    }
}

Test(zip, bit_flipped_member_fails_crc)
{
    make_zips("basic", NULL);
    char *p = tmp_path("basic.zip");
    buf_t data = BUF_INIT;
    cr_assert_null(fs_read(p, &data));
    zip_t *z = NULL;
    cr_assert_null(zip_open_mem(data.data, data.len, "flip.zip", NULL, &z));
    const zip_entry_t *st = zip_find(z, "pkg/stored.txt");
    const zip_entry_t *df = zip_find(z, "pkg/deflated.txt");
    uint64_t st_at = st->data_offset + 1234, df_at = df->data_offset + df->csize / 2;
    zip_close(z);
    data.data[st_at] ^= 0x10;
    data.data[df_at] ^= 0x01;
    cr_assert_null(zip_open_mem(data.data, data.len, "flip.zip", NULL, &z), "flips are in data");
    buf_t out = BUF_INIT;
    err_t *e = zip_extract_buf(z, zip_find(z, "pkg/stored.txt"), 1 << 20, &out, NULL);
    cr_assert(e && strstr(e->msg, "flip.zip: member 'pkg/stored.txt': CRC-32 mismatch"), "%s",
              e ? e->msg : "(accepted)");
    cr_assert_eq(out.len, 0, "a failed extraction leaves the buffer as it was");
    err_free(e);
    e = zip_extract_buf(z, zip_find(z, "pkg/deflated.txt"), 1 << 20, &out, NULL);
    cr_assert(e && strstr(e->msg, "member 'pkg/deflated.txt'") &&
              (strstr(e->msg, "CRC-32 mismatch") || strstr(e->msg, "corrupt compressed data") ||
               strstr(e->msg, "inflates")), "%s", e ? e->msg : "(accepted)");
    err_free(e);
    /* The other members are unaffected. */
    zip_result_t r;
    must_extract(z, zip_find(z, "pkg/random.bin"), &out, &r);
    buf_free(&out);
    zip_close(z);
    buf_free(&data);
    free(p);
}

/* ---- real wheels against zipfile's extraction -------------------------------------------- */

static char *extra_wheels(void)
{
    glob_t g;
    buf_t b = BUF_INIT;
    if (glob("/root/.pyenv/versions/*/lib/python3*/ensurepip/_bundled/*.whl", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            if (b.len)
                buf_addc(&b, ':');
            buf_adds(&b, g.gl_pathv[i]);
        }
        globfree(&g);
    }
    return buf_detach(&b);
}

static size_t count_files(const char *dir)
{
    char **names = NULL;
    cr_assert_null(fs_list_dir(dir, &names));
    size_t n = 0;
    for (char **p = names; *p; p++) {
        char *full = path_join(dir, *p);
        struct stat st;
        cr_assert_eq(lstat(full, &st), 0);
        n += S_ISDIR(st.st_mode) ? count_files(full) : 1;
        free(full);
    }
    strv_free(names);
    return n;
}

Test(zip, real_wheels_match_zipfile_byte_for_byte, .timeout = 120)
{
    char *extra = extra_wheels();
    make_zips("wheels", extra);
    free(extra);
    char *list = tmp_path("wheels.tsv");
    buf_t tsv = BUF_INIT;
    cr_assert_null(fs_read(list, &tsv));
    size_t wheels = 0, members = 0;
    buf_t out = BUF_INIT, want = BUF_INIT;
    char *save = NULL;
    for (char *line = strtok_r(tsv.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        cr_assert_not_null(tab);
        *tab = '\0';
        const char *whl = line, *dest = tab + 1;
        zip_t *z = must_open(whl, NULL);
        size_t files = 0;
        for (size_t i = 0; i < zip_count(z); i++) {
            const zip_entry_t *e = zip_entry_at(z, i);
            if (e->is_dir)
                continue;
            zip_result_t r;
            must_extract(z, e, &out, &r);
            char *p = path_join(dest, e->name);
            buf_reset(&want);
            cr_assert_null(fs_read(p, &want), "%s: %s not extracted by zipfile", whl, e->name);
            cr_assert_eq(out.len, want.len, "%s: %s size", whl, e->name);
            cr_assert(memcmp(out.data ? out.data : "", want.data ? want.data : "", out.len) == 0,
                      "%s: %s differs", whl, e->name);
            char hex[65], want_hex[65];
            digest_hex(r.sha256, hex);
            sha256_hex(want.data ? want.data : "", want.len, want_hex);
            cr_assert_str_eq(hex, want_hex);
            free(p);
            files++;
        }
        cr_assert_eq(files, count_files(dest), "%s: zipfile extracted other files", whl);
        cr_assert_gt(files, 10);
        members += files;
        wheels++;
        zip_close(z);
    }
    cr_assert_geq(wheels, 1, "no wheel in /usr/share/python-wheels");
    cr_log_info("compared %zu members of %zu wheels", members, wheels);
    buf_free(&out);
    buf_free(&want);
    buf_free(&tsv);
    free(list);
}

/* ---- concurrency ------------------------------------------------------------------------- */

typedef struct job {
    const zip_t *z;
    size_t start;
    unsigned char (*digests)[32];
    int failures;
} job_t;

static void *extract_all(void *arg)
{
    job_t *j = arg;
    size_t n = zip_count(j->z);
    char *p = tmp_path("thread-XXXXXX");
    int fd = mkstemp(p);
    for (size_t k = 0; k < n; k++) {
        size_t i = (j->start + k) % n;
        zip_result_t r;
        lseek(fd, 0, SEEK_SET);
        err_t *e = zip_extract_fd(j->z, zip_entry_at(j->z, i), fd, &r);
        if (e || memcmp(r.sha256, j->digests[i], 32) != 0)
            j->failures++;
        err_free(e);
    }
    close(fd);
    unlink(p);
    free(p);
    return NULL;
}

Test(zip, concurrent_extraction_from_one_zip)
{
    glob_t g;
    cr_assert_eq(glob("/usr/share/python-wheels/pip-*.whl", 0, NULL, &g), 0);
    zip_t *z = must_open(g.gl_pathv[0], NULL);
    size_t n = zip_count(z);
    unsigned char (*digests)[32] = xmalloc(n * 32);
    buf_t out = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        zip_result_t r;
        must_extract(z, zip_entry_at(z, i), &out, &r);
        memcpy(digests[i], r.sha256, 32);
    }
    buf_free(&out);
    pthread_t t[6];
    job_t jobs[6];
    for (int k = 0; k < 6; k++) {
        jobs[k] = (job_t){z, (size_t)k * n / 6, digests, 0};
        cr_assert_eq(pthread_create(&t[k], NULL, extract_all, &jobs[k]), 0);
    }
    for (int k = 0; k < 6; k++) {
        pthread_join(t[k], NULL);
        cr_assert_eq(jobs[k].failures, 0, "thread %d", k);
    }
    free(digests);
    zip_close(z);
    globfree(&g);
}

/* ---- hand-crafted archives: what is accepted --------------------------------------------- */

static const char LOREM[] = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
                            "eiusmod tempor incididunt ut labore et dolore magna aliqua.\n";

Test(zip, crafted_valid_archive_variants_open)
{
    zm_t m[] = {
        {.name = "a.txt", .data = LOREM, .len = sizeof LOREM - 1, .method = 8},
        {.name = "b.txt", .data = LOREM, .len = 20, .method = 0, .descriptor = true,
         .dd_nosig = true},
        {.name = "c.txt", .data = LOREM, .len = 30, .method = 8, .descriptor = true,
         .zip64 = true},
        {.name = "d.txt", .data = LOREM, .len = 40, .method = 8, .zip64 = true},
        {.name = "e/", .mode = 040755},
    };
    zb_t z;
    zbopt_t o = {.comment = "a comment", .comment_len = 9, .zip64_end = true};
    zb_build(&z, m, 5, &o);
    zip_t *zz = zb_must_open(&z, NULL);
    cr_assert_eq(zip_count(zz), 5);
    buf_t out = BUF_INIT;
    for (size_t i = 0; i < 4; i++) {
        zip_result_t r;
        must_extract(zz, zip_entry_at(zz, i), &out, &r);
        cr_assert_eq(out.len, m[i].len);
        cr_assert(memcmp(out.data, LOREM, out.len) == 0);
    }
    cr_assert(zip_entry_at(zz, 4)->is_dir);
    buf_free(&out);
    zip_close(zz);
    buf_free(&z.b);

    /* An empty archive is fine. */
    zb_build(&z, NULL, 0, NULL);
    zz = zb_must_open(&z, NULL);
    cr_assert_eq(zip_count(zz), 0);
    cr_assert_null(zip_find(zz, "x"));
    zip_close(zz);
    buf_free(&z.b);
}

/* ---- hand-crafted archives: what is rejected at open ------------------------------------- */

static void reject_one(const zm_t *m, const char *want)
{
    zb_t z;
    zb_build(&z, m, 1, NULL);
    assert_rejected(&z, NULL, want);
    buf_free(&z.b);
}

Test(zip, rejects_unsafe_names)
{
    struct { const char *name; size_t len; const char *why; } c[] = {
        {"/etc/passwd", 0, "member '/etc/passwd': absolute path"},
        {"a/../../b", 0, "member 'a/../../b': name has a '..' component"},
        {"..", 0, "'..' component"},
        {"a/..", 0, "'..' component"},
        {"../", 0, "'..' component"},
        {"a\\b", 0, "member 'a\\x5cb': name contains a backslash"},
        {"a\0b", 3, "member 'a\\x00b': name contains a NUL byte"},
        {"C:/x", 0, "name starts with a drive letter"},
        {"c:x", 0, "name starts with a drive letter"},
        {"", 0, "member '': empty name"},
        {"a/./b", 0, "'.' component"},
        {"./a", 0, "'.' component"},
        {"a//b", 0, "empty component"},
        {"a//", 0, "empty component"},
        {"x\ny", 0, "member 'x\\x0ay': name contains a control character"},
        {"/", 0, "absolute path"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        zm_t m = {.name = c[i].name, .name_len = c[i].len, .data = "x", .len = 1};
        reject_one(&m, c[i].why);
    }
    /* A non-UTF-8 name with flag bit 11. */
    zm_t bad = {.name = "caf\xe9", .flags = 0x800, .data = "x", .len = 1};
    reject_one(&bad, "member 'caf\\xe9': name is not valid UTF-8");
    /* The same bytes without bit 11 are CP437 and fine. */
    zm_t ok = {.name = "caf\xe9", .data = "x", .len = 1};
    zb_t z;
    zb_build(&z, &ok, 1, NULL);
    zip_t *zz = zb_must_open(&z, NULL);
    cr_assert_str_eq(zip_entry_at(zz, 0)->name, "cafΘ");
    zip_close(zz);
    buf_free(&z.b);
}

Test(zip, rejects_methods_encryption_links_and_special_files)
{
    zm_t m = {.name = "x.bz2", .data = "abc", .len = 3, .method = 12};
    reject_one(&m, "member 'x.bz2': unsupported compression method 12 (only stored and deflate)");
    m = (zm_t){.name = "lz", .data = "abc", .len = 3, .method = 14};
    reject_one(&m, "unsupported compression method 14");
    m = (zm_t){.name = "secret.txt", .data = "abc", .len = 3, .flags = 1};
    reject_one(&m, "member 'secret.txt': encrypted members are not supported");
    m = (zm_t){.name = "strong.txt", .data = "abc", .len = 3, .flags = 0x40};
    reject_one(&m, "encrypted");
    m = (zm_t){.name = "patched", .data = "abc", .len = 3, .flags = 0x20};
    reject_one(&m, "compressed patched data");
    m = (zm_t){.name = "link", .data = "/etc/passwd", .len = 11, .mode = 0120777};
    reject_one(&m, "member 'link': symbolic links are not supported");
    m = (zm_t){.name = "fifo", .mode = 010644};
    reject_one(&m, "member 'fifo': special file (mode 010644)");
    m = (zm_t){.name = "dev", .mode = 020644};
    reject_one(&m, "special file");
    m = (zm_t){.name = "notadir", .mode = 040755};
    reject_one(&m, "directory mode on a name without a trailing '/'");
    m = (zm_t){.name = "dir/", .data = "data", .len = 4, .mode = 040755};
    reject_one(&m, "member 'dir/': directory entry has data");
}

Test(zip, rejects_duplicates_and_files_used_as_directories)
{
    zm_t dup[] = {{.name = "a.txt", .data = "1", .len = 1}, {.name = "b", .data = "2", .len = 1},
                  {.name = "a.txt", .data = "3", .len = 1}};
    zb_t z;
    zb_build(&z, dup, 3, NULL);
    assert_rejected(&z, NULL, "member 'a.txt': duplicate name");
    buf_free(&z.b);
    zm_t slash[] = {{.name = "d/", .mode = 040755}, {.name = "d", .data = "2", .len = 1}};
    zb_build(&z, slash, 2, NULL);
    assert_rejected(&z, NULL, "duplicate name");
    buf_free(&z.b);
    zm_t below[] = {{.name = "a", .data = "file", .len = 4}, {.name = "a-b", .data = "", .len = 0},
                    {.name = "a/b", .data = "2", .len = 1}};
    zb_build(&z, below, 3, NULL);
    assert_rejected(&z, NULL, "member 'a/b': lies below 'a', which is a file");
    buf_free(&z.b);
    /* A directory entry with members below it is of course fine. */
    zm_t fine[] = {{.name = "a/", .mode = 040755}, {.name = "a-b", .data = "", .len = 0},
                   {.name = "a/b", .data = "2", .len = 1}};
    zb_build(&z, fine, 3, NULL);
    zip_close(zb_must_open(&z, NULL));
    buf_free(&z.b);
}

static void two_members(zb_t *z, const zbopt_t *o)
{
    static zm_t m[] = {
        {.name = "first.txt", .data = LOREM, .len = sizeof LOREM - 1, .method = 8},
        {.name = "second.txt", .data = LOREM, .len = 50, .method = 0},
    };
    zb_build(z, m, 2, o);
}

Test(zip, rejects_local_headers_that_disagree)
{
    zb_t z;
    /* Local header claims a different uncompressed size. */
    two_members(&z, NULL);
    patch32(&z.b, z.lh[1] + 22, 51);
    assert_rejected(&z, NULL, "member 'second.txt': local header claims a size of 51 bytes, "
                    "the central directory 50");
    buf_free(&z.b);
    /* ... a different compressed size. */
    two_members(&z, NULL);
    patch32(&z.b, z.lh[0] + 18, 7);
    assert_rejected(&z, NULL, "member 'first.txt': local header claims a compressed size of 7");
    buf_free(&z.b);
    /* ... a different CRC-32. */
    two_members(&z, NULL);
    patch32(&z.b, z.lh[1] + 14, 0xdeadbeef);
    assert_rejected(&z, NULL, "local header CRC-32 deadbeef differs");
    buf_free(&z.b);
    /* ... a different name. */
    two_members(&z, NULL);
    z.b.data[z.lh[1] + 30] = 'S';
    assert_rejected(&z, NULL, "member 'second.txt': local header name differs from the central "
                    "directory's: 'Second.txt'");
    buf_free(&z.b);
    /* ... a different method. */
    two_members(&z, NULL);
    patch16(&z.b, z.lh[1] + 8, 8);
    assert_rejected(&z, NULL, "local header method 8 differs from the central directory's 0");
    buf_free(&z.b);
    /* ... the descriptor flag only in the local header. */
    two_members(&z, NULL);
    patch16(&z.b, z.lh[1] + 6, 8);
    assert_rejected(&z, NULL, "local header flags 0x0008 differ");
    buf_free(&z.b);
    /* A local header offset past the member area, and one pointing at no header. */
    two_members(&z, NULL);
    patch32(&z.b, z.cen[1] + 42, (uint32_t)z.cd_off + 10);
    assert_rejected(&z, NULL, "member 'second.txt': local header offset",
                    "outside the member area");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch32(&z.b, z.cen[1] + 42, (uint32_t)z.lh[1] + 1);
    assert_rejected(&z, NULL, "member 'second.txt': no local header at offset");
    buf_free(&z.b);
    /* A data descriptor that disagrees with the central directory. */
    zm_t dd = {.name = "dd.txt", .data = LOREM, .len = 60, .method = 8, .descriptor = true};
    zb_build(&z, &dd, 1, NULL);
    zip_close(zb_must_open(&z, NULL));
    z.b.data[z.cd_off - 9] ^= 1;    /* inside the descriptor's compressed size */
    assert_rejected(&z, NULL, "member 'dd.txt': data descriptor is missing or differs");
    buf_free(&z.b);
    /* A stored member whose sizes differ. */
    zm_t st = {.name = "s", .data = "abcdef", .len = 6, .set_usize = true, .usize = 5};
    zb_build(&z, &st, 1, NULL);
    assert_rejected(&z, NULL, "member 's': stored member has a compressed size of 6 bytes but a "
                    "size of 5");
    buf_free(&z.b);
}

Test(zip, rejects_overlapping_members)
{
    /* The "overlapping files" bomb: member a's data holds member b's local header and data,
     * and the central directory lists both. */
    zb_t inner;
    zm_t b = {.name = "b", .data = LOREM, .len = 40};
    zb_build(&inner, &b, 1, NULL);
    zm_t m[] = {
        {.name = "a", .data = inner.b.data, .len = inner.cd_off},
        {.name = "b", .data = LOREM, .len = 40, .cd_only_at = 30 + 1},
    };
    zb_t z;
    zb_build(&z, m, 2, NULL);
    assert_rejected(&z, NULL, "member 'b': overlaps member 'a' (possible zip bomb)");
    buf_free(&z.b);
    /* Two entries sharing one local header (names equal, so also duplicates: either reason). */
    zm_t same[] = {{.name = "x", .data = "1", .len = 1},
                   {.name = "x", .data = "1", .len = 1, .cd_only_at = 0}};
    same[1].cd_only_at = 0;
    zb_build(&z, same, 2, NULL);
    patch32(&z.b, z.cen[1] + 42, 0);
    char *msg = zb_open_err(&z, NULL);
    cr_assert(msg && (strstr(msg, "overlaps") || strstr(msg, "duplicate")), "%s", msg);
    free(msg);
    buf_free(&z.b);
    buf_free(&inner.b);
}

Test(zip, rejects_counts_that_disagree)
{
    zb_t z;
    two_members(&z, NULL);
    patch16(&z.b, z.eocd + 8, 3);
    patch16(&z.b, z.eocd + 10, 3);
    assert_rejected(&z, NULL, "the end record counts 3 entries but the central directory has only");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch32(&z.b, z.cen[1], 0x02014b51);
    assert_rejected(&z, NULL, "central directory entry 1 has a bad signature");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch16(&z.b, z.cen[1] + 32, 200);     /* a comment longer than what is left */
    assert_rejected(&z, NULL, "central directory entry 1 runs past the central directory");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch16(&z.b, z.eocd + 8, 1);
    patch16(&z.b, z.eocd + 10, 1);
    assert_rejected(&z, NULL, "the central directory holds", "bytes beyond its 1 entries");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch16(&z.b, z.eocd + 8, 1);
    assert_rejected(&z, NULL, "the end record counts 1 entries on this disk but 2 in total");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch16(&z.b, z.eocd + 10, 60000);
    patch16(&z.b, z.eocd + 8, 60000);
    assert_rejected(&z, NULL, "counts 60000 entries but the central directory has only");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch16(&z.b, z.eocd + 4, 1);
    assert_rejected(&z, NULL, "multi-disk archives are not supported");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch32(&z.b, z.eocd + 12, (uint32_t)z.cd_size - 1);
    assert_rejected(&z, NULL, "1 bytes between the central directory and its end record");
    buf_free(&z.b);
    two_members(&z, NULL);
    patch32(&z.b, z.eocd + 16, (uint32_t)z.cd_off + 1);
    assert_rejected(&z, NULL, "runs past its end record");
    buf_free(&z.b);
    zip_options_t o = ZIP_OPTIONS_DEFAULT;
    o.max_entries = 1;
    two_members(&z, NULL);
    assert_rejected(&z, &o, "2 entries, more than the limit of 1");
    buf_free(&z.b);
}

Test(zip, rejects_prepended_trailing_and_hidden_data)
{
    zb_t z;
    /* Prepended bytes, offsets left as they were (what `cat stub a.zip` gives). */
    two_members(&z, NULL);
    buf_t cat = BUF_INIT;
    buf_adds(&cat, "#!/bin/sh\nexec python3 \"$0\"\n");
    buf_add(&cat, z.b.data, z.b.len);
    zip_t *zz = NULL;
    err_t *e = zip_open_mem(cat.data, cat.len, "crafted.zip", NULL, &zz);
    cr_assert(e && strstr(e->msg, "between the central directory and its end record (or data "
                          "prepended"), "%s", e ? e->msg : "(accepted)");
    err_free(e);
    buf_free(&cat);
    buf_free(&z.b);
    /* Prepended bytes with every offset adjusted. */
    zbopt_t o = {.prefix = "MZ-stub-MZ-stub", .prefix_len = 15};
    two_members(&z, &o);
    assert_rejected(&z, NULL, "crafted.zip: 15 bytes of data before the first member");
    buf_free(&z.b);
    /* A local header hidden between two members, listed nowhere. */
    zb_t hidden;
    zm_t h = {.name = "evil.py", .data = "import os\n", .len = 10};
    zb_build(&hidden, &h, 1, NULL);
    o = (zbopt_t){.gap = hidden.b.data, .gap_len = hidden.cd_off};
    two_members(&z, &o);
    assert_rejected(&z, NULL, "member 'second.txt': preceded by", "bytes that belong to no member");
    buf_free(&z.b);
    buf_free(&hidden.b);
    /* Bytes between the last member and the central directory. */
    two_members(&z, NULL);
    buf_t b2 = BUF_INIT;
    buf_add(&b2, z.b.data, z.cd_off);
    buf_adds(&b2, "junk");
    size_t shift = 4;
    buf_add(&b2, z.b.data + z.cd_off, z.b.len - z.cd_off);
    patch32(&b2, z.eocd + shift + 16, (uint32_t)(z.cd_off + shift));
    e = zip_open_mem(b2.data, b2.len, "crafted.zip", NULL, &zz);
    cr_assert(e && strstr(e->msg, "4 bytes between the last member and the central directory"),
              "%s", e ? e->msg : "(accepted)");
    err_free(e);
    buf_free(&b2);
    buf_free(&z.b);
    /* Trailing data after the end record. */
    two_members(&z, NULL);
    buf_adds(&z.b, "trailing garbage");
    assert_rejected(&z, NULL, "16 bytes of trailing data after the end of central directory");
    buf_free(&z.b);
    /* A comment is fine, unless it holds another end record. */
    o = (zbopt_t){.comment = "built by hand", .comment_len = 13};
    two_members(&z, &o);
    zip_close(zb_must_open(&z, NULL));
    buf_free(&z.b);
    char fake[22] = "PK\5\6";
    o = (zbopt_t){.comment = fake, .comment_len = sizeof fake};
    two_members(&z, &o);
    assert_rejected(&z, NULL, "end of central directory");
    buf_free(&z.b);
}

Test(zip, rejects_bad_zip64_structures)
{
    zb_t z;
    zbopt_t o = {.zip64_end = true};
    two_members(&z, &o);
    zip_close(zb_must_open(&z, NULL));
    size_t rec = z.cd_off + z.cd_size, loc = rec + 56;
    /* A 32-bit field that is not saturated must equal the 64-bit one. */
    patch16(&z.b, z.eocd + 10, 7);
    patch16(&z.b, z.eocd + 8, 7);
    assert_rejected(&z, NULL, "the end of central directory record and its ZIP64 record disagree");
    buf_free(&z.b);
    /* The locator must point at the record. */
    two_members(&z, &o);
    patch32(&z.b, loc + 8, (uint32_t)rec + 4);
    assert_rejected(&z, NULL, "ZIP64 end of central directory");
    buf_free(&z.b);
    two_members(&z, &o);
    patch32(&z.b, loc + 8, (uint32_t)loc + 100);
    assert_rejected(&z, NULL, "locator points outside the archive");
    buf_free(&z.b);
    /* The record's own size must reach the locator. */
    two_members(&z, &o);
    patch32(&z.b, rec + 4, 40);
    assert_rejected(&z, NULL, "record's size (40) does not reach its locator");
    buf_free(&z.b);
    /* Saturated sizes in the central directory without a ZIP64 extra field. */
    zm_t m = {.name = "big", .data = "abc", .len = 3};
    zb_build(&z, &m, 1, NULL);
    patch32(&z.b, z.cen[0] + 24, 0xffffffffu);
    assert_rejected(&z, NULL, "member 'big': corrupt or missing ZIP64 extra field");
    buf_free(&z.b);
    /* An extra field record that runs past the extra field. */
    zm_t x = {.name = "x", .data = "abc", .len = 3, .cen_extra = "\x01\x00\x20\x00",
              .cen_extra_len = 4};
    zb_build(&z, &x, 1, NULL);
    assert_rejected(&z, NULL, "member 'x': corrupt extra field");
    buf_free(&z.b);
}

Test(zip, unicode_path_extra_field_must_agree)
{
    /* Python >= 3.12 uses the 0x7075 name when its CRC matches the raw name: a different name
     * there would make Python and venvsync see different files. */
    const char *raw = "plain.txt";
    uint32_t c = (uint32_t)crc32(0, (const unsigned char *)raw, 9);
    char ex[4 + 5 + 9];
    memcpy(ex, "\x75\x70\x0e\x00\x01", 5);
    ex[5] = (char)(c & 0xff), ex[6] = (char)(c >> 8 & 0xff), ex[7] = (char)(c >> 16 & 0xff);
    ex[8] = (char)(c >> 24);
    memcpy(ex + 9, "other.txt", 9);
    zm_t m = {.name = raw, .data = "x", .len = 1, .cen_extra = ex, .cen_extra_len = sizeof ex};
    zb_t z;
    zb_build(&z, &m, 1, NULL);
    assert_rejected(&z, NULL,
                    "member 'plain.txt': its Unicode Path extra field names a different file");
    buf_free(&z.b);
    memcpy(ex + 9, "plain.txt", 9);
    zb_build(&z, &m, 1, NULL);
    zip_close(zb_must_open(&z, NULL));
    buf_free(&z.b);
    /* With a CRC for some other name, Python ignores the field, and so do we. */
    memcpy(ex + 9, "other.txt", 9);
    ex[5] ^= 1;
    zb_build(&z, &m, 1, NULL);
    zip_close(zb_must_open(&z, NULL));
    buf_free(&z.b);
}

Test(zip, caps_on_ratio_and_total_size)
{
    char *zeros = xcalloc(1, 100000);
    zm_t m[] = {{.name = "zeros", .data = zeros, .len = 100000, .method = 8},
                {.name = "more", .data = zeros, .len = 5000, .method = 8}};
    zb_t z;
    zb_build(&z, m, 2, NULL);
    zip_close(zb_must_open(&z, NULL));     /* below the 1 MiB ratio threshold by default */
    zip_options_t o = ZIP_OPTIONS_DEFAULT;
    o.ratio_min_size = 50000;
    o.max_ratio = 100;
    assert_rejected(&z, &o, "member 'zeros': expands",
                    "to 100000, beyond the 100:1 limit (zip bomb?)");
    o = ZIP_OPTIONS_DEFAULT;
    o.max_total_size = 104999;
    assert_rejected(&z, &o, "the members' declared size exceeds the limit of 104999 bytes");
    o.max_total_size = 105000;
    zip_close(zb_must_open(&z, &o));
    buf_free(&z.b);
    free(zeros);
}

/* ---- hand-crafted archives: what fails at extraction ------------------------------------- */

Test(zip, extraction_refuses_lies_about_content)
{
    buf_t comp = BUF_INIT;
    deflate_raw(LOREM, 100, &comp);
    uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)LOREM, 100);
    zb_t z;
    /* Declared smaller than what the stream inflates to: a bomb that lies. */
    zm_t m = {.name = "m", .method = 8, .comp = comp.data, .comp_len = comp.len, .set_usize = true,
              .usize = 50, .set_crc = true, .crc = crc};
    zb_build(&z, &m, 1, NULL);
    assert_extract_fails(&z, 0, "member 'm': inflates beyond its declared size of 50 bytes");
    buf_free(&z.b);
    /* Declared larger. */
    m.usize = 150;
    zb_build(&z, &m, 1, NULL);
    assert_extract_fails(&z, 0,
                         "member 'm': inflates to 100 bytes, the central directory says 150");
    buf_free(&z.b);
    /* Truncated stream. */
    m.usize = 100;
    m.comp_len = comp.len - 3;
    zb_build(&z, &m, 1, NULL);
    assert_extract_fails(&z, 0, "member 'm': truncated compressed data");
    buf_free(&z.b);
    /* Bytes after the end of the stream. */
    buf_t longer = BUF_INIT;
    buf_add(&longer, comp.data, comp.len);
    buf_adds(&longer, "XYZ");
    m.comp = longer.data;
    m.comp_len = longer.len;
    zb_build(&z, &m, 1, NULL);
    assert_extract_fails(&z, 0, "member 'm': 3 bytes after the end of the compressed stream");
    buf_free(&z.b);
    /* Not deflate at all. */
    m.comp = "\xff\xff\xff\xff garbage";
    m.comp_len = 12;
    zb_build(&z, &m, 1, NULL);
    assert_extract_fails(&z, 0, "member 'm': corrupt compressed data");
    buf_free(&z.b);
    /* Wrong CRC in both headers. */
    m.comp = comp.data;
    m.comp_len = comp.len;
    m.crc = crc ^ 4;
    zb_build(&z, &m, 1, NULL);
    assert_extract_fails(&z, 0, "member 'm': CRC-32 mismatch");
    buf_free(&z.b);
    /* And the honest version works, with the right hash. */
    m.crc = crc;
    zb_build(&z, &m, 1, NULL);
    zip_t *zz = zb_must_open(&z, NULL);
    buf_t out = BUF_INIT;
    zip_result_t r;
    must_extract(zz, zip_entry_at(zz, 0), &out, &r);
    char hex[65], want[65];
    digest_hex(r.sha256, hex);
    sha256_hex(LOREM, 100, want);
    cr_assert_str_eq(hex, want);
    buf_free(&out);
    zip_close(zz);
    buf_free(&z.b);
    buf_free(&longer);
    buf_free(&comp);
}

static err_t *failing_sink(void *ctx, const void *data, size_t len)
{
    (*(int *)ctx)++;
    return err_new(EXIT_APPLY, "writing x/y.py: No space left on device");
}

Test(zip, sink_errors_and_buffer_limits)
{
    zm_t m = {.name = "pkg/y.py", .data = LOREM, .len = 100, .method = 8};
    zb_t z;
    zb_build(&z, &m, 1, NULL);
    zip_t *zz = zb_must_open(&z, NULL);
    int calls = 0;
    err_t *e = zip_extract(zz, zip_entry_at(zz, 0), failing_sink, &calls, NULL);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg,
                     "crafted.zip: member 'pkg/y.py': writing x/y.py: No space left on device");
    cr_assert_eq(calls, 1);
    err_free(e);
    buf_t out = BUF_INIT;
    buf_adds(&out, "keep");
    e = zip_extract_buf(zz, zip_entry_at(zz, 0), 99, &out, NULL);
    cr_assert(e && strstr(e->msg, "member 'pkg/y.py': 100 bytes, more than the 99"), "%s",
              e ? e->msg : "(accepted)");
    err_free(e);
    cr_assert_str_eq(buf_cstr(&out), "keep");
    cr_assert_null(zip_extract_buf(zz, zip_entry_at(zz, 0), 100, &out, NULL));
    cr_assert_eq(out.len, 104);
    cr_assert(memcmp(out.data + 4, LOREM, 100) == 0, "appends");
    /* An fd that cannot be written. */
    e = zip_extract_fd(zz, zip_entry_at(zz, 0), -1, NULL);
    cr_assert(e && strstr(e->msg, "crafted.zip: member 'pkg/y.py': writing: Bad file descriptor"),
              "%s", e ? e->msg : "(accepted)");
    err_free(e);
    buf_free(&out);
    zip_close(zz);
    buf_free(&z.b);
}

Test(zip, open_errors_name_the_path)
{
    zip_t *z = NULL;
    char *missing = tmp_path("missing.whl");
    err_t *e = zip_open(missing, NULL, &z);
    cr_assert(e && strstr(e->msg, missing) && strstr(e->msg, "No such file"), "%s",
              e ? e->msg : "");
    err_free(e);
    e = zip_open(tmp, NULL, &z);
    cr_assert(e && strstr(e->msg, "not a regular file"), "%s", e ? e->msg : "");
    err_free(e);
    char *empty = tmp_path("empty.whl");
    cr_assert_null(fs_write_atomic(empty, "", 0, 0644));
    e = zip_open(empty, NULL, &z);
    cr_assert(e && strstr(e->msg, empty) && strstr(e->msg, "not a zip archive"), "%s",
              e ? e->msg : "");
    err_free(e);
    char *text = tmp_path("text.whl");
    cr_assert_null(fs_write_atomic(text, LOREM, sizeof LOREM - 1, 0644));
    e = zip_open(text, NULL, &z);
    cr_assert(e && strstr(e->msg, "no end of central directory record"), "%s", e ? e->msg : "");
    err_free(e);
    cr_assert_null(z);
    free(missing);
    free(empty);
    free(text);
    zip_close(NULL);
}
