/* The unpacked-wheel cache, the installer and the uninstaller, on wheels built at test time by
 * tests/fixtures/make_wheels.py. The installer is compared byte for byte with what pip
 * (Debian's /usr/bin/python3 -m pip) installs from the same wheels at the same path.
 *
 * Suite wheel_driver checks the command-file driver tests/e2e/test_wheel_vs_pip_e2e.py runs
 * (install / uninstall lines, one result line each) on a fixture wheel, then, when
 * VENVSYNC_WHEEL_DRIVER names a command file, runs that file too (see driver_run below). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "pkg/installed.h"
#include "wheel/cache.h"
#include "wheel/install.h"
#include "pkg/record.h"
#include "wheel/scripts.h"
#include "wheel/uninstall.h"

static char *tmp;       /* per test */
static char *wheels;    /* tmp/wheels */
static char *cache;     /* tmp/cache */

static void run_ok(char *const argv[], buf_t *out)
{
    buf_t o = BUF_INIT, er = BUF_INIT;
    int st = -1;
    err_t *e = proc_capture(argv, NULL, &o, &er, &st);
    cr_assert_null(e, "running %s: %s", argv[0], e ? e->msg : "");
    cr_assert_eq(st, 0, "%s %s failed (%d):\n%s\n%s", argv[0], argv[1] ? argv[1] : "", st,
                 buf_cstr(&o), buf_cstr(&er));
    if (out)
        buf_add(out, o.data ? o.data : "", o.len);
    buf_free(&o);
    buf_free(&er);
}

static void setup(void)
{
    char *t = xstrdup("/tmp/venvsync-wheel-XXXXXX");
    cr_assert_not_null(mkdtemp(t));
    tmp = t;
    wheels = path_join(tmp, "wheels");
    cache = path_join(tmp, "cache");
    char *script = path_join(TEST_SRC_DIR, "tests/fixtures/make_wheels.py");
    char *argv[] = {"/usr/bin/python3", script, wheels, NULL};
    run_ok(argv, NULL);
    free(script);
}

static void teardown(void)
{
    err_free(fs_rmtree(tmp));
    free(tmp);
    free(wheels);
    free(cache);
}

TestSuite(wheel_cache, .init = setup, .fini = teardown);
TestSuite(wheel_install, .init = setup, .fini = teardown);
TestSuite(wheel_uninstall, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

static char *whl(const char *name) { return path_join(wheels, name); }

static wheel_unpacked_t *must_unpack(const char *name)
{
    char *p = whl(name);
    wheel_unpacked_t *w = NULL;
    err_t *e = wheel_cache_unpack(cache, p, NULL, &w);
    cr_assert_null(e, "unpacking %s: %s", name, e ? e->msg : "");
    cr_assert_not_null(w);
    free(p);
    return w;
}

/* Names in cache/wheels-v2 (entries, .tmp-*, .trash-*), as one space-separated string. */
static char *cache_listing(void)
{
    char *d = path_join(cache, WHEEL_CACHE_SUBDIR);
    char **names = NULL;
    buf_t b = BUF_INIT;
    err_t *e = fs_list_dir(d, &names);
    err_free(e);
    if (!e && names)
        for (char **n = names; *n; n++) {
            buf_adds(&b, *n);
            buf_addc(&b, ' ');
        }
    strv_free(names);
    free(d);
    return buf_detach(&b);
}

static char *slurp(const char *path)
{
    buf_t b = BUF_INIT;
    err_t *e = fs_read(path, &b);
    cr_assert_null(e, "reading %s: %s", path, e ? e->msg : "");
    return buf_detach(&b);
}

static const char *pyver(void)
{
    static char v[16];
    if (!v[0]) {
        buf_t out = BUF_INIT;
        char *argv[] = {"/usr/bin/python3", "-c",
                        "import sys; print('%d.%d' % sys.version_info[:2])", NULL};
        run_ok(argv, &out);
        snprintf(v, sizeof v, "%.*s", (int)strcspn(buf_cstr(&out), "\n"), buf_cstr(&out));
        buf_free(&out);
    }
    return v;
}

/* A bare environment layout (no interpreter needed for most tests). */
typedef struct env {
    char *root, *site, *bin, *python, *purelib_rel;
} env_t;

static env_t make_env(const char *root)
{
    env_t e;
    e.root = xstrdup(root);
    e.purelib_rel = xasprintf("lib/python%s/site-packages", pyver());
    e.site = path_join(root, e.purelib_rel);
    e.bin = path_join(root, "bin");
    e.python = path_join(e.bin, "python");
    err_free(fs_mkdirs(e.site, 0755));
    err_free(fs_mkdirs(e.bin, 0755));
    char *inc = path_join(root, "include");     /* venv creates it */
    err_free(fs_mkdirs(inc, 0755));
    free(inc);
    return e;
}

static void env_free(env_t *e)
{
    free(e->root);
    free(e->site);
    free(e->bin);
    free(e->python);
    free(e->purelib_rel);
}

static wheel_target_t target_for(const env_t *e)
{
    wheel_target_t t = {0};
    t.root = e->root;
    t.purelib = e->purelib_rel;
    t.platlib = e->purelib_rel;
    t.scripts = "bin";
    t.data = "";
    t.python = e->python;
    t.python_version = pyver();
    t.link = WHEEL_LINK_AUTO;
    return t;
}

static void must_install(const wheel_unpacked_t *w, const wheel_target_t *t,
                         wheel_installed_t *r)
{
    err_t *e = wheel_install(w, t, r);
    cr_assert_null(e, "installing %s: %s", w->filename, e ? e->msg : "");
}

/* Snapshot of a tree: "relpath type mode size sha256|target" lines, sorted. */
static buf_t snap_out;
static const char *snap_root;
static bool snap_skip_pycache;

static int snap_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
    (void)f;
    const char *rel = p + strlen(snap_root);
    if (!*rel)
        return 0;
    if (snap_skip_pycache && strstr(rel, "__pycache__"))
        return 0;
    char desc[4200];
    if (type == FTW_SL) {
        char target[4096];
        ssize_t n = readlink(p, target, sizeof target - 1);
        target[n < 0 ? 0 : n] = '\0';
        snprintf(desc, sizeof desc, "link -> %s", target);
    } else if (S_ISDIR(st->st_mode)) {
        snprintf(desc, sizeof desc, "dir %o", (unsigned)(st->st_mode & 07777));
    } else {
        char hex[65];
        err_t *e = sha256_file_hex(p, hex);
        if (e)
            err_free(e);
        snprintf(desc, sizeof desc, "file %o %lld %s", (unsigned)(st->st_mode & 07777),
                 (long long)st->st_size, hex);
    }
    buf_printf(&snap_out, "%s %s\n", rel, desc);
    return 0;
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *snapshot(const char *root, bool skip_pycache)
{
    buf_reset(&snap_out);
    snap_root = root;
    snap_skip_pycache = skip_pycache;
    nftw(root, snap_cb, 32, FTW_PHYS);
    /* sort lines */
    char *text = buf_detach(&snap_out);
    char **lines = NULL;
    size_t n = 0, cap = 0;
    for (char *s = strtok(text, "\n"); s; s = strtok(NULL, "\n")) {
        XGROW(lines, cap, n + 1);
        lines[n++] = s;
    }
    qsort(lines, n, sizeof *lines, line_cmp);
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        buf_adds(&b, lines[i]);
        buf_addc(&b, '\n');
    }
    free(lines);
    free(text);
    return buf_detach(&b);
}

static bool have_pip(void)
{
    char *argv[] = {"/usr/bin/python3", "-m", "pip", "--version", NULL};
    buf_t o = BUF_INIT, er = BUF_INIT;
    int st = -1;
    err_t *e = proc_capture(argv, NULL, &o, &er, &st);
    err_free(e);
    buf_free(&o);
    buf_free(&er);
    return !e && st == 0;
}

static void make_venv(const char *dir)
{
    char *argv[] = {"/usr/bin/python3", "-m", "venv", "--without-pip", (char *)dir, NULL};
    run_ok(argv, NULL);
}

/* Drops RECORD rows where pip knowingly differs from venvsync: __pycache__ members (installed
 * by pip, skipped here) and the row pip leaves for a skipped setuptools wrapper (".data/"). */
static char *filter_pip_record(const char *text)
{
    buf_t b = BUF_INIT;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        bool drop = false;
        char *line = xstrndup(p, n);
        if (strstr(line, "__pycache__"))
            drop = true;
        char *comma = strchr(line, ',');
        if (comma && strncmp(line, "..", 2) != 0) {
            char *slash = memchr(line, '/', (size_t)(comma - line));
            if (slash && slash - line >= 5 && memcmp(slash - 5, ".data", 5) == 0)
                drop = true;
        }
        if (!drop)
            buf_add(&b, p, n);
        free(line);
        p += n;
    }
    return buf_detach(&b);
}

