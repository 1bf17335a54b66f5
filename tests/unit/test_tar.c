/* The hardened tar reader (src/util/tar.c): archives built here byte by byte (ustar, GNU long
 * names, pax headers, base-256 sizes), plain and gzip-compressed, and the malicious ones a
 * python-build-standalone mirror could serve: traversal, absolute paths, symlink escapes (direct
 * and by composition), writes through links, replacements, devices, bad checksums, truncation. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "support.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/tar.h"
#include "util/xalloc.h"

static char *tmp;     /* scratch; archives extract into tmp/dest */
static char *dest;

static void setup(void)
{
    tmp = support_tmpdir("venvsync-tar");
    dest = path_join(tmp, "dest");
    cr_assert_eq(mkdir(dest, 0755), 0);
}

static void teardown(void)
{
    free(dest);
    support_tmpdir_free(tmp);
}

TestSuite(tar, .init = setup, .fini = teardown);

/* ---- building archives --------------------------------------------------------------------- */

#define MTIME 1700000000u

static void header_sum(unsigned char *h)
{
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* A ustar header; name longer than 100 bytes is split into prefix/name when possible. */
static void hdr(buf_t *b, const char *name, char type, uint64_t size, unsigned mode,
                const char *link)
{
    unsigned char h[512] = {0};
    size_t n = strlen(name);
    if (n > 100) {
        const char *slash = strchr(name + n - 100, '/');
        cr_assert_not_null(slash);
        memcpy(h + 345, name, (size_t)(slash - name));
        memcpy(h, slash + 1, strlen(slash + 1));
    } else {
        memcpy(h, name, n);
    }
    snprintf((char *)h + 100, 8, "%07o", mode);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    snprintf((char *)h + 136, 12, "%011o", MTIME);
    h[156] = (unsigned char)type;
    if (link)
        memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
    memcpy(h + 257, "ustar\0" "00", 8);
    header_sum(h);
    buf_add(b, h, 512);
}

static void pad(buf_t *b, size_t n)
{
    static const char zero[512];
    if (n % 512)
        buf_add(b, zero, 512 - n % 512);
}

static void data(buf_t *b, const char *d, size_t n)
{
    buf_add(b, d, n);
    pad(b, n);
}

static void file(buf_t *b, const char *name, const char *content, unsigned mode)
{
    hdr(b, name, '0', strlen(content), mode, NULL);
    data(b, content, strlen(content));
}

static void dir(buf_t *b, const char *name)
{
    hdr(b, name, '5', 0, 0755, NULL);
}

static void slink(buf_t *b, const char *name, const char *target)
{
    hdr(b, name, '2', 0, 0777, target);
}

static void hlink(buf_t *b, const char *name, const char *target)
{
    hdr(b, name, '1', 0, 0644, target);
}

/* A pax 'x' header with the given records ("path=...", "size=...") */
static void pax(buf_t *b, const char *const *records)
{
    buf_t d = BUF_INIT;
    for (size_t i = 0; records[i]; i++) {
        size_t kv = strlen(records[i]) + 2;       /* ' ' and '\n' */
        size_t len = kv + 1;
        while (len != kv + (size_t)snprintf(NULL, 0, "%zu", len))
            len = kv + (size_t)snprintf(NULL, 0, "%zu", len);
        buf_printf(&d, "%zu %s\n", len, records[i]);
    }
    hdr(b, "././@PaxHeader", 'x', d.len, 0644, NULL);
    data(b, d.data, d.len);
    buf_free(&d);
}

static void gnu_long(buf_t *b, char type, const char *name)
{
    hdr(b, "././@LongLink", type, strlen(name) + 1, 0644, NULL);
    data(b, name, strlen(name) + 1);
}

static void end(buf_t *b)
{
    static const char zero[1024];
    buf_add(b, zero, 1024);
}

static void gzip_buf(const buf_t *in, buf_t *out)
{
    z_stream z = {0};
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    buf_grow(out, deflateBound(&z, in->len) + 64);
    z.next_in = (unsigned char *)in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = (unsigned char *)out->data + out->len;
    z.avail_out = (uInt)(out->cap - out->len - 1);
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len += z.total_out;
    out->data[out->len] = '\0';
    deflateEnd(&z);
}

/* Extracts b (gzip-compressed first when gz) into dest with strip "python". */
static err_t *extract(const buf_t *b, bool gz)
{
    tar_opts_t o = {.strip = "python"};
    if (!gz)
        return tar_extract_mem(b->data, b->len, "t.tar", dest, &o, NULL);
    buf_t z = BUF_INIT;
    gzip_buf(b, &z);
    err_t *e = tar_extract_mem(z.data, z.len, "t.tar.gz", dest, &o, NULL);
    buf_free(&z);
    return e;
}

static void refused(const buf_t *b, const char *needle)
{
    for (int gz = 0; gz < 2; gz++) {
        err_free(fs_rmtree(dest));
        cr_assert_eq(mkdir(dest, 0755), 0);
        err_t *e = extract(b, gz);
        cr_assert_not_null(e, "expected a refusal mentioning '%s'", needle);
        cr_assert_eq(e->exit_code, EXIT_APPLY);
        cr_assert(strstr(e->msg, needle), "'%s' not in: %s", needle, e->msg);
        err_free(e);
        /* nothing beside dest */
        char **names = NULL;
        err_free(fs_list_dir(tmp, &names));
        cr_assert_not_null(names);
        cr_assert_eq(strv_len(names), 1, "something was written outside the destination");
        strv_free(names);
    }
}

static char *slurp(const char *rel)
{
    char *p = path_join(dest, rel);
    buf_t b = BUF_INIT;
    err_t *e = fs_read(p, &b);
    cr_assert_null(e, "%s", e ? e->msg : "");
    free(p);
    return buf_detach(&b);
}

static bool exists_in(const char *rel)
{
    char *p = path_join(dest, rel);
    bool r = fs_exists(p);
    free(p);
    return r;
}

static mode_t mode_of(const char *rel)
{
    char *p = path_join(dest, rel);
    struct stat st;
    cr_assert_eq(lstat(p, &st), 0, "%s missing", rel);
    free(p);
    return st.st_mode;
}

/* ---- what is accepted ---------------------------------------------------------------------- */

Test(tar, pbs_layout_extracts_with_modes_links_and_mtime)
{
    buf_t b = BUF_INIT;
    dir(&b, "python/");
    dir(&b, "python/bin/");
    file(&b, "python/bin/python3.12", "#!ELF", 0755);
    slink(&b, "python/bin/python3", "python3.12");
    dir(&b, "python/lib/python3.12/");
    file(&b, "python/lib/python3.12/os.py", "import sys\n", 0644);
    file(&b, "python/lib/libpython3.12.so.1.0", "lib", 0755);
    slink(&b, "python/lib/libpython3.12.so", "libpython3.12.so.1.0");
    hlink(&b, "python/bin/python3.12-hard", "python/bin/python3.12");
    file(&b, "python/share/man/man1/python3.12.1", "man", 0600);  /* parents implied */
    slink(&b, "python/lib/python3.12/up", "../../bin");              /* inside: fine */
    end(&b);
    for (int gz = 0; gz < 2; gz++) {
        err_free(fs_rmtree(dest));
        cr_assert_eq(mkdir(dest, 0755), 0);
        tar_stats_t st;
        tar_opts_t o = {.strip = "python"};
        buf_t z = BUF_INIT;
        if (gz)
            gzip_buf(&b, &z);
        err_t *e = gz ? tar_extract_mem(z.data, z.len, "a.tar.gz", dest, &o, &st)
                      : tar_extract_mem(b.data, b.len, "a.tar", dest, &o, &st);
        buf_free(&z);
        cr_assert_null(e, "%s", e ? e->msg : "");
        cr_assert_eq(st.files, 4);
        cr_assert_eq(st.symlinks, 3);
        cr_assert_eq(st.hardlinks, 1);
        char *c = slurp("lib/python3.12/os.py");
        cr_assert_str_eq(c, "import sys\n");
        free(c);
        cr_assert(mode_of("bin/python3.12") & 0100);
        cr_assert_eq(mode_of("lib/python3.12/os.py") & 0111, 0);
        cr_assert(S_ISLNK(mode_of("bin/python3")));
        char target[64] = {0};
        char *lp = path_join(dest, "bin/python3");
        cr_assert_gt(readlink(lp, target, sizeof target - 1), 0);
        cr_assert_str_eq(target, "python3.12");
        free(lp);
        struct stat a, h;
        char *pa = path_join(dest, "bin/python3.12"), *ph = path_join(dest, "bin/python3.12-hard");
        cr_assert_eq(stat(pa, &a), 0);
        cr_assert_eq(stat(ph, &h), 0);
        cr_assert_eq(a.st_ino, h.st_ino, "a hard link shares the inode");
        cr_assert_eq(a.st_mtime, (time_t)MTIME);
        free(pa);
        free(ph);
        cr_assert(S_ISREG(mode_of("share/man/man1/python3.12.1")));
        cr_assert(!exists_in("python"));
    }
    buf_free(&b);
}

Test(tar, long_names_pax_and_base256)
{
    char longname[300];
    snprintf(longname, sizeof longname, "python/lib/%0200d/deep.py", 7);
    char longtarget[260];
    memset(longtarget, 'x', 150);
    longtarget[150] = '\0';
    buf_t b = BUF_INIT;
    gnu_long(&b, 'L', longname);
    hdr(&b, "././@LongLink-ignored", '0', 3, 0644, NULL);
    data(&b, "abc", 3);
    /* pax path + linkpath */
    const char *r1[] = {"path=python/pax/named.txt", "mtime=1600000000.5", NULL};
    pax(&b, r1);
    hdr(&b, "python/wrong-name", '0', 2, 0644, NULL);
    data(&b, "ok", 2);
    char lp[300];
    snprintf(lp, sizeof lp, "linkpath=%s", longtarget);
    const char *r2[] = {"path=python/pax/link", lp, NULL};
    pax(&b, r2);
    slink(&b, "python/x", "ignored");
    /* GNU long link name */
    gnu_long(&b, 'K', "named.txt");
    slink(&b, "python/pax/link2", "ignored");
    /* ustar prefix split */
    char split[160];
    snprintf(split, sizeof split, "python/%090d/%040d.txt", 1, 2);
    file(&b, split, "split", 0644);
    /* base-256 size */
    unsigned char h[512] = {0};
    memcpy(h, "python/b256", 11);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    h[124] = 0x80;
    h[135] = 4;
    snprintf((char *)h + 136, 12, "%011o", MTIME);
    h[156] = '0';
    memcpy(h + 257, "ustar  \0", 8);
    header_sum(h);
    buf_add(&b, h, 512);
    data(&b, "1234", 4);
    /* a global pax header is read and ignored */
    buf_t g = BUF_INIT;
    buf_adds(&g, "20 comment=whatever\n");
    hdr(&b, "pax_global_header", 'g', g.len, 0644, NULL);
    data(&b, g.data, g.len);
    buf_free(&g);
    end(&b);
    err_t *e = extract(&b, true);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *rel = xstrdup(longname + 7);
    char *c = slurp(rel);
    cr_assert_str_eq(c, "abc");
    free(c);
    free(rel);
    c = slurp("pax/named.txt");
    cr_assert_str_eq(c, "ok");
    free(c);
    char *p = path_join(dest, "pax/named.txt");
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mtime, 1600000000);
    free(p);
    char t[256] = {0};
    p = path_join(dest, "pax/link");
    cr_assert_gt(readlink(p, t, sizeof t - 1), 0);
    cr_assert_str_eq(t, longtarget);
    free(p);
    memset(t, 0, sizeof t);
    p = path_join(dest, "pax/link2");
    cr_assert_gt(readlink(p, t, sizeof t - 1), 0);
    cr_assert_str_eq(t, "named.txt");
    free(p);
    c = slurp(split + 7);
    cr_assert_str_eq(c, "split");
    free(c);
    c = slurp("b256");
    cr_assert_str_eq(c, "1234");
    free(c);
    cr_assert(!exists_in("wrong-name"));
    buf_free(&b);
}

