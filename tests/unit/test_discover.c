/*
 * discover: ordering, choosing, .python-version, and discovery over a fake tree of
 * interpreters (managed dir, pyenv root with shims, PATH with a venv and a broken candidate).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "python/discover.h"
#include "python/probe.h"
#include "support.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/venvsync-discover-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return xstrdup(d);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    char *dir = path_dirname(path);
    cr_assert_null(fs_mkdirs(dir, 0755));
    free(dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static interp_t *mk(const char *impl, const char *version, const char *level, bool ft,
                    const char *path)
{
    interp_t *py = xcalloc(1, sizeof *py);
    py->implementation = xstrdup(impl);
    py->version = xstrdup(version);
    sscanf(version, "%d.%d.%d", &py->major, &py->minor, &py->micro);
    py->releaselevel = xstrdup(level);
    py->freethreaded = ft;
    py->path = xstrdup(path);
    py->realpath = xstrdup(path);
    py->venv_capable = py->major >= 3;
    return py;
}

static void list_add(interp_list_t *l, interp_t *py)
{
    l->items = xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = py;
}

static pyreq_t *req(const char *text)
{
    pyreq_t *r = NULL;
    char *why = NULL;
    cr_assert(pyreq_parse(text, &r, &why), "pyreq_parse(%s): %s", text, why ? why : "");
    return r;
}

/* ---- ordering and choosing -------------------------------------------------------------- */

static void build_mixed(interp_list_t *l)
{
    memset(l, 0, sizeof *l);
    list_add(l, mk("cpython", "3.9.18", "final", false, "/a/python3.9"));
    list_add(l, mk("pypy", "3.13.0", "final", false, "/b/pypy3.13"));
    list_add(l, mk("cpython", "3.13.0", "final", true, "/c/python3.13t"));
    list_add(l, mk("cpython", "3.14.0rc1", "candidate", false, "/d/python3.14"));
    list_add(l, mk("cpython", "3.13.0", "final", false, "/e/python3.13"));
    list_add(l, mk("cpython", "2.7.18", "final", false, "/f/python"));
    list_add(l, mk("cpython", "3.12.1", "final", false, "/g/python3.12"));
    list_add(l, mk("cpython", "3.12.1", "final", false, "/h/python3.12"));
}

Test(discover, sort_best_first_and_stable)
{
    interp_list_t l;
    build_mixed(&l);
    interp_list_sort(&l);
    const char *want[] = {"/d/python3.14", "/e/python3.13", "/b/pypy3.13", "/c/python3.13t",
                          "/g/python3.12", "/h/python3.12", "/a/python3.9", "/f/python"};
    cr_assert_eq(l.n, 8);
    for (size_t i = 0; i < l.n; i++)
        cr_assert_str_eq(l.items[i]->path, want[i], "position %zu", i);
    /* Sorting again changes nothing (ties keep discovery order). */
    interp_list_sort(&l);
    for (size_t i = 0; i < l.n; i++)
        cr_assert_str_eq(l.items[i]->path, want[i]);
    interp_list_free(&l);
}

Test(discover, prerelease_order)
{
    interp_t *a = mk("cpython", "3.14.0rc2", "candidate", false, "/a");
    interp_t *b = mk("cpython", "3.14.0rc10", "candidate", false, "/b");
    interp_t *c = mk("cpython", "3.14.0b3", "beta", false, "/c");
    cr_assert_gt(interp_cmp_best(a, b), 0, "rc10 is newer than rc2");
    cr_assert_lt(interp_cmp_best(a, c), 0);
    interp_free(a);
    interp_free(b);
    interp_free(c);
}