/* ---- cache -------------------------------------------------------------------------------- */

Test(wheel_cache, unpacks_and_indexes_a_good_wheel)
{
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    cr_assert_str_eq(w->name, "demo_pkg");
    cr_assert_str_eq(w->version, "1.0");
    cr_assert_str_eq(w->dist_info, "demo_pkg-1.0.dist-info");
    cr_assert(w->root_is_purelib);
    cr_assert_not(w->reused);
    /* 20 files in the archive minus __pycache__/cli...pyc; directories are not members */
    cr_assert_eq(w->n_members, 19, "%zu members", w->n_members);
    cr_assert_null(wheel_unpacked_find(w, "demo_pkg/__pycache__/cli.cpython-311.pyc"));
    char *pyc = path_join(w->tree, "demo_pkg/__pycache__");
    cr_assert_not(fs_exists(pyc), "__pycache__ members are not extracted");
    free(pyc);
    const wheel_member_t *m = wheel_unpacked_find(w, "demo_pkg/tool.sh");
    cr_assert_not_null(m);
    cr_assert(m->executable);
    cr_assert_eq(m->size, 20);
    cr_assert_str_eq(m->hash, "v2ZM-E8A9u12FkyEV_3q-OTe5Ucibp_8-CdOLSJG_tk");
    char *p = path_join(w->tree, "demo_pkg/tool.sh");
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755);
    char *content = slurp(p);
    cr_assert_str_eq(content, "#!/bin/sh\necho tool\n");
    free(content);
    free(p);
    p = path_join(w->tree, "demo_pkg/cli.py");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644);
    free(p);
    const wheel_member_t *rec = wheel_unpacked_find(w, "demo_pkg-1.0.dist-info/RECORD");
    cr_assert_not_null(rec);
    cr_assert_eq(rec->kind, WHEEL_MEMBER_RECORD);
    cr_assert_null(wheel_cache_verify(w));

    /* Second call: the complete entry is reused, identical. */
    wheel_unpacked_t *w2 = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    cr_assert(w2->reused);
    cr_assert_str_eq(w2->dir, w->dir);
    cr_assert_eq(w2->n_members, w->n_members);
    for (size_t i = 0; i < w->n_members; i++) {
        cr_assert_str_eq(w2->members[i].path, w->members[i].path);
        cr_assert_str_eq(w2->members[i].hash, w->members[i].hash);
        cr_assert_eq(w2->members[i].size, w->members[i].size);
        cr_assert_eq(w2->members[i].executable, w->members[i].executable);
        cr_assert_eq(w2->members[i].kind, w->members[i].kind);
    }
    cr_assert_str_eq(w2->dist_info, w->dist_info);
    cr_assert_eq(w2->root_is_purelib, w->root_is_purelib);
    /* Lookup by hash finds it without the wheel. */
    wheel_unpacked_t *w3 = NULL;
    cr_assert_null(wheel_cache_lookup(cache, w->sha256, &w3));
    cr_assert_not_null(w3);
    char *listing = cache_listing();
    char *expect = xasprintf("%s ", w->sha256);
    cr_assert_str_eq(listing, expect, "cache holds exactly one entry: '%s'", listing);
    free(expect);
    free(listing);
    wheel_unpacked_free(w3);
    wheel_unpacked_free(w2);
    wheel_unpacked_free(w);
}

Test(wheel_cache, given_sha256_is_verified_and_then_trusted)
{
    char *p = whl("demo_pkg-1.0-py3-none-any.whl");
    char hex[65];
    cr_assert_null(sha256_file_hex(p, hex));
    wheel_unpacked_t *w = NULL;
    err_t *e = wheel_cache_unpack(cache, p, "0000000000000000000000000000000000000000000000000000000000000000", &w);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "sha256 mismatch"), "%s", e->msg);
    err_free(e);
    char *listing = cache_listing();
    cr_assert_str_eq(listing, "", "nothing cached: '%s'", listing);
    free(listing);
    cr_assert_null(wheel_cache_unpack(cache, p, hex, &w));
    cr_assert_str_eq(w->sha256, hex);
    wheel_unpacked_free(w);
    /* With the hash known the wheel file is not even read again. */
    char *gone = path_join(tmp, "demo_pkg-1.0-py3-none-any.whl");
    cr_assert_eq(rename(p, gone), 0);
    cr_assert_null(wheel_cache_unpack(cache, p, hex, &w));
    cr_assert(w->reused);
    wheel_unpacked_free(w);
    free(gone);
    free(p);
}

static void expect_rejected(const char *name, const char *msg_part)
{
    char *p = whl(name);
    wheel_unpacked_t *w = NULL;
    err_t *e = wheel_cache_unpack(cache, p, NULL, &w);
    cr_assert_not_null(e, "%s was accepted", name);
    cr_assert_null(w);
    cr_assert(strstr(e->msg, msg_part), "%s: expected '%s' in: %s", name, msg_part, e->msg);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    err_free(e);
    char *listing = cache_listing();
    cr_assert_str_eq(listing, "", "%s left something in the cache: '%s'", name, listing);
    free(listing);
    free(p);
}

Test(wheel_cache, hostile_and_broken_wheels_leave_nothing)
{
    expect_rejected("bad_hash-1.0-py3-none-any.whl", "does not match its RECORD hash");
    expect_rejected("bad_size-1.0-py3-none-any.whl", "RECORD says 7");
    expect_rejected("unlisted-1.0-py3-none-any.whl", "'unlisted/more.py' is not listed in RECORD");
    expect_rejected("md5hash-1.0-py3-none-any.whl", "unsupported hash algorithm 'md5'");
    expect_rejected("nodist-1.0-py3-none-any.whl", "no .dist-info directory");
    expect_rejected("twodist-1.0-py3-none-any.whl", "more than one .dist-info");
    expect_rejected("wrongname-1.0-py3-none-any.whl", "does not match the wheel's name");
    expect_rejected("badwheelver-1.0-py3-none-any.whl", "Wheel-Version 2.0 is not supported");
    expect_rejected("badmeta-1.0-py3-none-any.whl", "METADATA has version 1.1");
}

Test(wheel_cache, not_a_zip_and_bad_filename)
{
    char *p = path_join(tmp, "junk-1.0-py3-none-any.whl");
    cr_assert_null(fs_write_new(p, "not a zip at all", 16, 0644));
    wheel_unpacked_t *w = NULL;
    err_t *e = wheel_cache_unpack(cache, p, NULL, &w);
    cr_assert_not_null(e);
    err_free(e);
    free(p);
    char *src = whl("demo_pkg-1.0-py3-none-any.whl");
    p = path_join(tmp, "demo.zip");
    char *argv[] = {"/bin/cp", src, p, NULL};
    run_ok(argv, NULL);
    e = wheel_cache_unpack(cache, p, NULL, &w);
    cr_assert_not_null(e, "a file name that is not a wheel name is refused");
    err_free(e);
    char *listing = cache_listing();
    cr_assert_str_eq(listing, "");
    free(listing);
    /* Same bytes under another project's name: the cached entry is not handed out. */
    char *q = path_join(tmp, "other-1.0-py3-none-any.whl");
    char *argv2[] = {"/bin/cp", src, q, NULL};
    run_ok(argv2, NULL);
    w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_unpacked_free(w);
    w = NULL;
    e = wheel_cache_unpack(cache, q, NULL, &w);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "cached wheel of demo_pkg"), "%s", e->msg);
    err_free(e);
    free(q);
    free(src);
    free(p);
}

typedef struct race_arg {
    wheel_unpacked_t *w;
    err_t *e;
} race_arg_t;

static void *race(void *arg)
{
    race_arg_t *a = arg;
    char *p = whl("demo_pkg-1.0-py3-none-any.whl");
    a->e = wheel_cache_unpack(cache, p, NULL, &a->w);
    free(p);
    return NULL;
}

Test(wheel_cache, concurrent_unpack_of_one_wheel)
{
    for (int round = 0; round < 3; round++) {
        pthread_t th[4];
        race_arg_t args[4];
        memset(args, 0, sizeof args);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(pthread_create(&th[i], NULL, race, &args[i]), 0);
        for (int i = 0; i < 4; i++)
            pthread_join(th[i], NULL);
        for (int i = 0; i < 4; i++) {
            cr_assert_null(args[i].e, "thread %d: %s", i, args[i].e ? args[i].e->msg : "");
            cr_assert_str_eq(args[i].w->dir, args[0].w->dir);
            cr_assert_eq(args[i].w->n_members, 19);
            cr_assert_null(wheel_cache_verify(args[i].w));
        }
        char *listing = cache_listing();
        char *expect = xasprintf("%s ", args[0].w->sha256);
        cr_assert_str_eq(listing, expect, "exactly one entry, no leftovers: '%s'", listing);
        free(expect);
        free(listing);
        if (round < 2)
            cr_assert_null(wheel_cache_evict(cache, args[0].w->sha256));
        for (int i = 0; i < 4; i++)
            wheel_unpacked_free(args[i].w);
    }
}