Test(tar, repeated_directory_and_dot_slash_are_fine)
{
    buf_t b = BUF_INIT;
    dir(&b, "./python/");
    dir(&b, "./python/a/");
    file(&b, "./python//a/./f", "f", 0644);
    dir(&b, "python/a");
    end(&b);
    err_t *e = extract(&b, true);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *c = slurp("a/f");
    cr_assert_str_eq(c, "f");
    free(c);
    buf_free(&b);
}

Test(tar, concatenated_gzip_members)
{
    buf_t t1 = BUF_INIT, t2 = BUF_INIT, z = BUF_INIT;
    file(&t1, "python/one", "1", 0644);
    file(&t2, "python/two", "2", 0644);
    end(&t2);
    gzip_buf(&t1, &z);
    gzip_buf(&t2, &z);
    tar_opts_t o = {.strip = "python"};
    err_t *e = tar_extract_mem(z.data, z.len, "c.tar.gz", dest, &o, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *c = slurp("two");
    cr_assert_str_eq(c, "2");
    free(c);
    buf_free(&t1);
    buf_free(&t2);
    buf_free(&z);
}

Test(tar, from_a_file_without_strip)
{
    buf_t b = BUF_INIT, z = BUF_INIT;
    file(&b, "top/file", "content", 0755);
    end(&b);
    gzip_buf(&b, &z);
    char *p = path_join(tmp, "a.tar.gz");
    cr_assert_null(fs_write_atomic(p, z.data, z.len, 0644));
    err_t *e = tar_extract_file(p, dest, NULL, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *c = slurp("top/file");
    cr_assert_str_eq(c, "content");
    free(c);
    e = tar_extract_file("/nonexistent/x.tar.gz", dest, NULL, NULL);
    cr_assert_not_null(e);
    err_free(e);
    free(p);
    buf_free(&b);
    buf_free(&z);
}

/* ---- what is refused ----------------------------------------------------------------------- */

Test(tar, traversal_and_absolute_paths)
{
    buf_t b = BUF_INIT;
    file(&b, "python/../evil", "x", 0644);
    end(&b);
    refused(&b, "'..'");
    buf_reset(&b);
    file(&b, "/tmp/evil", "x", 0644);
    end(&b);
    refused(&b, "absolute path");
    buf_reset(&b);
    file(&b, "python/a/../../evil", "x", 0644);
    end(&b);
    refused(&b, "'..'");
    buf_reset(&b);
    file(&b, "elsewhere/file", "x", 0644);
    end(&b);
    refused(&b, "not below the archive's top-level directory");
    buf_reset(&b);
    file(&b, "python", "x", 0644);
    end(&b);
    refused(&b, "not a directory");
    buf_reset(&b);
    const char *r[] = {"path=python/../../pax-evil", NULL};
    pax(&b, r);
    file(&b, "python/innocent", "x", 0644);
    end(&b);
    refused(&b, "'..'");
    buf_reset(&b);
    gnu_long(&b, 'L', "/etc/evil");
    file(&b, "python/innocent", "x", 0644);
    end(&b);
    refused(&b, "absolute path");
    buf_free(&b);
}

Test(tar, symlink_escapes)
{
    buf_t b = BUF_INIT;
    slink(&b, "python/bin/python3", "/usr/bin/python3");
    end(&b);
    refused(&b, "absolute path");
    buf_reset(&b);
    slink(&b, "python/lib/x", "../../..");
    end(&b);
    refused(&b, "outside the destination");
    buf_reset(&b);
    /* each link stays inside on its own; together they leave (the kernel resolves l first) */
    dir(&b, "python/d1/");
    dir(&b, "python/d1/d2/");
    slink(&b, "python/d1/d2/l", "../../t");
    slink(&b, "python/m", "d1/d2/l/../..");
    end(&b);
    refused(&b, "outside the destination");
    buf_reset(&b);
    /* the same, with the link that makes it escape coming last */
    slink(&b, "python/m", "d1/d2/l/../..");
    dir(&b, "python/d1/");
    dir(&b, "python/d1/d2/");
    slink(&b, "python/d1/d2/l", "../../t");
    end(&b);
    refused(&b, "outside the destination");
    buf_reset(&b);
    /* loops */
    slink(&b, "python/a", "b");
    slink(&b, "python/b", "a");
    end(&b);
    refused(&b, "too many levels");
    buf_free(&b);
}

Test(tar, writes_through_links_and_replacements)
{
    buf_t b = BUF_INIT;
    slink(&b, "python/lib", "share");
    file(&b, "python/lib/file", "x", 0644);
    end(&b);
    refused(&b, "through a symbolic link");
    buf_reset(&b);
    dir(&b, "python/share/");
    slink(&b, "python/lib", "share");
    dir(&b, "python/lib/");
    end(&b);
    refused(&b, "duplicate member");
    buf_reset(&b);
    dir(&b, "python/lib/");
    file(&b, "python/lib", "x", 0644);
    end(&b);
    refused(&b, "would replace a directory");
    buf_reset(&b);
    file(&b, "python/f", "1", 0644);
    file(&b, "python/f", "2", 0644);
    end(&b);
    refused(&b, "duplicate member");
    buf_reset(&b);
    file(&b, "python/f", "1", 0644);
    file(&b, "python/f/g", "2", 0644);
    end(&b);
    refused(&b, "parent directory is a file");
    buf_reset(&b);
    file(&b, "python/f", "1", 0644);
    slink(&b, "python/f", "other");
    end(&b);
    refused(&b, "duplicate member");
    buf_free(&b);
}

Test(tar, hard_links)
{
    buf_t b = BUF_INIT;
    hlink(&b, "python/h", "python/missing");
    end(&b);
    refused(&b, "hard link");
    buf_reset(&b);
    hlink(&b, "python/h", "../../etc/passwd");
    end(&b);
    refused(&b, "'..'");
    buf_reset(&b);
    hlink(&b, "python/h", "/etc/passwd");
    end(&b);
    refused(&b, "absolute path");
    buf_reset(&b);
    dir(&b, "python/d/");
    hlink(&b, "python/h", "python/d");
    end(&b);
    refused(&b, "hard link");
    buf_reset(&b);
    file(&b, "python/f", "1", 0644);
    slink(&b, "python/l", "f");
    hlink(&b, "python/h", "python/l");
    end(&b);
    refused(&b, "hard link");
    buf_free(&b);
}

Test(tar, special_files_and_unknown_types)
{
    buf_t b = BUF_INIT;
    hdr(&b, "python/dev", '3', 0, 0644, NULL);
    end(&b);
    refused(&b, "device files");
    buf_reset(&b);
    hdr(&b, "python/blk", '4', 0, 0644, NULL);
    end(&b);
    refused(&b, "device files");
    buf_reset(&b);
    hdr(&b, "python/fifo", '6', 0, 0644, NULL);
    end(&b);
    refused(&b, "FIFOs");
    buf_reset(&b);
    hdr(&b, "python/sparse", 'S', 0, 0644, NULL);
    end(&b);
    refused(&b, "unsupported member type 'S'");
    buf_reset(&b);
    const char *r[] = {"GNU.sparse.major=1", NULL};
    pax(&b, r);
    file(&b, "python/s", "x", 0644);
    end(&b);
    refused(&b, "sparse");
    buf_free(&b);
}

Test(tar, corrupt_and_truncated)
{
    buf_t b = BUF_INIT;
    file(&b, "python/a", "aaaa", 0644);
    file(&b, "python/b", "bbbb", 0644);
    end(&b);
    /* checksum */
    buf_t c = BUF_INIT;
    buf_add(&c, b.data, b.len);
    c.data[1024 + 10] ^= 1;       /* inside b's header name */
    refused(&c, "bad header checksum");
    buf_reset(&c);
    buf_add(&c, b.data, b.len);
    c.data[0] ^= 1;
    refused(&c, "not a tar archive");
    /* truncation: in the data, at a header, with no end block */
    for (size_t cut = 0; cut < 4; cut++) {
        size_t len = cut == 0 ? 512 + 2 : cut == 1 ? 1024 + 100 : cut == 2 ? 1536 : 2048;
        buf_reset(&c);
        buf_add(&c, b.data, len);
        refused(&c, "truncated");
    }
    /* a truncated or corrupt gzip stream */
    buf_t z = BUF_INIT;
    gzip_buf(&b, &z);
    tar_opts_t o = {.strip = "python"};
    err_t *e = tar_extract_mem(z.data, z.len / 2, "t.tar.gz", dest, &o, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "truncated"), "%s", e->msg);
    err_free(e);
    err_free(fs_rmtree(dest));
    cr_assert_eq(mkdir(dest, 0755), 0);
    z.data[z.len / 2] ^= 0x55;
    z.data[z.len / 2 + 1] ^= 0x55;
    e = tar_extract_mem(z.data, z.len, "t.tar.gz", dest, &o, NULL);
    cr_assert_not_null(e);
    err_free(e);
    /* empty input; zstd */
    e = tar_extract_mem("", 0, "e.tar", dest, &o, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "empty"), "%s", e->msg);
    err_free(e);
    e = tar_extract_mem("\x28\xb5\x2f\xfd....", 8, "z.tar.zst", dest, &o, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "zstd"), "%s", e->msg);
    err_free(e);
    /* a bad number field */
    buf_reset(&c);
    buf_add(&c, b.data, b.len);
    memcpy(c.data + 124, "0000000009x", 11);
    header_sum((unsigned char *)c.data);
    refused(&c, "malformed numeric field");
    buf_free(&z);
    buf_free(&c);
    buf_free(&b);
}

Test(tar, limits)
{
    buf_t b = BUF_INIT;
    file(&b, "python/a", "0123456789", 0644);
    file(&b, "python/b", "0123456789", 0644);
    end(&b);
    tar_opts_t o = {.strip = "python", .max_total = 15};
    err_t *e = tar_extract_mem(b.data, b.len, "l.tar", dest, &o, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "exceed"), "%s", e->msg);
    err_free(e);
    err_free(fs_rmtree(dest));
    cr_assert_eq(mkdir(dest, 0755), 0);
    tar_opts_t o2 = {.strip = "python", .max_members = 1};
    e = tar_extract_mem(b.data, b.len, "l.tar", dest, &o2, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "more than 1 members"), "%s", e->msg);
    err_free(e);
    /* an oversized pax header */
    buf_reset(&b);
    hdr(&b, "././@PaxHeader", 'x', 4u << 20, 0644, NULL);
    end(&b);
    err_free(fs_rmtree(dest));
    cr_assert_eq(mkdir(dest, 0755), 0);
    e = tar_extract_mem(b.data, b.len, "l.tar", dest, &o, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "too large"), "%s", e->msg);
    err_free(e);
    buf_free(&b);
}