Test(discover, best_prefers_final_gil_builds)
{
    interp_list_t l;
    build_mixed(&l);
    interp_list_sort(&l);
    const interp_t *b = discover_best(&l, NULL);
    cr_assert_not_null(b);
    cr_assert_str_eq(b->path, "/e/python3.13");

    pyreq_t *r = req("3.12");
    b = discover_best(&l, r);
    cr_assert_not_null(b);
    cr_assert_str_eq(b->path, "/g/python3.12");
    pyreq_free(r);

    r = req("3.13t");
    b = discover_best(&l, r);
    cr_assert_not_null(b);
    cr_assert_str_eq(b->path, "/c/python3.13t");
    pyreq_free(r);

    r = req("pypy@3.13");
    b = discover_best(&l, r);
    cr_assert_not_null(b);
    cr_assert_str_eq(b->path, "/b/pypy3.13");
    pyreq_free(r);

    /* A pre-release only when nothing else fits. */
    r = req(">=3.13");
    b = discover_best(&l, r);
    cr_assert_not_null(b);
    cr_assert_str_eq(b->path, "/e/python3.13");
    pyreq_free(r);
    r = req("3.14");
    b = discover_best(&l, r);
    cr_assert_not_null(b);
    cr_assert_str_eq(b->path, "/d/python3.14");
    pyreq_free(r);

    /* Never one that cannot host a venv. */
    r = req("2.7");
    cr_assert_null(discover_best(&l, r));
    pyreq_free(r);
    r = req("3.10");
    cr_assert_null(discover_best(&l, r));
    pyreq_free(r);
    interp_list_free(&l);
}

Test(discover, describe_and_hint)
{
    interp_list_t l;
    build_mixed(&l);
    interp_list_sort(&l);
    char *d = discover_describe(&l);
    cr_assert(strstr(d, "found 8 interpreters"), "%s", d);
    cr_assert(strstr(d, "3.13.0t"), "%s", d);
    cr_assert(strstr(d, "/f/python  (cannot host a virtual environment)"), "%s", d);
    free(d);
    pyreq_t *r = req("3.10");
    char *h = discover_install_hint(r);
    cr_assert(strstr(h, "pyenv install 3.10"), "%s", h);
    cr_assert(strstr(h, "apt install python3.10-venv"), "%s", h);
    free(h);
    pyreq_free(r);
    interp_list_free(&l);

    interp_list_t empty = {0};
    d = discover_describe(&empty);
    cr_assert(strstr(d, "no Python interpreters were found"), "%s", d);
    free(d);
}

/* ---- .python-version -------------------------------------------------------------------- */

Test(discover, python_version_parse_rules)
{
    char *v = python_version_parse("\n  # pinned for CI\n\n  3.12.1  \n3.11\n");
    cr_assert_str_eq(v, "3.12.1");
    free(v);
    v = python_version_parse("pypy3.10\r\n");
    cr_assert_str_eq(v, "pypy3.10");
    free(v);
    v = python_version_parse(">=3.10, <3.13");
    cr_assert_str_eq(v, ">=3.10, <3.13");
    free(v);
    cr_assert_null(python_version_parse(""));
    cr_assert_null(python_version_parse("# only a comment\n   \n"));
}

Test(discover, python_version_file_searches_parents)
{
    char *d = tmpdir();
    char *deep = path_joinv(d, "a", "b", "c", (char *)NULL);
    cr_assert_null(fs_mkdirs(deep, 0755));
    cr_assert_null(python_version_file(deep));

    char *top = path_join(d, ".python-version");
    write_file(top, "# project default\n3.11\n", 0644);
    char *v = python_version_file(deep);
    cr_assert_str_eq(v, "3.11");
    free(v);

    /* The nearest file wins... */
    char *mid = path_joinv(d, "a", ".python-version", (char *)NULL);
    write_file(mid, "3.12\n", 0644);
    v = python_version_file(deep);
    cr_assert_str_eq(v, "3.12");
    free(v);
    /* ...even when it says nothing usable (as pyenv). */
    write_file(mid, "# nothing\n\n", 0644);
    cr_assert_null(python_version_file(deep));
    /* A directory of that name is not a file. */
    unlink(mid);
    cr_assert_null(fs_mkdirs(mid, 0755));
    v = python_version_file(deep);
    cr_assert_str_eq(v, "3.11");
    free(v);
    fs_rmtree(d);
    free(mid);
    free(top);
    free(deep);
    free(d);
}