Test(wheel_cache, verify_detects_edits_and_evict_removes)
{
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    char *p = path_join(w->tree, "demo_pkg/cli.py");
    FILE *f = fopen(p, "a");
    cr_assert_not_null(f);
    fputs("# edited\n", f);
    fclose(f);
    err_t *e = wheel_cache_verify(w);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "demo_pkg/cli.py"), "%s", e->msg);
    err_free(e);
    cr_assert_null(wheel_cache_evict(cache, w->sha256));
    char *listing = cache_listing();
    cr_assert_str_eq(listing, "");
    free(listing);
    wheel_unpacked_t *w2 = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    cr_assert_not(w2->reused);
    cr_assert_null(wheel_cache_verify(w2));
    wheel_unpacked_free(w2);
    free(p);
    wheel_unpacked_free(w);
}

Test(wheel_cache, damaged_index_is_evicted_and_stale_dirs_are_cleaned)
{
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    char *idx = path_join(w->dir, "INDEX");
    cr_assert_null(fs_write_atomic(idx, "venvsync-wheel-index 2\nfx 1 abc\t../../etc/passwd\n",
                                   50, 0644));
    wheel_unpacked_t *w2 = NULL;
    cr_assert_null(wheel_cache_lookup(cache, w->sha256, &w2));
    cr_assert_null(w2, "a damaged entry is never used");
    cr_assert_not(fs_exists(w->dir), "it is evicted, to be built again");
    wheel_unpacked_free(w);
    w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    cr_assert_not(w->reused, "built again from the archive");
    char *base = path_join(cache, WHEEL_CACHE_SUBDIR);
    char *stale = path_join(base, ".tmp-abcdef");
    cr_assert_null(fs_mkdirs(stale, 0755));
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, stale, old, 0), 0);
    wheel_cache_clean_stale(cache, 3600);
    cr_assert_not(fs_exists(stale));
    cr_assert(fs_exists(w->dir), "complete entries stay");
    free(stale);
    free(base);
    free(idx);
    wheel_unpacked_free(w);
}

/* An installed file hard-linked to the cache and edited in place (a print() added to debug)
 * changes the cache file: the next use of the entry notices (its identity changed), evicts it
 * and builds it again from the archive, so no later environment gets the edited file. */
Test(wheel_cache, an_edited_file_is_noticed_and_the_entry_rebuilt)
{
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    cr_assert(wheel_cache_intact(w, NULL));
    const wheel_member_t *m = NULL;
    for (size_t i = 0; i < w->n_members && !m; i++)
        if (str_ends_with(w->members[i].path, strlen(w->members[i].path), ".py"))
            m = &w->members[i];
    cr_assert_not_null(m);
    char *f = path_join(w->tree, m->path);
    buf_t before = BUF_INIT;
    cr_assert_null(fs_read(f, &before));
    FILE *fp = fopen(f, "a");
    cr_assert_not_null(fp);
    fputs("print('debugging')\n", fp);
    fclose(fp);
    const char *changed = NULL;
    cr_assert_not(wheel_cache_intact(w, &changed));
    cr_assert_str_eq(changed, m->path);
    char *rel = xstrdup(m->path);
    wheel_unpacked_free(w);
    w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    cr_assert_not(w->reused, "the edited entry was not reused");
    free(f);
    f = path_join(w->tree, rel);
    buf_t after = BUF_INIT;
    cr_assert_null(fs_read(f, &after));
    cr_assert_str_eq(buf_cstr(&after), buf_cstr(&before), "pristine again");
    cr_assert(wheel_cache_intact(w, NULL));
    wheel_unpacked_t *again = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    cr_assert(again->reused, "an intact entry is reused");
    wheel_unpacked_free(again);
    buf_free(&before);
    buf_free(&after);
    free(rel);
    free(f);
    wheel_unpacked_free(w);
}

/* ---- install ------------------------------------------------------------------------------ */

/* Installs `names` with pip at env_dir, renames it to env_dir.pip, then installs the same
 * wheels with venvsync at env_dir (a fresh venv), and compares the two trees byte for byte. */
static void compare_with_pip(const char *const *names, size_t n)
{
    if (!have_pip())
        cr_skip_test("no pip for /usr/bin/python3");
    char *envdir = path_join(tmp, "env");
    char *pipdir = path_join(tmp, "env.pip");
    make_venv(envdir);
    char *py = path_join(envdir, "bin/python");
    char *argv[16] = {"/usr/bin/python3", "-m", "pip", "--python", py, "install", "-q",
                      "--no-index", "--no-deps", "--no-compile",
                      "--disable-pip-version-check"};
    int argc = 11;
    for (size_t i = 0; i < n; i++)
        argv[argc++] = whl(names[i]);
    argv[argc] = NULL;
    run_ok(argv, NULL);
    cr_assert_eq(rename(envdir, pipdir), 0);
    make_venv(envdir);
    env_t env = make_env(envdir);
    wheel_target_t t = target_for(&env);
    t.installer = "pip";
    t.requested = true;
    for (size_t i = 0; i < n; i++) {
        wheel_unpacked_t *w = must_unpack(names[i]);
        char *url = url_from_path(argv[11 + i]);
        t.direct_url = url;
        wheel_installed_t r;
        must_install(w, &t, &r);
        cr_assert_gt(r.n_files, 5);
        wheel_installed_free(&r);
        free(url);
        wheel_unpacked_free(w);
    }
    char *a = snapshot(pipdir, true), *b = snapshot(envdir, true);
    /* RECORD differs where pip keeps rows venvsync drops; compare those separately. */
    cr_assert_str_eq(b, a, "trees differ:\n--- pip\n%s\n--- venvsync\n%s", a, b);
    free(a);
    free(b);
    env_free(&env);
    for (size_t i = 11; i < (size_t)argc; i++)
        free(argv[i]);
    free(py);
    free(pipdir);
    free(envdir);
}

Test(wheel_install, byte_identical_to_pip_for_plain_wheels)
{
    const char *names[] = {"Plat_Pkg-2.0-py3-none-any.whl", "pip-99.0-py3-none-any.whl"};
    compare_with_pip(names, 2);
}

Test(wheel_install, matches_pip_for_data_scripts_and_entry_points)
{
    if (!have_pip())
        cr_skip_test("no pip for /usr/bin/python3");
    char *envdir = path_join(tmp, "env");
    char *pipdir = path_join(tmp, "env.pip");
    make_venv(envdir);
    char *py = path_join(envdir, "bin/python");
    char *w_path = whl("demo_pkg-1.0-py3-none-any.whl");
    char *argv[] = {"/usr/bin/python3", "-m", "pip", "--python", py, "install", "-q",
                    "--no-index", "--no-deps", "--no-compile", "--disable-pip-version-check",
                    w_path, NULL};
    run_ok(argv, NULL);
    cr_assert_eq(rename(envdir, pipdir), 0);
    make_venv(envdir);
    env_t env = make_env(envdir);
    wheel_target_t t = target_for(&env);
    t.installer = "pip";
    t.requested = true;
    char *url = url_from_path(w_path);
    t.direct_url = url;
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);

    /* Every file but RECORD is byte-identical, modes included (pip also installs the
     * __pycache__ member, which venvsync skips). */
    char *a = snapshot(pipdir, true), *b = snapshot(envdir, true);
    char *rec_rel = xasprintf("/%s/demo_pkg-1.0.dist-info/RECORD ", env.purelib_rel);
    /* blank out the RECORD lines */
    for (char *s = strstr(a, rec_rel); s; s = NULL)
        for (char *q = s + 1; *q && *q != '\n'; q++)
            *q = 'X';
    for (char *s = strstr(b, rec_rel); s; s = NULL)
        for (char *q = s + 1; *q && *q != '\n'; q++)
            *q = 'X';
    cr_assert_str_eq(b, a, "trees differ:\n--- pip\n%s\n--- venvsync\n%s", a, b);
    char *pr = path_join(pipdir, rec_rel + 1), *vr = path_join(envdir, rec_rel + 1);
    pr[strlen(pr) - 1] = vr[strlen(vr) - 1] = '\0';
    char *ptxt = slurp(pr), *vtxt = slurp(vr);
    char *filtered = filter_pip_record(ptxt);
    cr_assert_str_eq(vtxt, filtered, "RECORD differs:\n--- pip\n%s\n--- venvsync\n%s", filtered,
                     vtxt);
    cr_assert(strstr(vtxt, "../../../bin/demo-app,sha256="), "%s", vtxt);
    cr_assert(strstr(vtxt, "\r\n"), "CRLF line ends");

    /* The script and the launchers run. */
    char *demo_app = path_join(envdir, "bin/demo-app");
    buf_t out = BUF_INIT;
    char *argv2[] = {demo_app, NULL};
    run_ok(argv2, &out);
    cr_assert_str_eq(buf_cstr(&out), "app run\n");
    buf_reset(&out);
    char *script = path_join(envdir, "bin/demo-script");
    char *argv3[] = {script, NULL};
    run_ok(argv3, &out);
    cr_assert_str_eq(buf_cstr(&out), "script 1.0\n");
    buf_free(&out);

    /* pip reads and uninstalls what venvsync installed. */
    char *argv4[] = {"/usr/bin/python3", "-m", "pip", "--python", py, "uninstall", "-y", "-q",
                     "demo_pkg", NULL};
    char *py2 = path_join(envdir, "bin/python");
    argv4[4] = py2;
    run_ok(argv4, NULL);
    char *left = path_join(env.site, "demo_pkg");
    cr_assert_not(fs_exists(left));
    cr_assert_not(fs_exists(demo_app));
    free(left);
    free(py2);
    free(script);
    free(demo_app);
    free(ptxt);
    free(vtxt);
    free(filtered);
    free(pr);
    free(vr);
    free(rec_rel);
    free(a);
    free(b);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    free(url);
    env_free(&env);
    free(w_path);
    free(py);
    free(pipdir);
    free(envdir);
}

