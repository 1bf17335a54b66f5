/*
 * probe: file identities, the cache entry format, parsing the probe's output, and probing real
 * interpreters with and without the cache (the second probe must not start Python).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "python/probe.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/venvsync-probe-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return xstrdup(d);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void copy_file(const char *from, const char *to)
{
    buf_t b = BUF_INIT;
    cr_assert(fs_try_read(from, &b), "cannot read %s", from);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f);
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    chmod(to, 0755);
    buf_free(&b);
}

/* A real CPython 3 to probe: Debian's, else the first python3 on PATH. */
static const char *real_python(void)
{
    static char found[4096];
    if (access("/usr/bin/python3.11", X_OK) == 0)
        return "/usr/bin/python3.11";
    const char *path = getenv("PATH");
    char *copy = xstrdup(path ? path : "/usr/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(found, sizeof found, "%s/python3", d);
        if (strstr(d, "shims") == NULL && access(found, X_OK) == 0) {
            free(copy);
            return found;
        }
    }
    free(copy);
    cr_skip_test("no python3 to probe");
    return NULL;
}

static size_t count_entries(const char *cache)
{
    char *dir = path_join(cache, "interpreters");
    char **names = NULL;
    err_t *e = fs_list_dir(dir, &names);
    free(dir);
    if (e) {
        err_free(e);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; names[i]; i++)
        if (names[i][0] != '.')
            n++;
    strv_free(names);
    return n;
}

/* ---- file identity ---------------------------------------------------------------------- */

Test(probe, file_id_roundtrip)
{
    file_id_t a = {.dev = 2049, .ino = 123456789012ULL, .size = 6831736,
                   .mtime_ns = 1745800000123456789LL, .ctime_ns = -5};
    char *s = file_id_format(&a);
    cr_assert_str_eq(s, "2049:123456789012:6831736:1745800000123456789:-5");
    file_id_t b;
    cr_assert(file_id_parse(s, &b));
    cr_assert(file_id_equal(&a, &b));
    b.ctime_ns++;
    cr_assert_not(file_id_equal(&a, &b));
    free(s);
}

Test(probe, file_id_parse_rejects_garbage)
{
    file_id_t id;
    const char *bad[] = {"", "1:2:3:4", "1:2:3:4:5:6", "1:2:3:4:5x", "a:2:3:4:5", "1::3:4:5",
                         "-1:2:3:4:5", "1:2:3:4: 5", "99999999999999999999999:2:3:4:5", NULL};
    for (size_t i = 0; bad[i]; i++)
        cr_assert_not(file_id_parse(bad[i], &id), "accepted '%s'", bad[i]);
    cr_assert_not(file_id_parse(NULL, &id));
}

Test(probe, file_id_of_follows_changes)
{
    char *d = tmpdir();
    char *f = path_join(d, "x");
    write_file(f, "abc", 0644);
    file_id_t a, b;
    cr_assert(file_id_of(f, &a));
    cr_assert_eq(a.size, 3);
    cr_assert(file_id_of(f, &b));
    cr_assert(file_id_equal(&a, &b));
    struct timespec ts[2] = {{.tv_sec = 1000000000, .tv_nsec = 5}, {.tv_sec = 1000000000, .tv_nsec = 5}};
    cr_assert_eq(utimensat(AT_FDCWD, f, ts, 0), 0);
    cr_assert(file_id_of(f, &b));
    cr_assert_eq(b.mtime_ns, 1000000000LL * 1000000000LL + 5);
    cr_assert_not(file_id_equal(&a, &b));
    /* A symlink has the identity of its target. */
    char *l = path_join(d, "link");
    cr_assert_eq(symlink(f, l), 0);
    file_id_t c;
    cr_assert(file_id_of(l, &c));
    cr_assert(file_id_equal(&b, &c));
    cr_assert_not(file_id_of("/nonexistent/venvsync", &c));
    fs_rmtree(d);
    free(f);
    free(l);
    free(d);
}

/* ---- cache entry format ----------------------------------------------------------------- */