/* ---- discovery over a fake tree --------------------------------------------------------- */

static const char *real_python(void)
{
    if (access("/usr/bin/python3.11", X_OK) == 0)
        return "/usr/bin/python3.11";
    if (access("/usr/bin/python3", X_OK) == 0)
        return "/usr/bin/python3";
    cr_skip_test("no /usr/bin/python3 here");
    return NULL;
}

static void copy_file(const char *from, const char *to)
{
    buf_t b = BUF_INIT;
    cr_assert(fs_try_read(from, &b), "cannot read %s", from);
    char *dir = path_dirname(to);
    cr_assert_null(fs_mkdirs(dir, 0755));
    free(dir);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f);
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    chmod(to, 0755);
    buf_free(&b);
}

static const interp_t *by_path(const interp_list_t *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i]->path, path) == 0)
            return l->items[i];
    return NULL;
}

static const interp_t *by_realpath(const interp_list_t *l, const char *path)
{
    char *real = path_real(path);
    const interp_t *r = NULL;
    for (size_t i = 0; real && i < l->n && !r; i++)
        if (strcmp(l->items[i]->realpath, real) == 0)
            r = l->items[i];
    free(real);
    return r;
}

static bool skipped_mentions(const interp_list_t *l, const char *s)
{
    for (size_t i = 0; l->skipped && l->skipped[i]; i++)
        if (strstr(l->skipped[i], s))
            return true;
    return false;
}