Test(wheel_install, layout_modes_links_and_record)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    t.link = WHEEL_LINK_HARDLINK;
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);

    /* .data mapping */
    char *p;
    p = path_join(root, "share/demo/data.txt");
    cr_assert(fs_exists(p));
    free(p);
    p = xasprintf("%s/include/site/python%s/demo-pkg/demo.h", root, pyver());
    cr_assert(fs_exists(p), "%s", p);
    free(p);
    p = path_join(env.site, "demo_extra.py");
    cr_assert(fs_exists(p));
    free(p);
    p = path_join(env.bin, "democli");
    char *text = slurp(p);
    char *expect = xasprintf("#!%s\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
                             "from demo_pkg.cli import main\nif __name__ == '__main__':\n"
                             "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', "
                             "sys.argv[0])\n    sys.exit(main())\n", env.python);
    cr_assert_str_eq(text, expect, "the setuptools wrapper was replaced by a launcher");
    free(expect);
    free(text);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_nlink, 1, "launchers are written, not linked");
    free(p);
    /* #!pythonw with CRLF: the whole first line is replaced */
    p = path_join(env.bin, "demo-w");
    text = slurp(p);
    expect = xasprintf("#!%s\nimport demo_pkg\r\nprint('w script')\r\n", env.python);
    cr_assert_str_eq(text, expect);
    free(expect);
    free(text);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_nlink, 1);
    free(p);
    /* unchanged members are hard links into the cache; modes as pip sets them (umask 022) */
    p = path_join(env.site, "demo_pkg/tool.sh");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755);
    cr_assert_eq(st.st_nlink, 2, "hard-linked from the cache");
    free(p);
    p = path_join(env.bin, "plain.sh");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_nlink, 2, "a script without #!python is linked");
    free(p);
    p = path_join(env.site, "demo_pkg-1.0.dist-info/INSTALLER");
    text = slurp(p);
    cr_assert_str_eq(text, "venvsync\n");
    free(text);
    free(p);
    p = path_join(env.site, "demo_pkg-1.0.dist-info/REQUESTED");
    cr_assert_not(fs_exists(p), "not requested");
    free(p);
    p = path_join(env.site, "demo_pkg-1.0.dist-info/direct_url.json");
    cr_assert_not(fs_exists(p));
    free(p);
    cr_assert_gt(r.n_hardlinked, 10);
    cr_assert_eq(r.n_copied, 0);
    /* py files for compileall: every installed .py, sorted */
    cr_assert_eq(r.n_py_files, 4, "%zu", r.n_py_files);
    for (size_t i = 1; i < r.n_py_files; i++)
        cr_assert_lt(strcmp(r.py_files[i - 1], r.py_files[i]), 0);
    /* RECORD lists every written file with hash and size, and is last */
    char *rec_path = r.files[r.n_files - 1];
    cr_assert(strstr(rec_path, "/RECORD"));
    text = slurp(rec_path);
    record_t rec = RECORD_INIT;
    cr_assert_null(record_parse(text, strlen(text), "RECORD", &rec));
    cr_assert_eq(rec.n, r.n_files, "one row per file: %zu rows, %zu files", rec.n, r.n_files);
    for (size_t i = 0; i < rec.n; i++) {
        char *abs = path_join(env.site, rec.rows[i].path);
        char *norm = path_normalize(abs);
        cr_assert(fs_exists(norm), "%s", norm);
        if (strstr(norm, "/RECORD") == norm + strlen(norm) - 7) {
            cr_assert_null(rec.rows[i].hash);
        } else {
            cr_assert_str_eq(rec.rows[i].hash_algo, "sha256");
            char hex[65];
            cr_assert_null(sha256_file_hex(norm, hex));
            cr_assert_eq(stat(norm, &st), 0);
            cr_assert_eq(rec.rows[i].size, st.st_size, "%s", norm);
        }
        free(norm);
        free(abs);
    }
    record_free(&rec);
    free(text);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

Test(wheel_install, copy_mode_and_umask)
{
    umask(077);     /* Criterion runs each test in its own process */
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    struct stat st;
    char *p = path_join(env.site, "demo_pkg/tool.sh");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0711, "(0777 & ~umask) | 0111: %o", st.st_mode & 07777);
    cr_assert_eq(st.st_nlink, 1, "modes differ from the cache's: copied, not linked");
    free(p);
    p = path_join(env.site, "demo_pkg/cli.py");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    free(p);
    p = path_join(env.bin, "democli");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755, "launchers: (0666 & ~umask) | 0555");
    free(p);
    p = path_join(env.site, "demo_pkg/sub");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0700);
    free(p);
    cr_assert_eq(r.n_hardlinked, 0);
    /* The cache entry kept its own modes. */
    p = path_join(w->tree, "demo_pkg/cli.py");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644);
    free(p);
    wheel_installed_free(&r);

    /* Explicit copy mode at the default umask. */
    umask(022);
    char *root2 = path_join(tmp, "env2");
    env_t env2 = make_env(root2);
    wheel_target_t t2 = target_for(&env2);
    t2.link = WHEEL_LINK_COPY;
    must_install(w, &t2, &r);
    cr_assert_eq(r.n_hardlinked + r.n_reflinked, 0);
    cr_assert_gt(r.n_copied, 10);
    p = path_join(env2.site, "demo_pkg/tool.sh");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_nlink, 1);
    cr_assert_eq(st.st_mode & 07777, 0755);
    free(p);
    wheel_installed_free(&r);
    env_free(&env2);
    free(root2);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

static void check_trampoline(const char *root)
{
    env_t env = make_env(root);
    /* A real interpreter at the path (a symlink), so the launcher can run. */
    cr_assert_eq(symlink("/usr/bin/python3", env.python), 0);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    char *p = path_join(env.bin, "demo-app");
    char *text = slurp(p);
    char *head = xasprintf("#!/bin/sh\n'''exec' '%s' \"$0\" \"$@\"\n' '''\n# -*- coding: utf-8",
                           env.python);
    cr_assert(strncmp(text, head, strlen(head)) == 0, "got:\n%s\nwant prefix:\n%s", text, head);
    free(head);
    free(text);
    /* It runs: sh execs python, which reads the rest as Python. The site-packages must be on
     * the path: this is not a real venv, so point PYTHONPATH at it. */
    char *pp = xasprintf("PYTHONPATH=%s", env.site);
    char *argv[] = {"/usr/bin/env", pp, p, "x", NULL};
    buf_t out = BUF_INIT;
    run_ok(argv, &out);
    cr_assert_str_eq(buf_cstr(&out), "app run\n");
    buf_reset(&out);
    /* the rewritten #!python script uses the trampoline too */
    char *s = path_join(env.bin, "demo-script");
    text = slurp(s);
    cr_assert(strncmp(text, "#!/bin/sh\n'''exec' ", 19) == 0, "%s", text);
    free(text);
    char *argv2[] = {"/usr/bin/env", pp, s, NULL};
    run_ok(argv2, &out);
    cr_assert_str_eq(buf_cstr(&out), "script 1.0\n");
    buf_free(&out);
    free(s);
    free(pp);
    free(p);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
}

Test(wheel_install, path_with_a_space_uses_the_sh_trampoline)
{
    char *root = path_join(tmp, "my env");
    check_trampoline(root);
    free(root);
}

Test(wheel_install, long_path_uses_the_sh_trampoline)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, tmp);
    while (b.len < 140)
        buf_adds(&b, "/long-directory-name");
    check_trampoline(buf_cstr(&b));
    buf_free(&b);
}