Test(probe, cache_entry_roundtrip_and_staleness)
{
    file_id_t id = {1, 2, 3, 4, 5};
    const char *out = "probe_format=1\nversion=3.12.1\nend=1\n";
    char *entry = probe_cache_entry_format("/usr/bin/python3.12", &id, out);
    cr_assert(strncmp(entry, "venvsync-interpreter-cache 1\nprobe=", 35) == 0, "%s", entry);
    const char *got = probe_cache_entry_parse(entry, "/usr/bin/python3.12", &id);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, out);

    /* Another identity, another realpath: not this entry. */
    file_id_t other = id;
    other.ctime_ns = 6;
    cr_assert_null(probe_cache_entry_parse(entry, "/usr/bin/python3.12", &other));
    other = id;
    other.ino = 7;
    cr_assert_null(probe_cache_entry_parse(entry, "/usr/bin/python3.12", &other));
    cr_assert_null(probe_cache_entry_parse(entry, "/usr/bin/python3.13", &id));

    /* Another format version, or another probe script: ignored. */
    char *old = xstrdup(entry);
    old[strlen("venvsync-interpreter-cache ")] = '0';
    cr_assert_null(probe_cache_entry_parse(old, "/usr/bin/python3.12", &id));
    free(old);
    char *p = strstr(entry, "probe=") + 6;
    char *tampered = xstrdup(entry);
    tampered[p - entry] = *p == 'a' ? 'b' : 'a';
    cr_assert_null(probe_cache_entry_parse(tampered, "/usr/bin/python3.12", &id));
    free(tampered);

    /* Truncated entries are misses, never crashes. */
    for (size_t n = 0; n < strlen(entry) - strlen(out); n++) {
        char *cut = xstrndup(entry, n);
        cr_assert_null(probe_cache_entry_parse(cut, "/usr/bin/python3.12", &id), "cut at %zu", n);
        free(cut);
    }
    free(entry);
}

Test(probe, cache_path_is_name_hash_of_realpath)
{
    char *p = probe_cache_path("/c", "/usr/bin/python3.11");
    /* hash_name_hex("/usr/bin/python3.11"): 32 hex digits */
    cr_assert(strncmp(p, "/c/interpreters/", 16) == 0, "%s", p);
    cr_assert_eq(strlen(p), 16 + 32 + 4);
    cr_assert_str_eq(p + 16 + 32, ".txt");
    char *q = probe_cache_path("/c", "/usr/bin/python3.12");
    cr_assert_str_neq(p, q);
    free(p);
    free(q);
}

/* ---- parsing the probe's output --------------------------------------------------------- */

static const char *sample =
    "probe_format=1\nversion=3.13.0\nmajor=3\nminor=13\nmicro=0\nreleaselevel=final\n"
    "implementation=cpython\nexecutable=/opt/py/bin/python3.13t\nexecutable_realpath=/opt/py/bin/python3.13t\n"
    "venv_dir=\nprefix=/opt/py\nbase_prefix=/opt/py\nbase_exec_prefix=/opt/py\n"
    "base_executable=/opt/py/bin/python3.13t\nhome=/opt/py/bin\nexe_name=python3.13t\n"
    "platlibdir=lib\nabiflags=t\ncache_tag=cpython-313\nsys_platform=linux\npointer_bits=64\n"
    "venv_capable=1\nfreethreaded=1\ndebug=0\nsoabi=cpython-313t-x86_64-linux-gnu\n"
    "ext_suffix=.cpython-313t-x86_64-linux-gnu.so\nmultiarch=x86_64-linux-gnu\n"
    "platform_tag=linux-x86_64\nvenv_purelib=lib/python3.13t/site-packages\n"
    "venv_platlib=lib/python3.13t/site-packages\nvenv_include=include/python3.13t\n"
    "venv_scripts=bin\nlibc=glibc\nlibc_version=2.36\nmachine=x86_64\nm_os_name=posix\n"
    "m_sys_platform=linux\nm_platform_machine=x86_64\nm_platform_python_implementation=CPython\n"
    "m_platform_release=6.1.0\nm_platform_system=Linux\nm_platform_version=#1 SMP\\nline two \\\\ end\n"
    "m_python_version=3.13\nm_python_full_version=3.13.0\nm_implementation_name=cpython\n"
    "m_implementation_version=3.13.0\nsome_future_key=ignored\nend=1\n";