Test(discover, fake_tree)
{
    const char *sys_py = real_python();
    char *d = tmpdir();
    char *cache = path_join(d, "cache");

    /* A managed install: <dir>/<name>/bin/python3 (a copy, so its realpath is its own). */
    char *managed = path_join(d, "managed");
    char *m_exe = path_joinv(managed, "cpython-3.11-x", "bin", "python3", (char *)NULL);
    copy_file(sys_py, m_exe);

    /* A pyenv root: one version (a copy), and shims that must be skipped. */
    char *pyenv = path_join(d, "pyenv");
    char *p_exe = path_joinv(pyenv, "versions", "3.11.99", "bin", "python3.11", (char *)NULL);
    copy_file(sys_py, p_exe);
    char *p_link = path_joinv(pyenv, "versions", "3.11.99", "bin", "python3", (char *)NULL);
    cr_assert_eq(symlink("python3.11", p_link), 0);
    char *shim = path_joinv(pyenv, "shims", "python3", (char *)NULL);
    char *shim_text = xasprintf("#!/usr/bin/env bash\nexport PYENV_ROOT=\"%s\"\n"
                                "exec \"%s/libexec/pyenv\" exec \"$program\" \"$@\"\n", pyenv, pyenv);
    write_file(shim, shim_text, 0755);
    free(shim_text);
    /* A shim-like script elsewhere on PATH (asdf style) is skipped as well. */
    char *pathdir = path_join(d, "path");
    char *asdf = path_join(pathdir, "python3.7");
    write_file(asdf, "#!/usr/bin/env bash\nexec asdf exec python3.7 \"$@\"\n", 0755);
    /* A broken candidate: a script that is not Python. */
    char *broken = path_join(pathdir, "python3.19");
    write_file(broken, "#!/bin/sh\necho 'I am not Python' >&2\nexit 1\n", 0755);
    /* Names that are not interpreters are ignored even when executable. */
    char *cfg = path_join(pathdir, "python3.11-config");
    write_file(cfg, "#!/bin/sh\nexit 1\n", 0755);
    /* A symlink on PATH to the pyenv copy: a duplicate, dropped. */
    char *dup = path_join(pathdir, "python3");
    cr_assert_eq(symlink(p_exe, dup), 0);
    /* A virtual environment's bin on PATH: its interpreter is replaced by its base's home. */
    char *venv = path_join(d, "venv");
    char *vbin = path_join(venv, "bin");
    char *other = path_joinv(d, "other", "bin", "python3.11", (char *)NULL);
    copy_file(sys_py, other);
    char *otherbin = path_dirname(other);
    char *cfgtext = xasprintf("home = %s\ninclude-system-site-packages = false\n", otherbin);
    char *venvcfg = path_join(venv, "pyvenv.cfg");
    write_file(venvcfg, cfgtext, 0644);
    free(cfgtext);
    cr_assert_null(fs_mkdirs(vbin, 0755));
    char *vexe = path_join(vbin, "python");
    cr_assert_eq(symlink(other, vexe), 0);

    char *shimdir = path_join(pyenv, "shims");
    char *path = xasprintf("%s:%s:%s:relative/bin", shimdir, pathdir, vbin);
    char *uvdir = path_join(d, "uv");
    discover_opts_t o = {.cache_dir = cache, .path = path, .pyenv_root = pyenv,
                         .managed_dir = managed, .uv_dir = uvdir};
    interp_list_t l;
    discover_stats_t st;
    cr_assert_null(discover_all_stats(&o, &l, &st));

    const interp_t *m = by_path(&l, m_exe);
    cr_assert_not_null(m, "managed interpreter not found");
    cr_assert_str_eq(m->exe_name, "python3");
    const interp_t *p = by_path(&l, p_exe);
    cr_assert_not_null(p, "pyenv interpreter not found under its versioned name");
    char *p_bin = path_dirname(p_exe);
    cr_assert_str_eq(p->home, p_bin);
    free(p_bin);
    cr_assert_null(by_path(&l, p_link), "python3 -> python3.11 must be deduplicated");
    cr_assert_null(by_path(&l, dup), "a PATH link to a pyenv interpreter must be deduplicated");
    cr_assert_null(by_path(&l, shim));
    cr_assert_null(by_path(&l, asdf));
    cr_assert_not(skipped_mentions(&l, "shims"), "shims are skipped silently");
    cr_assert_not(skipped_mentions(&l, asdf));
    cr_assert_null(by_path(&l, cfg));
    cr_assert_null(by_path(&l, vexe), "a venv's interpreter is not listed");
    const interp_t *o_py = by_path(&l, other);
    cr_assert_not_null(o_py, "the venv's base (its pyvenv.cfg home) is searched");
    cr_assert(skipped_mentions(&l, broken), "the broken candidate is reported");
    cr_assert(skipped_mentions(&l, "I am not Python"));
    /* /usr/bin is always searched. */
    cr_assert_not_null(by_realpath(&l, sys_py));
    /* Every path is listed once. */
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = i + 1; j < l.n; j++)
            cr_assert_str_neq(l.items[i]->realpath, l.items[j]->realpath);
    /* Best first. */
    for (size_t i = 1; i < l.n; i++)
        cr_assert_leq(interp_cmp_best(l.items[i - 1], l.items[i]), 0);
    cr_assert_eq(st.candidates, l.n + strv_len(l.skipped));
    cr_assert_gt(st.probed, 0);
    size_t n_first = l.n;
    interp_list_free(&l);

    /* Second run: everything from the cache, no Python started (the broken one included). */
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_eq(st.probed, 0, "second discovery started %zu Pythons", st.probed);
    cr_assert_eq(l.n, n_first);
    cr_assert_not_null(by_path(&l, p_exe));
    interp_list_free(&l);

    /* Touch one interpreter: exactly that one is probed again. */
    struct timespec ts[2] = {{.tv_sec = 1600000000, .tv_nsec = 0}, {.tv_sec = 1600000000, .tv_nsec = 0}};
    cr_assert_eq(utimensat(AT_FDCWD, m_exe, ts, 0), 0);
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_eq(st.probed, 1);
    interp_list_free(&l);

    /* python_resolve: a version that is there, a path, and one that is not. */
    interp_t *py = NULL;
    pyreq_t *r = req("3.11");
    err_t *e = python_resolve(r, d, &o, &py);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(py->minor, 11);
    interp_free(py);
    pyreq_free(r);

    r = req(other);
    e = python_resolve(r, d, &o, &py);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(py->path, other);
    interp_free(py);
    pyreq_free(r);

    r = req("9.9");
    e = python_resolve(r, d, &o, &py);
    cr_assert_not_null(e);
    cr_assert_null(py);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert(strstr(e->msg, "'9.9'"), "%s", e->msg);
    cr_assert(strstr(e->msg, p_exe), "the error lists what was found: %s", e->msg);
    cr_assert_not_null(e->hint);
    cr_assert(strstr(e->hint, "pyenv install 9.9"), "%s", e->hint);
    err_free(e);
    pyreq_free(r);

    fs_rmtree(d);
    free(uvdir);
    free(path);
    free(shimdir);
    free(vexe);
    free(venvcfg);
    free(otherbin);
    free(other);
    free(vbin);
    free(venv);
    free(dup);
    free(cfg);
    free(broken);
    free(asdf);
    free(pathdir);
    free(shim);
    free(p_link);
    free(p_exe);
    free(pyenv);
    free(m_exe);
    free(managed);
    free(cache);
    free(d);
}