Test(wheel_install, shebang_forms)
{
    buf_t b = BUF_INIT;
    script_shebang(&b, "/e/bin/python", NULL, "\n");
    cr_assert_str_eq(buf_cstr(&b), "#!/e/bin/python\n");
    buf_reset(&b);
    script_shebang(&b, "/my env/bin/python", NULL, "\n");
    cr_assert_str_eq(buf_cstr(&b), "#!/bin/sh\n'''exec' '/my env/bin/python' \"$0\" \"$@\"\n' '''\n");
    buf_reset(&b);
    /* 124 characters + "#!" + "\n" = 127: still simple; one more is not */
    char p[200];
    memset(p, 'a', sizeof p);
    p[0] = '/';
    p[124] = '\0';
    script_shebang(&b, p, NULL, "\n");
    cr_assert_eq(b.len, 127);
    cr_assert_eq(b.data[0], '#');
    cr_assert_eq(b.data[2], '/');
    buf_reset(&b);
    p[124] = 'a';
    p[125] = '\0';
    script_shebang(&b, p, NULL, "\n");
    cr_assert(strncmp(buf_cstr(&b), "#!/bin/sh\n'''exec' '/aaa", 24) == 0, "%s", buf_cstr(&b));
    buf_free(&b);
    char *u = url_from_path("/tmp/a b/x+y-1.0~.whl");
    cr_assert_str_eq(u, "file:///tmp/a%20b/x%2By-1.0~.whl");
    free(u);
}

Test(wheel_install, direct_url_and_requested)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    t.requested = true;
    t.direct_url = "file:///w/plat_pkg-2.0-py3-none-any.whl";
    t.direct_url_sha256 = "abc123";
    wheel_unpacked_t *w = must_unpack("Plat_Pkg-2.0-py3-none-any.whl");
    cr_assert_not(w->root_is_purelib);
    wheel_installed_t r;
    must_install(w, &t, &r);
    char *p = path_join(env.site, "plat_pkg-2.0.dist-info/direct_url.json");
    char *text = slurp(p);
    cr_assert_str_eq(text, "{\"archive_info\": {\"hash\": \"sha256=abc123\", \"hashes\": "
                     "{\"sha256\": \"abc123\"}}, \"url\": "
                     "\"file:///w/plat_pkg-2.0-py3-none-any.whl\"}");
    free(text);
    free(p);
    p = path_join(env.site, "plat_pkg-2.0.dist-info/REQUESTED");
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_size, 0);
    free(p);
    p = path_join(env.site, "plat_pkg/a,b \"q\".txt");
    cr_assert(fs_exists(p));
    free(p);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

static void expect_install_fails(const char *name, const char *msg_part)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *before = snapshot(root, false);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack(name);
    wheel_installed_t r;
    err_t *e = wheel_install(w, &t, &r);
    cr_assert_not_null(e, "%s installed", name);
    cr_assert(strstr(e->msg, msg_part), "%s: expected '%s' in: %s", name, msg_part, e->msg);
    err_free(e);
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, before, "%s: a failed install left files:\n%s", name, after);
    free(before);
    free(after);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

Test(wheel_install, bad_wheels_fail_and_roll_back)
{
    expect_install_fails("badkey-1.0-py3-none-any.whl", "unknown scheme key 'unknown'");
    expect_install_fails("badep-1.0-py3-none-any.whl", "a callable suffix is required");
    expect_install_fails("evilscript-1.0-py3-none-any.whl", "belongs to the environment");
}

Test(wheel_install, reinstall_replaces_and_reports)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("Plat_Pkg-2.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    cr_assert_eq(r.n_replaced, 0);
    size_t n = r.n_files;
    wheel_installed_free(&r);
    char *before = snapshot(root, false);
    must_install(w, &t, &r);
    cr_assert_eq(r.n_replaced, n, "%zu of %zu", r.n_replaced, n);
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

Test(wheel_install, fake_pip_gets_versioned_launchers)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    t.python_version = "3.12";
    wheel_unpacked_t *w = must_unpack("pip-99.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    const char *yes[] = {"pip", "pip3", "pip3.12", "pipx-not"};
    const char *no[] = {"pip3.8", "pip3.11"};
    for (size_t i = 0; i < 4; i++) {
        char *p = path_join(env.bin, yes[i]);
        cr_assert(fs_exists(p), "%s", yes[i]);
        free(p);
    }
    for (size_t i = 0; i < 2; i++) {
        char *p = path_join(env.bin, no[i]);
        cr_assert_not(fs_exists(p), "%s", no[i]);
        free(p);
    }
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

Test(wheel_install, record_pycs_after_compile)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    buf_t in = BUF_INIT;
    for (size_t i = 0; i < r.n_py_files; i++) {
        buf_adds(&in, r.py_files[i]);
        buf_addc(&in, '\n');
    }
    char *argv[] = {"/usr/bin/python3", "-m", "compileall", "-q", "-f", "-i", "-", NULL};
    buf_t o = BUF_INIT;
    int st = -1;
    cr_assert_null(proc_capture(argv, buf_cstr(&in), &o, NULL, &st));
    cr_assert_eq(st, 0);
    buf_free(&o);
    buf_free(&in);
    buf_t tag = BUF_INIT;
    char *argv2[] = {"/usr/bin/python3", "-c", "import sys; print(sys.implementation.cache_tag)",
                     NULL};
    run_ok(argv2, &tag);
    char *ctag = xstrndup(buf_cstr(&tag), strcspn(buf_cstr(&tag), "\n"));
    cr_assert_null(wheel_install_record_pycs(&r, ctag));
    char *rec = path_join(r.dist_info, "RECORD");
    char *text = slurp(rec);
    char *row = xasprintf("demo_pkg/__pycache__/cli.%s.pyc,,\r\n", ctag);
    cr_assert(strstr(text, row), "%s", text);
    free(row);
    free(text);
    free(rec);
    free(ctag);
    buf_free(&tag);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

/* ---- uninstall ---------------------------------------------------------------------------- */

Test(wheel_uninstall, removes_exactly_what_was_installed)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *keep = path_join(env.site, "keep.py");
    cr_assert_null(fs_write_new(keep, "x", 1, 0644));
    char *before = snapshot(root, false);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    /* a pyc as compileall would write it */
    char *pyc_dir = path_join(env.site, "demo_pkg/__pycache__");
    cr_assert_null(fs_mkdirs(pyc_dir, 0755));
    char *pyc = path_join(pyc_dir, "cli.cpython-399.pyc");
    cr_assert_null(fs_write_new(pyc, "pyc", 3, 0644));
    wheel_uninstalled_t u;
    err_t *e = wheel_uninstall_ex(root, env.site, "demo_pkg-1.0.dist-info", &u);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(u.n_skipped, 0);
    size_t outside_info = 0;
    for (size_t i = 0; i < r.n_files; i++)
        outside_info += !path_is_within(r.files[i], r.dist_info);
    cr_assert_eq(u.n_removed, outside_info + 1, "%zu removed: the files and one pyc",
                 u.n_removed);
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, before, "leftovers:\n%s\nvs\n%s", after, before);
    /* the cache is untouched */
    cr_assert_null(wheel_cache_verify(w));
    wheel_uninstalled_free(&u);
    free(after);
    free(pyc);
    free(pyc_dir);
    free(before);
    free(keep);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

static char *append_record(const env_t *env, const char *dist, const char *rows)
{
    char *p = xasprintf("%s/%s/RECORD", env->site, dist);
    FILE *f = fopen(p, "a");
    cr_assert_not_null(f);
    fputs(rows, f);
    fclose(f);
    return p;
}

Test(wheel_uninstall, refuses_rows_outside_the_environment)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("Plat_Pkg-2.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    /* victims outside the environment */
    char *outside = path_join(tmp, "outside.txt");
    cr_assert_null(fs_write_new(outside, "precious", 8, 0644));
    char *outdir = path_join(tmp, "outdir");
    cr_assert_null(fs_mkdirs(outdir, 0755));
    char *outfile = path_join(outdir, "victim.txt");
    cr_assert_null(fs_write_new(outfile, "precious", 8, 0644));
    char *link = path_join(env.site, "escape");
    cr_assert_eq(symlink(outdir, link), 0);
    char *pyvenv = path_join(root, "pyvenv.cfg");
    cr_assert_null(fs_write_new(pyvenv, "home = /usr/bin\n", 16, 0644));
    char *python = path_join(env.bin, "python3");
    cr_assert_eq(symlink("/usr/bin/python3", python), 0);
    char *rows = xasprintf("../../../../outside.txt,,\n%s,,\nescape/victim.txt,,\n"
                           "../../../pyvenv.cfg,,\n../../../bin/python3,,\n", outside);
    char *rec = append_record(&env, "plat_pkg-2.0.dist-info", rows);
    wheel_uninstalled_t u;
    err_t *e = wheel_uninstall_ex(root, env.site, "plat_pkg-2.0.dist-info", &u);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(u.n_skipped, 5, "%zu skipped", u.n_skipped);
    cr_assert(fs_exists(outside));
    cr_assert(fs_exists(outfile));
    cr_assert(fs_exists(pyvenv));
    cr_assert(fs_exists(python));
    char *pkg = path_join(env.site, "plat_pkg");
    cr_assert_not(fs_exists(pkg), "the package itself is gone");
    cr_assert_not(fs_exists(rec));
    cr_assert(fs_is_dir(env.site), "site-packages stays");
    free(pkg);
    wheel_uninstalled_free(&u);
    free(rec);
    free(rows);
    free(python);
    free(pyvenv);
    free(link);
    free(outfile);
    free(outdir);
    free(outside);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

Test(wheel_uninstall, no_record_or_egg_info_is_refused)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *di = path_join(env.site, "foo-1.0.dist-info");
    cr_assert_null(fs_mkdirs(di, 0755));
    char *meta = path_join(di, "METADATA");
    cr_assert_null(fs_write_new(meta, "Name: foo\nVersion: 1.0\n", 23, 0644));
    char *mod = path_join(env.site, "foo.py");
    cr_assert_null(fs_write_new(mod, "x", 1, 0644));
    err_t *e = wheel_uninstall(root, env.site, "foo-1.0.dist-info");
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert(strstr(e->msg, "RECORD"), "%s", e->msg);
    err_free(e);
    cr_assert(fs_exists(meta));
    cr_assert(fs_exists(mod));
    char *egg = path_join(env.site, "bar-1.0.egg-info");
    cr_assert_null(fs_mkdirs(egg, 0755));
    e = wheel_uninstall(root, env.site, egg);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "egg-info"), "%s", e->msg);
    err_free(e);
    cr_assert(fs_is_dir(egg));
    e = wheel_uninstall(root, env.site, "../../../../etc.dist-info");
    cr_assert_not_null(e);
    err_free(e);
    free(egg);
    free(mod);
    free(meta);
    free(di);
    env_free(&env);
    free(root);
}