Test(probe, parse_output_fills_every_field)
{
    interp_t *py = NULL;
    char *exe = NULL, *venv = NULL;
    err_t *e = probe_parse_output(sample, strlen(sample), &py, &exe, &venv);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(py->version, "3.13.0");
    cr_assert_eq(py->major, 3);
    cr_assert_eq(py->minor, 13);
    cr_assert_eq(py->micro, 0);
    cr_assert(py->freethreaded);
    cr_assert_not(py->debug);
    cr_assert(py->venv_capable);
    cr_assert_eq(py->pointer_bits, 64);
    cr_assert_str_eq(py->abiflags, "t");
    cr_assert_str_eq(py->venv_purelib, "lib/python3.13t/site-packages");
    cr_assert_str_eq(py->venv_include, "include/python3.13t");
    cr_assert_str_eq(py->m_platform_version, "#1 SMP\nline two \\ end");
    cr_assert_str_eq(py->m_implementation_version, "3.13.0");
    cr_assert_str_eq(exe, "/opt/py/bin/python3.13t");
    cr_assert_str_eq(venv, "");
    char *lib = interp_lib_version(py);
    cr_assert_str_eq(lib, "3.13t");
    free(lib);
    free(exe);
    free(venv);
    interp_free(py);
}

Test(probe, parse_output_rejects_incomplete_output)
{
    interp_t *py = NULL;
    /* Without the end marker (a probe killed half-way). */
    char *cut = xstrndup(sample, strstr(sample, "end=1") - sample);
    err_t *e = probe_parse_output(cut, strlen(cut), &py, NULL, NULL);
    cr_assert_not_null(e);
    cr_assert_null(py);
    cr_assert(strstr(e->msg, "incomplete"), "%s", e->msg);
    err_free(e);
    free(cut);

    /* A missing fact is named. */
    buf_t b = BUF_INIT;
    buf_add_replaced(&b, sample, "soabi=", "xsoabi=");
    e = probe_parse_output(b.data, b.len, &py, NULL, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "'soabi'"), "%s", e->msg);
    err_free(e);
    buf_free(&b);

    /* A number that is not one. */
    buf_add_replaced(&b, sample, "minor=13", "minor=x13");
    e = probe_parse_output(b.data, b.len, &py, NULL, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "'minor'"), "%s", e->msg);
    err_free(e);
    buf_free(&b);

    e = probe_parse_output("", 0, &py, NULL, NULL);
    cr_assert_not_null(e);
    err_free(e);
}

/* ---- probing with a fake interpreter (a script printing canned output) ----------------- */

Test(probe, fake_interpreter_is_probed_once_then_cached)
{
    char *d = tmpdir();
    char *cache = path_join(d, "cache");
    char *facts = path_join(d, "facts.txt");
    char *log = path_join(d, "runs.log");
    char *bin = path_join(d, "bin");
    cr_assert_null(fs_mkdirs(bin, 0755));
    /* The canned answer claims sys.executable is the script itself. */
    char *exe = path_join(bin, "python3.13t");
    buf_t b = BUF_INIT;
    buf_add_replaced(&b, sample, "/opt/py/bin/python3.13t", exe);
    write_file(facts, b.data, 0644);
    buf_free(&b);
    char *script = xasprintf("#!/bin/sh\necho run >> '%s'\ncat '%s'\n", log, facts);
    write_file(exe, script, 0755);
    free(script);

    interp_t *py = NULL;
    bool ran = false;
    err_t *e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(ran);
    cr_assert_str_eq(py->path, exe);
    cr_assert_str_eq(py->home, bin);
    cr_assert_str_eq(py->exe_name, "python3.13t");
    cr_assert_eq(count_entries(cache), 1);
    interp_free(py);

    /* Nothing changed: from the cache, the script does not run. */
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e);
    cr_assert_not(ran);
    cr_assert_str_eq(py->version, "3.13.0");
    cr_assert(py->freethreaded);
    interp_free(py);
    buf_t runs = BUF_INIT;
    cr_assert(fs_try_read(log, &runs));
    cr_assert_str_eq(runs.data, "run\n");
    buf_free(&runs);

    /* Reached through a symlink: same entry (same realpath), but home/exe_name are the link's. */
    char *link = path_join(d, "python3");
    cr_assert_eq(symlink(exe, link), 0);
    e = probe_interp(link, cache, &py, &ran);
    cr_assert_null(e);
    cr_assert_not(ran);
    cr_assert_str_eq(py->path, link);
    cr_assert_str_eq(py->realpath, exe);
    cr_assert_str_eq(py->home, d);
    cr_assert_str_eq(py->exe_name, "python3");
    interp_free(py);

    /* A cache entry of an older format is ignored and rewritten. */
    char *cpath = probe_cache_path(cache, exe);
    buf_t entry = BUF_INIT;
    cr_assert(fs_try_read(cpath, &entry));
    entry.data[strlen("venvsync-interpreter-cache ")] = '0';
    write_file(cpath, entry.data, 0644);
    buf_free(&entry);
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e);
    cr_assert(ran);
    interp_free(py);
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e);
    cr_assert_not(ran);
    interp_free(py);

    /* No cache dir: always runs. */
    e = probe_interp(exe, NULL, &py, &ran);
    cr_assert_null(e);
    cr_assert(ran);
    interp_free(py);

    fs_rmtree(d);
    free(cpath);
    free(link);
    free(exe);
    free(bin);
    free(log);
    free(facts);
    free(cache);
    free(d);
}