/* The discovery cache: a second discovery reads no directory while nothing it looked at has
 * changed; a new name, a changed file, other places to search each scan again; a scan that
 * met a change of the last 2 seconds is not remembered. */
Test(discover, cache_by_identity)
{
    const char *sys_py = real_python();
    char *d = tmpdir();
    char *cache = path_join(d, "cache");
    /* one level down: a directory's parent is watched (a pyvenv.cfg there would make its
     * interpreters a venv's), and the cache is written into d */
    char *pathdir = path_joinv(d, "t", "path", (char *)NULL);
    char *a = path_join(pathdir, "python3.11");
    copy_file(sys_py, a);
    char *pyenv = path_joinv(d, "t", "pyenv", (char *)NULL);
    char *p_exe = path_joinv(pyenv, "versions", "3.11.99", "bin", "python3.11", (char *)NULL);
    copy_file(sys_py, p_exe);
    char *p_link = path_joinv(pyenv, "versions", "3.11.99", "bin", "python3", (char *)NULL);
    cr_assert_eq(symlink("python3.11", p_link), 0);
    sleep(3);                /* older than the racy window */

    discover_opts_t o = {.cache_dir = cache, .path = pathdir, .pyenv_root = pyenv};
    interp_list_t l;
    discover_stats_t st;
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_not(st.from_cache);
    size_t n = l.n;
    cr_assert_not_null(by_path(&l, a));
    cr_assert_not_null(by_path(&l, p_exe));
    cr_assert_null(by_path(&l, p_link));
    interp_list_free(&l);

    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert(st.from_cache, "nothing changed: the candidates come from the cache");
    cr_assert_eq(st.probed, 0);
    cr_assert_eq(l.n, n);
    cr_assert_not_null(by_path(&l, a));
    const interp_t *p = by_path(&l, p_exe);
    cr_assert_not_null(p);
    char *real = path_real(p_exe);
    cr_assert_str_eq(p->realpath, real);
    free(real);
    cr_assert_null(by_path(&l, p_link));
    interp_list_free(&l);

    /* Other places to search: scanned, and the answer differs. */
    discover_opts_t o2 = o;
    o2.pyenv_root = NULL;
    cr_assert_null(discover_all_stats(&o2, &l, &st));
    cr_assert_not(st.from_cache);
    cr_assert_null(by_path(&l, p_exe));
    interp_list_free(&l);

    /* A new interpreter in a directory searched: found at once. */
    char *b = path_join(pathdir, "python3.12");
    copy_file(sys_py, b);
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_not(st.from_cache);
    cr_assert_not_null(by_path(&l, b));
    interp_list_free(&l);
    /* That scan met a change of the last seconds: not remembered, scanned again. */
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_not(st.from_cache);
    cr_assert_not_null(by_path(&l, b));
    interp_list_free(&l);

    /* A candidate no longer executable (its ctime changes, its directory does not). */
    sleep(3);
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_not(st.from_cache);
    interp_list_free(&l);
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert(st.from_cache);
    interp_list_free(&l);
    cr_assert_eq(chmod(a, 0644), 0);
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_not(st.from_cache);
    cr_assert_null(by_path(&l, a), "a file that is not executable is no candidate");
    interp_list_free(&l);

    /* A damaged cache file is a miss, never an error. */
    char *file = path_join(cache, "discovery-v1.txt");
    write_file(file, "venvsync-discovery 1\nk nonsense\nc /x\n", 0644);
    cr_assert_null(discover_all_stats(&o, &l, &st));
    cr_assert_not(st.from_cache);
    cr_assert_not_null(by_path(&l, b));
    interp_list_free(&l);

    fs_rmtree(d);
    free(file);
    free(b);
    free(p_link);
    free(p_exe);
    free(pyenv);
    free(a);
    free(pathdir);
    free(cache);
    free(d);
}