/* ---- interrupted installs and removals, damaged distributions ---------------------------- */

/* The temporary dist-infos in site (pkg/installed.h), as one space-separated string. */
static char *leftovers_in(const char *site)
{
    dist_list_t l;
    cr_assert_null(installed_scan(site, &l));
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < l.nleftovers; i++)
        buf_printf(&b, "%s%s", i ? " " : "", l.leftovers[i]);
    dist_list_free(&l);
    return buf_detach(&b);
}

/* An install killed half-way (blocked on a FIFO the test put in the cache entry in place of a
 * script, then SIGKILLed): no .dist-info, the files placed so far, and the temporary dist-info,
 * which the cached wheel's rows remove with everything the install placed. */
Test(wheel_install, a_killed_install_leaves_no_dist_info_and_its_leftover_is_removed)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *before = snapshot(root, false);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    /* .data/scripts come after every other member, the .dist-info's included */
    char *fifo = path_join(w->tree, "demo_pkg-1.0.data/scripts/demo-script");
    cr_assert_eq(unlink(fifo), 0);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        wheel_installed_t r;
        err_free(wheel_install(w, &t, &r));
        _exit(0);
    }
    int wfd = -1; /* opens once the child has the FIFO open for reading: it then blocks in read */
    for (int i = 0; i < 1000 && wfd < 0; i++) {
        wfd = open(fifo, O_WRONLY | O_NONBLOCK);
        if (wfd < 0)
            usleep(10000);
    }
    cr_assert_geq(wfd, 0, "the install reached the scripts");
    char *info = path_join(env.site, "demo_pkg-1.0.dist-info");
    char *placed = path_join(env.site, "demo_pkg/cli.py");
    bool info_there = fs_exists(info), placed_there = fs_exists(placed);
    char *left = leftovers_in(env.site);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    close(wfd);
    cr_assert_not(info_there, "the .dist-info appears last");
    cr_assert(placed_there, "files outside the .dist-info come first");
    cr_assert(str_starts_with(left, ".demo_pkg-1.0.dist-info.venvsync-tmp-") && !strchr(left, ' '),
              "one temporary dist-info: '%s'", left);
    char *meta = path_joinv(env.site, left, "METADATA", (char *)NULL);
    cr_assert(fs_exists(meta), "the .dist-info's members are in the temporary one");
    char *rec = path_joinv(env.site, left, "RECORD", (char *)NULL);
    cr_assert_not(fs_exists(rec), "RECORD is written last");
    dist_list_t l;
    cr_assert_null(installed_scan(env.site, &l));
    cr_assert_null(dist_list_find(&l, "demo-pkg"), "not installed");
    dist_list_free(&l);

    record_t rows;
    cr_assert(wheel_cached_rows(cache, "demo_pkg-1.0.dist-info", &t, &rows));
    wheel_uninstalled_t u;
    err_t *e = wheel_remove_leftover(root, env.site, left, &rows, &u);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_gt(u.n_removed, 5);
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, before, "what the install placed is gone:\n%s", after);
    wheel_uninstalled_free(&u);
    record_free(&rows);
    free(after);
    free(rec);
    free(meta);
    free(left);
    free(placed);
    free(info);
    free(fifo);
    free(before);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

/* A failure after the .dist-info's members were placed takes the temporary dist-info with it. */
Test(wheel_install, a_failed_install_leaves_no_temporary_dist_info)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *block = path_join(env.bin, "demogui");   /* a launcher, written after every member */
    cr_assert_null(fs_mkdirs(block, 0755));
    char *before = snapshot(root, false);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    err_t *e = wheel_install(w, &t, &r);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "a directory is in the way"), "%s", e->msg);
    err_free(e);
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, before, "a failed install left files:\n%s", after);
    free(after);
    free(before);
    free(block);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

static char *record_paths(const record_t *r)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < r->n; i++)
        buf_printf(&b, "%s\n", r->rows[i].path);
    return buf_detach(&b);
}

/* wheel_install_rows says what RECORD an install writes: the same paths, the same hashes for
 * members placed as they are. */
Test(wheel_install, rows_are_the_record_an_install_writes)
{
    const char *names[] = {"demo_pkg-1.0-py3-none-any.whl", "Plat_Pkg-2.0-py3-none-any.whl"};
    for (size_t k = 0; k < 2; k++) {
        char *root = xasprintf("%s/env%zu", tmp, k);
        env_t env = make_env(root);
        wheel_target_t t = target_for(&env);
        t.requested = true;
        t.direct_url = "file:///w/x.whl";
        wheel_unpacked_t *w = must_unpack(names[k]);
        wheel_installed_t r;
        must_install(w, &t, &r);
        char *rp = path_join(r.dist_info, "RECORD");
        char *text = slurp(rp);
        record_t written = RECORD_INIT, rows;
        cr_assert_null(record_parse(text, strlen(text), rp, &written));
        cr_assert_null(wheel_install_rows(w, &t, &rows));
        char *a = record_paths(&written), *b = record_paths(&rows);
        cr_assert_str_eq(b, a, "%s", names[k]);
        size_t hashed = 0;
        for (size_t i = 0; i < rows.n; i++) {
            if (!rows.rows[i].hash)
                continue;
            const record_row_t *x = record_find(&written, rows.rows[i].path);
            cr_assert_str_eq(rows.rows[i].hash, x->hash, "%s", x->path);
            cr_assert_eq(rows.rows[i].size, x->size);
            hashed++;
        }
        cr_assert_gt(hashed, 3);
        free(a);
        free(b);
        record_free(&rows);
        record_free(&written);
        free(text);
        free(rp);
        wheel_installed_free(&r);
        wheel_unpacked_free(w);
        env_free(&env);
        free(root);
    }
}

Test(wheel_cache, find_by_name_and_version)
{
    size_t n = 9;
    cr_assert_null(wheel_cache_find(cache, "demo_pkg", "1.0", &n), "no cache yet");
    cr_assert_eq(n, 0);
    wheel_unpacked_free(must_unpack("demo_pkg-1.0-py3-none-any.whl"));
    wheel_unpacked_free(must_unpack("Plat_Pkg-2.0-py3-none-any.whl"));
    wheel_unpacked_t **v = wheel_cache_find(cache, "Demo.Pkg", "1.0.0", &n);
    cr_assert_eq(n, 1, "normalised name, PEP 440 equal version");
    cr_assert_str_eq(v[0]->dist_info, "demo_pkg-1.0.dist-info");
    cr_assert_gt(v[0]->n_members, 5, "the whole index");
    cr_assert_null(v[1]);
    wheel_unpacked_list_free(v, n);
    v = wheel_cache_find(cache, "plat-pkg", "2.0", &n);
    cr_assert_eq(n, 1);
    wheel_unpacked_list_free(v, n);
    cr_assert_null(wheel_cache_find(cache, "demo_pkg", "1.1", &n));
    cr_assert_null(wheel_cache_find(cache, "demo", "1.0", &n));
    cr_assert_eq(n, 0);
}