Test(probe, failures_are_errors_and_cached)
{
    char *d = tmpdir();
    char *cache = path_join(d, "cache");
    char *log = path_join(d, "runs.log");
    char *exe = path_join(d, "python3");
    char *script = xasprintf("#!/bin/sh\necho run >> '%s'\necho 'boom: not python' >&2\nexit 3\n",
                             log);
    write_file(exe, script, 0755);
    free(script);
    interp_t *py = NULL;
    bool ran = false;
    err_t *e = probe_interp(exe, cache, &py, &ran);
    cr_assert_not_null(e);
    cr_assert_null(py);
    cr_assert(ran);
    cr_assert(strstr(e->msg, "boom: not python"), "%s", e->msg);
    cr_assert(strstr(e->msg, exe), "%s", e->msg);
    err_free(e);
    /* The failure is remembered while the file is unchanged. */
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_not_null(e);
    cr_assert_not(ran);
    cr_assert(strstr(e->msg, "boom: not python"), "%s", e->msg);
    err_free(e);
    buf_t runs = BUF_INIT;
    cr_assert(fs_try_read(log, &runs));
    cr_assert_str_eq(runs.data, "run\n");
    buf_free(&runs);

    /* Output that is not the probe's. */
    write_file(exe, "#!/bin/sh\necho hello\n", 0755);
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_not_null(e);
    cr_assert(ran);
    err_free(e);

    /* Missing, not executable, a directory. */
    e = probe_interp("/nonexistent/python3", cache, &py, &ran);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert_not(ran);
    err_free(e);
    chmod(exe, 0644);
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "not an executable"), "%s", e->msg);
    err_free(e);
    e = probe_interp(d, cache, &py, &ran);
    cr_assert_not_null(e);
    err_free(e);
    fs_rmtree(d);
    free(exe);
    free(log);
    free(cache);
    free(d);
}

/* ---- probing real interpreters ---------------------------------------------------------- */

Test(probe, real_python_cached_until_its_binary_changes)
{
    const char *sys_py = real_python();
    char *d = tmpdir();
    char *cache = path_join(d, "cache");
    char *bin = path_join(d, "bin");
    cr_assert_null(fs_mkdirs(bin, 0755));
    /* A copy of the real binary, so its identity can be changed without touching the system. */
    char *exe = path_join(bin, path_basename(sys_py));
    copy_file(sys_py, exe);

    interp_t *py = NULL;
    bool ran = false;
    err_t *e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(ran);
    cr_assert_str_eq(py->implementation, "cpython");
    cr_assert_eq(py->major, 3);
    cr_assert(py->venv_capable);
    cr_assert_str_eq(py->path, exe);
    cr_assert_str_eq(py->home, bin);
    cr_assert_str_eq(py->exe_name, path_basename(sys_py));
    cr_assert_str_eq(py->venv_scripts, "bin");
    char *purelib = xasprintf("lib/python%d.%d/site-packages", py->major, py->minor);
    cr_assert_str_eq(py->venv_purelib, purelib);
    free(purelib);
    cr_assert_str_eq(py->m_os_name, "posix");
    cr_assert(py->pointer_bits == 32 || py->pointer_bits == 64);
    char *first_version = xstrdup(py->version);
    interp_free(py);

    /* Unchanged: no Python. */
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e);
    cr_assert_not(ran);
    cr_assert_str_eq(py->version, first_version);
    interp_free(py);

    /* Touched (new mtime and ctime): probed again, then cached again. */
    struct timespec ts[2] = {{.tv_sec = 1500000000, .tv_nsec = 0}, {.tv_sec = 1500000000, .tv_nsec = 0}};
    cr_assert_eq(utimensat(AT_FDCWD, exe, ts, 0), 0);
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e);
    cr_assert(ran);
    interp_free(py);
    e = probe_interp(exe, cache, &py, &ran);
    cr_assert_null(e);
    cr_assert_not(ran);
    interp_free(py);
    cr_assert_eq(count_entries(cache), 1);

    fs_rmtree(d);
    free(first_version);
    free(exe);
    free(bin);
    free(cache);
    free(d);
}