/* ---- the default interpreter: what `python3` runs, pyenv's shims resolved by pyenv's rules -- */

static void exe(const char *dir, const char *rel)
{
    char *p = support_write(dir, rel, "#!/bin/sh\nexit 0\n");
    cr_assert_eq(chmod(p, 0755), 0);
    free(p);
}

Test(discover, default_is_what_python3_on_path_runs)
{
    char *d = support_tmpdir("venvsync-default");
    exe(d, "sys/python3");
    exe(d, "pyenv/shims/python3");
    exe(d, "pyenv/versions/3.11.2/bin/python3");
    exe(d, "pyenv/versions/3.11.9/bin/python3");
    exe(d, "pyenv/versions/3.12.1/bin/python3");
    free(support_write(d, "empty/README", "no python here"));
    char *sys = path_join(d, "sys"), *shims = path_join(d, "pyenv/shims");
    char *root = path_join(d, "pyenv"), *empty = path_join(d, "empty");
    char *proj = path_join(d, "proj");
    cr_assert_null(fs_mkdirs(proj, 0755));
    char *sys_py = path_join(sys, "python3");
    char *v3119 = path_join(root, "versions/3.11.9/bin/python3");
    char *v3121 = path_join(root, "versions/3.12.1/bin/python3");
    char *got;

    /* no pyenv in front: the first python3 on PATH */
    char *p1 = xasprintf("%s:%s:%s", empty, sys, shims);
    discover_opts_t o = {.path = p1, .pyenv_root = root};
    got = discover_default(&o, proj);
    cr_assert_str_eq(got, sys_py);
    free(got);

    /* the shims first: PYENV_VERSION, then .python-version, then the global file */
    char *p2 = xasprintf("%s:%s", shims, sys);
    o.path = p2;
    o.pyenv_version = "3.12.1";
    got = discover_default(&o, proj);
    cr_assert_str_eq(got, v3121);
    free(got);
    o.pyenv_version = "9.9:3.12.1";
    got = discover_default(&o, proj);
    cr_assert_str_eq(got, v3121, "the first installed of a list");
    free(got);
    o.pyenv_version = NULL;
    free(support_write(d, "proj/.python-version", "3.11\n"));
    got = discover_default(&o, proj);
    cr_assert_str_eq(got, v3119, "a prefix picks the newest installed patch");
    free(got);
    free(support_write(d, "proj/.python-version", "system\n"));
    got = discover_default(&o, proj);
    cr_assert_str_eq(got, sys_py, "`system` is the python3 after the shims");
    free(got);
    char *pv = path_join(proj, ".python-version");
    cr_assert_eq(unlink(pv), 0);
    free(support_write(d, "pyenv/version", "3.12.1\n"));
    got = discover_default(&o, proj);
    cr_assert_str_eq(got, v3121, "the global version file");
    free(got);
    char *gv = path_join(root, "version");
    cr_assert_eq(unlink(gv), 0);
    got = discover_default(&o, proj);
    cr_assert_str_eq(got, sys_py, "nothing selected: system");
    free(got);
    o.pyenv_version = "9.9";
    cr_assert_null(discover_default(&o, proj), "pyenv would fail: no default");

    free(p1), free(p2), free(pv), free(gv), free(sys), free(shims), free(root), free(empty);
    free(proj), free(sys_py), free(v3119), free(v3121);
    support_tmpdir_free(d);
}