/* Two builds of one name and version in the cache: the one whose files are in place wins. */
Test(wheel_uninstall, cached_rows_pick_the_build_that_was_installed)
{
    char *out = path_join(tmp, "twins");
    char *code = xasprintf(
        "import sys; sys.path.insert(0, %s'%s/tests/fixtures'); from wheels import make_wheel\n"
        "make_wheel(sys.argv[1], 'twin', '1.0', modules={'twin/a.py': 'A = 1\\n'}, "
        "tag='py3-none-any')\n"
        "make_wheel(sys.argv[1], 'twin', '1.0', modules={'twin/b.py': 'B = 1\\n'}, "
        "tag='py2.py3-none-any')\n", "", TEST_SRC_DIR);
    char *argv[] = {"/usr/bin/python3", "-c", code, out, NULL};
    run_ok(argv, NULL);
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    char *p1 = path_join(out, "twin-1.0-py3-none-any.whl");
    char *p2 = path_join(out, "twin-1.0-py2.py3-none-any.whl");
    wheel_unpacked_t *w1 = NULL, *w2 = NULL;
    cr_assert_null(wheel_cache_unpack(cache, p1, NULL, &w1));
    cr_assert_null(wheel_cache_unpack(cache, p2, NULL, &w2));
    for (int which = 0; which < 2; which++) {
        wheel_installed_t r;
        must_install(which ? w2 : w1, &t, &r);
        record_t rows;
        cr_assert(wheel_cached_rows(cache, "twin-1.0.dist-info", &t, &rows));
        const char *mine = which ? "twin/b.py" : "twin/a.py";
        const char *other = which ? "twin/a.py" : "twin/b.py";
        cr_assert_not_null(record_find(&rows, mine), "%s", mine);
        cr_assert_null(record_find(&rows, other), "%s", other);
        record_free(&rows);
        cr_assert_null(wheel_uninstall(root, env.site, "twin-1.0.dist-info"));
        wheel_installed_free(&r);
    }
    record_t none;
    cr_assert_not(wheel_cached_rows(cache, "twin-2.0.dist-info", &t, &none));
    cr_assert_eq(none.n, 0);
    cr_assert_not(wheel_cached_rows(NULL, "twin-1.0.dist-info", &t, &none));
    cr_assert_not(wheel_cached_rows(cache, "twin.dist-info", &t, &none));
    wheel_unpacked_free(w1);
    wheel_unpacked_free(w2);
    free(p1);
    free(p2);
    env_free(&env);
    free(root);
    free(code);
    free(out);
}

/* No RECORD: refused unless the caller brings the rows of the cached wheel; then removed whole. */
Test(wheel_uninstall, a_missing_record_is_refused_or_replaced_by_the_cached_wheel)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *pristine = snapshot(root, false);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    char *rec = path_join(r.dist_info, "RECORD");
    cr_assert_eq(unlink(rec), 0);
    char *before = snapshot(root, false);
    err_t *e = wheel_uninstall_fallback(root, env.site, "demo_pkg-1.0.dist-info", NULL, NULL);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert(strstr(e->msg, r.dist_info) && strstr(e->msg, "no readable RECORD"), "%s", e->msg);
    cr_assert_not_null(e->hint, "says what to do");
    err_free(e);
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, before, "nothing changed");
    free(after);
    record_t rows;
    cr_assert(wheel_cached_rows(cache, "demo_pkg-1.0.dist-info", &t, &rows));
    wheel_uninstalled_t u;
    e = wheel_uninstall_fallback(root, env.site, "demo_pkg-1.0.dist-info", &rows, &u);
    cr_assert_null(e, "%s", e ? e->msg : "");
    after = snapshot(root, false);
    cr_assert_str_eq(after, pristine, "everything the install placed is gone:\n%s", after);
    free(after);
    wheel_uninstalled_free(&u);
    /* a torn RECORD too */
    wheel_installed_free(&r);
    must_install(w, &t, &r);
    cr_assert_null(fs_write_atomic(rec, "\"unterminated", 13, 0644));
    e = wheel_uninstall(root, env.site, "demo_pkg-1.0.dist-info");
    cr_assert_not_null(e);
    err_free(e);
    cr_assert_null(wheel_uninstall_fallback(root, env.site, "demo_pkg-1.0.dist-info", &rows, NULL));
    after = snapshot(root, false);
    cr_assert_str_eq(after, pristine);
    free(after);
    record_free(&rows);
    free(before);
    free(rec);
    free(pristine);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    env_free(&env);
    free(root);
}

/* The .dist-info goes first, in one rename: a removal killed after that (simulated: the rename
 * done, some files removed) is finished by wheel_remove_leftover, which keeps what installed
 * distributions claim. */
Test(wheel_uninstall, a_killed_removal_is_finished_from_its_leftover)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    wheel_target_t t = target_for(&env);
    wheel_unpacked_t *plat = must_unpack("Plat_Pkg-2.0-py3-none-any.whl");
    wheel_installed_t rp;
    must_install(plat, &t, &rp);
    char *pristine = snapshot(root, false);
    wheel_unpacked_t *w = must_unpack("demo_pkg-1.0-py3-none-any.whl");
    wheel_installed_t r;
    must_install(w, &t, &r);
    /* plat_pkg's RECORD claims a file demo_pkg's lists too; demo_pkg's names a file in
     * plat_pkg's .dist-info */
    char *shared = path_join(env.site, "demo_pkg/sub/data.json");
    char *plat_rec = path_join(env.site, "plat_pkg-2.0.dist-info/RECORD");
    char *plat_text = slurp(plat_rec);
    FILE *f = fopen(plat_rec, "a");
    cr_assert_not_null(f);
    fputs("demo_pkg/sub/data.json,,\r\n", f);
    fclose(f);
    char *demo_rec = path_join(r.dist_info, "RECORD");
    f = fopen(demo_rec, "a");
    cr_assert_not_null(f);
    fputs("plat_pkg-2.0.dist-info/INSTALLER,,\r\n", f);
    fclose(f);
    char *prefix = installed_tmp_prefix("demo_pkg-1.0.dist-info");
    char *left_name = xasprintf("%sKiLl3d", prefix);
    char *left = path_join(env.site, left_name);
    cr_assert_eq(rename(r.dist_info, left), 0);
    char *cli = path_join(env.site, "demo_pkg/cli.py");
    cr_assert_eq(unlink(cli), 0);
    char *listed = leftovers_in(env.site);
    cr_assert_str_eq(listed, left_name);
    free(listed);
    wheel_uninstalled_t u;
    err_t *e = wheel_remove_leftover(root, env.site, left_name, NULL, &u);
    cr_assert_null(e, "%s", e ? e->msg : "");
    wheel_uninstalled_free(&u);
    cr_assert(fs_exists(shared), "claimed by plat_pkg: kept");
    char *inst = path_join(env.site, "plat_pkg-2.0.dist-info/INSTALLER");
    cr_assert(fs_exists(inst), "another .dist-info is never touched");
    cr_assert_not(fs_exists(left));
    /* the rest is gone: with the shared file and plat_pkg's RECORD put back as they were, the
     * environment is what it was before demo_pkg */
    char *pkgdir = path_join(env.site, "demo_pkg");
    cr_assert_null(fs_rmtree(pkgdir));
    cr_assert_null(fs_write_atomic(plat_rec, plat_text, strlen(plat_text), 0644));
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, pristine, "%s", after);
    /* a name that is not a temporary dist-info is refused */
    e = wheel_remove_leftover(root, env.site, "plat_pkg-2.0.dist-info", NULL, NULL);
    cr_assert_not_null(e);
    err_free(e);
    cr_assert(fs_exists(inst));
    free(after);
    free(pkgdir);
    free(plat_text);
    free(inst);
    free(cli);
    free(left);
    free(left_name);
    free(prefix);
    free(demo_rec);
    free(plat_rec);
    free(shared);
    free(pristine);
    wheel_installed_free(&r);
    wheel_installed_free(&rp);
    wheel_unpacked_free(w);
    wheel_unpacked_free(plat);
    env_free(&env);
    free(root);
}

/* A leftover without RECORD, and no wheel to stand in: only the folder goes (its files cannot be
 * told from anyone else's). */
Test(wheel_uninstall, a_leftover_nothing_attributes_files_to_loses_only_its_folder)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *left = path_join(env.site, ".foo-1.0.dist-info.venvsync-tmp-abcdef");
    cr_assert_null(fs_mkdirs(left, 0755));
    char *meta = path_join(left, "METADATA");
    cr_assert_null(fs_write_new(meta, "Name: foo\nVersion: 1.0\n", 23, 0644));
    char *mod = path_join(env.site, "foo.py");
    cr_assert_null(fs_write_new(mod, "x", 1, 0644));
    err_t *e = wheel_remove_leftover(root, env.site, ".foo-1.0.dist-info.venvsync-tmp-abcdef",
                                     NULL, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_not(fs_exists(left));
    cr_assert(fs_exists(mod));
    free(mod);
    free(meta);
    free(left);
    env_free(&env);
    free(root);
}