Test(probe, venv_interpreter_is_never_cached)
{
    const char *sys_py = real_python();
    char *d = tmpdir();
    char *cache = path_join(d, "cache");
    char *venv = path_join(d, "venv");
    char *bin = path_join(venv, "bin");
    cr_assert_null(fs_mkdirs(bin, 0755));
    char *home = path_dirname(sys_py);
    char *cfg = path_join(venv, "pyvenv.cfg");
    char *text = xasprintf("home = %s\ninclude-system-site-packages = false\n", home);
    write_file(cfg, text, 0644);
    free(text);
    char *exe = path_join(bin, "python");
    cr_assert_eq(symlink(sys_py, exe), 0);
    cr_assert(probe_is_venv_interp(exe));
    cr_assert_not(probe_is_venv_interp(sys_py));

    interp_t *py = NULL;
    bool ran = false;
    for (int i = 0; i < 2; i++) {
        err_t *e = probe_interp(exe, cache, &py, &ran);
        cr_assert_null(e, "%s", e ? e->msg : "");
        cr_assert(ran, "a venv's interpreter must be probed every time");
        cr_assert_str_eq(py->prefix, venv);
        cr_assert_str_neq(py->base_prefix, venv);
        interp_free(py);
    }
    cr_assert_eq(count_entries(cache), 0);
    fs_rmtree(d);
    free(exe);
    free(cfg);
    free(home);
    free(bin);
    free(venv);
    free(cache);
    free(d);
}

/* Every pyenv interpreter present (2.7 included) is probed without error, and 2.7 is not
 * venv-capable while 3.x are. */
Test(probe, pyenv_interpreters_when_present)
{
    const char *pr = getenv("PYENV_ROOT"), *home = getenv("HOME");
    char *root = pr && *pr ? path_join(pr, "versions")
                           : path_joinv(home ? home : "/root", ".pyenv", "versions", (char *)NULL);
    char **names = NULL;
    err_t *e = fs_list_dir(root, &names);
    if (e) {
        err_free(e);
        cr_skip_test("no pyenv versions here");
    }
    int seen = 0;
    for (size_t i = 0; names[i]; i++) {
        char *exe = path_joinv(root, names[i], "bin", "python", (char *)NULL);
        if (access(exe, X_OK) != 0) {
            free(exe);
            continue;
        }
        interp_t *py = NULL;
        bool ran = false;
        e = probe_interp(exe, NULL, &py, &ran);
        cr_assert_null(e, "%s: %s", exe, e ? e->msg : "");
        cr_assert(ran);
        cr_assert(strncmp(names[i], py->version, strlen(py->version)) == 0,
                  "%s reports %s", exe, py->version);
        cr_assert_eq(py->venv_capable, py->major >= 3, "%s", exe);
        cr_assert_str_eq(py->exe_name, "python");
        if (py->major == 3 && py->minor >= 11)
            cr_assert(strncmp(py->venv_include, "include/python3.", 16) == 0, "%s", py->venv_include);
        else
            cr_assert_str_eq(py->venv_include, "include");
        seen++;
        interp_free(py);
        free(exe);
    }
    strv_free(names);
    free(root);
    cr_assert_gt(seen, 0);
}