/* ---- driver for the e2e comparison with pip ----------------------------------------------- */

/*
 * VENVSYNC_WHEEL_DRIVER names a file of tab-separated commands, one per line:
 *   install <cache> <wheel> <root> <purelib rel> <python> <X.Y> <requested 0|1> <url or ->
 *           [<installer name>]
 *   uninstall <root> <site-packages> <dist-info name>
 * Each result line goes to VENVSYNC_WHEEL_DRIVER.out: "ok <n files> <unpack s> <install s>
 * <bytes>" or "error <message>".
 */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Runs a driver command file: one tab-separated command per line, one result line per command in
 * CMDFILE.out:
 *   install CACHE WHEEL ROOT PURELIB PYTHON PYVER REQUESTED(1|0) DIRECT_URL|- [INSTALLER]
 *     -> "ok N_FILES UNPACK_S INSTALL_S UNPACKED_BYTES REUSED(1|0)"
 *   uninstall ROOT SITE DIST_INFO
 *     -> "ok N_REMOVED N_SKIPPED"
 * and "error MESSAGE" for a command that failed (or a line that is not a command).
 */
static void driver_run(const char *cmdfile)
{
    char *text = slurp(cmdfile);
    char *outpath = xasprintf("%s.out", cmdfile);
    FILE *out = fopen(outpath, "w");
    cr_assert_not_null(out);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[12] = {0};
        int nf = 0;
        for (char *s = line; nf < 12;) {
            f[nf++] = s;
            char *tab = strchr(s, '\t');
            if (!tab)
                break;
            *tab = '\0';
            s = tab + 1;
        }
        err_t *e = NULL;
        if (strcmp(f[0], "install") == 0 && nf >= 9) {
            double t0 = now_s();
            wheel_unpacked_t *w = NULL;
            e = wheel_cache_unpack(f[1], f[2], NULL, &w);
            double t1 = now_s();
            if (!e) {
                wheel_target_t t = {0};
                t.root = f[3];
                t.purelib = t.platlib = f[4];
                t.scripts = "bin";
                t.data = "";
                t.python = f[5];
                t.python_version = f[6];
                t.requested = strcmp(f[7], "1") == 0;
                t.direct_url = strcmp(f[8], "-") == 0 ? NULL : f[8];
                t.installer = nf >= 10 ? f[9] : NULL;
                wheel_installed_t r;
                e = wheel_install(w, &t, &r);
                double t2 = now_s();
                if (!e)
                    fprintf(out, "ok %zu %.6f %.6f %llu %d\n", r.n_files, t1 - t0, t2 - t1,
                            (unsigned long long)w->total_size, w->reused ? 1 : 0);
                wheel_installed_free(&r);
            }
            wheel_unpacked_free(w);
        } else if (strcmp(f[0], "uninstall") == 0 && nf >= 4) {
            wheel_uninstalled_t u;
            e = wheel_uninstall_ex(f[1], f[2], f[3], &u);
            if (!e)
                fprintf(out, "ok %zu %zu\n", u.n_removed, u.n_skipped);
            wheel_uninstalled_free(&u);
        } else {
            e = err_new(EXIT_USAGE, "bad driver line");
        }
        if (e) {
            fprintf(out, "error %s\n", e->msg);
            err_free(e);
        }
    }
    fclose(out);
    free(outpath);
    free(text);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Writes cmd to tmp/driver.cmd, runs the driver on it and splits its output into want lines
 * (asserting there are exactly that many); returns the buffer the lines point into. */
static char *run_driver(const char *cmd, char **lines, size_t want)
{
    char *cmdfile = path_join(tmp, "driver.cmd");
    write_text(cmdfile, cmd);
    driver_run(cmdfile);
    char *outpath = xasprintf("%s.out", cmdfile);
    char *out = slurp(outpath);
    size_t n = 0;
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        cr_assert_lt(n, want, "more result lines than commands: %s", l);
        lines[n++] = l;
    }
    cr_assert_eq(n, want, "one result line per command: %zu for %zu", n, want);
    free(outpath);
    free(cmdfile);
    return out;
}

/* The driver on a fixture wheel: an install (files on disk, counts, INSTALLER / REQUESTED /
 * direct_url.json from the columns), a second install that reuses the cache entry, a missing
 * wheel (an error line), an uninstall that puts the environment back as it was, and a line that
 * is not a command. Then the caller's command file,
 * when VENVSYNC_WHEEL_DRIVER names one. */
Test(wheel_driver, run, .init = setup, .fini = teardown)
{
    char *root = path_join(tmp, "env");
    env_t env = make_env(root);
    char *before = snapshot(root, false);
    char *wheel = whl("demo_pkg-1.0-py3-none-any.whl");
    char *root2 = path_join(tmp, "env2");
    env_t env2 = make_env(root2);
    char *cmd = xasprintf(
        "install\t%s\t%s\t%s\t%s\t%s\t%s\t1\tfile://%s\tpip\n"
        "install\t%s\t%s\t%s\t%s\t%s\t%s\t0\t-\n"
        "install\t%s\t%s/missing.whl\t%s\t%s\t%s\t%s\t1\t-\n",
        cache, wheel, root, env.purelib_rel, env.python, pyver(), wheel,
        cache, wheel, root2, env2.purelib_rel, env2.python, pyver(),
        cache, wheels, root, env.purelib_rel, env.python, pyver());
    char *lines[8] = {0};
    char *out = run_driver(cmd, lines, 3);

    /* install: ok N_FILES UNPACK_S INSTALL_S BYTES REUSED; N_FILES is what RECORD lists */
    size_t files = 0, bytes = 0;
    double t_unpack = -1, t_install = -1;
    int reused = -1;
    cr_assert_eq(sscanf(lines[0], "ok %zu %lf %lf %zu %d", &files, &t_unpack, &t_install, &bytes,
                        &reused), 5, "%s", lines[0]);
    char *record = path_join(env.site, "demo_pkg-1.0.dist-info/RECORD");
    char *rec = slurp(record);
    size_t rows = 0;
    for (const char *c = rec; *c; c++)
        rows += *c == '\n';
    cr_assert_eq(files, rows, "files installed (%zu) = RECORD rows (%zu)", files, rows);
    cr_assert(t_unpack >= 0 && t_install >= 0 && bytes > 0 && reused == 0, "%s", lines[0]);
    char *installer = path_join(env.site, "demo_pkg-1.0.dist-info/INSTALLER");
    char *inst = slurp(installer);
    cr_assert_str_eq(inst, "pip\n", "the INSTALLER column is used");
    char *durl = path_join(env.site, "demo_pkg-1.0.dist-info/direct_url.json");
    cr_assert_eq(access(durl, F_OK), 0, "a direct URL writes direct_url.json");
    char *req = path_join(env.site, "demo_pkg-1.0.dist-info/REQUESTED");
    cr_assert_eq(access(req, F_OK), 0, "REQUESTED 1 writes REQUESTED");

    /* the second install: the cache entry is reused; REQUESTED 0 and no direct URL */
    cr_assert_eq(sscanf(lines[1], "ok %zu %lf %lf %zu %d", &files, &t_unpack, &t_install, &bytes,
                        &reused), 5, "%s", lines[1]);
    cr_assert_eq(reused, 1, "%s", lines[1]);
    char *req2 = path_join(env2.site, "demo_pkg-1.0.dist-info/REQUESTED");
    char *durl2 = path_join(env2.site, "demo_pkg-1.0.dist-info/direct_url.json");
    cr_assert_neq(access(req2, F_OK), 0);
    cr_assert_neq(access(durl2, F_OK), 0);

    cr_assert(strncmp(lines[2], "error ", 6) == 0, "a missing wheel: %s", lines[2]);

    /* uninstall: ok N_REMOVED N_SKIPPED, and the environment is as it was */
    char *cmd2 = xasprintf("uninstall\t%s\t%s\tdemo_pkg-1.0.dist-info\nfrobnicate\tx\n", root, env.site);
    char *out2 = run_driver(cmd2, lines, 2);
    size_t removed = 0, skipped = 99;
    cr_assert_eq(sscanf(lines[0], "ok %zu %zu", &removed, &skipped), 2, "%s", lines[0]);
    cr_assert(removed > 0 && skipped == 0, "%s", lines[0]);
    char *after = snapshot(root, false);
    cr_assert_str_eq(after, before, "uninstall leaves the environment as it was");
    cr_assert_str_eq(lines[1], "error bad driver line");

    const char *extra = getenv("VENVSYNC_WHEEL_DRIVER");
    if (extra)
        driver_run(extra);

    free(after);
    free(out2);
    free(cmd2);
    free(req);
    free(req2);
    free(durl2);
    free(durl);
    free(inst);
    free(installer);
    free(rec);
    free(record);
    free(out);
    free(cmd);
    env_free(&env2);
    free(root2);
    free(wheel);
    free(before);
    env_free(&env);
    free(root);
}
