/* Unit tests for pkg/want: markers, pins, merging, constraints and hash-checking mode. */
#include <criterion/criterion.h>

#include "python/target.h"
#include "support.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolve/want.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

#define HA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static char *tmpdir;

static void setup(void)
{
    tmpdir = support_tmpdir("want-test");
}

static void teardown(void)
{
    support_tmpdir_free(tmpdir);
}

TestSuite(want, .init = setup, .fini = teardown);

static interp_t py311(void)
{
    return support_debian311();
}

static char *put(const char *rel, const char *content)
{
    return support_write(tmpdir, rel, content);
}

static bool has(const char *hay, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool has(const char *hay, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    bool r = strstr(hay, buf_cstr(&b)) != NULL;
    buf_free(&b);
    return r;
}

/* Writes r.txt with text and resolves it for py. */
static err_t *resolve(const char *text, const interp_t *py, want_set_t **out)
{
    char *p = put("r.txt", text);
    reqfile_t *rf = reqfile_new();
    err_t *e = reqfile_parse_file(rf, p, false, NULL);
    free(p);
    cr_assert_null(e, "parse: %s", e ? e->msg : "");
    marker_env_t env;
    target_marker_env(py, &env);
    return want_resolve(rf, &env, out);
}

static want_set_t *resolve_ok(const char *text, const interp_t *py)
{
    want_set_t *w = NULL;
    err_t *e = resolve(text, py, &w);
    if (e) {
        for (err_t *x = e; x; x = x->next)
            cr_log_error("unexpected: %s", x->msg);
        err_free(e);
        cr_assert_fail("did not resolve");
    }
    cr_assert_not_null(w);
    return w;
}

/* The error messages, one per line. */
static char *resolve_err(const char *text, const interp_t *py)
{
    want_set_t *w = (want_set_t *)0x1;
    err_t *e = resolve(text, py, &w);
    cr_assert_not_null(e, "expected an error for:\n%s", text);
    cr_assert_null(w);
    buf_t b = BUF_INIT;
    for (err_t *x = e; x; x = x->next) {
        cr_expect_eq(x->exit_code, EXIT_USAGE);
        buf_printf(&b, "%s\n", x->msg);
    }
    err_free(e);
    return buf_detach(&b);
}

Test(want, marker_env_adapter)
{
    interp_t py = py311();
    marker_env_t env;
    memset(&env, 0x5a, sizeof env);
    target_marker_env(&py, &env);
    cr_expect_eq(env.os_name, py.m_os_name);
    cr_expect_eq(env.sys_platform, py.m_sys_platform);
    cr_expect_eq(env.platform_machine, py.m_platform_machine);
    cr_expect_eq(env.platform_python_implementation, py.m_platform_python_implementation);
    cr_expect_eq(env.platform_release, py.m_platform_release);
    cr_expect_eq(env.platform_system, py.m_platform_system);
    cr_expect_eq(env.platform_version, py.m_platform_version);
    cr_expect_eq(env.python_version, py.m_python_version);
    cr_expect_eq(env.python_full_version, py.m_python_full_version);
    cr_expect_eq(env.implementation_name, py.m_implementation_name);
    cr_expect_eq(env.implementation_version, py.m_implementation_version);
    cr_expect_null(env.extra);
}

Test(want, markers_select_per_interpreter)
{
    const char *text = "tomli==2.0.1; python_version < '3.11'\n"
                       "exceptiongroup==1.2.0 ; python_full_version < '3.11.0'\n"
                       "uvloop==0.19.0 ; sys_platform != 'win32' and platform_machine == 'x86_64'\n"
                       "pywin32==306 ; sys_platform == 'win32'\n"
                       "colorama==0.4.6 ; os_name == 'nt'\n"
                       "typing-extensions==4.12.2 ; python_version >= '3.8'\n"
                       "extra-only==1.0 ; extra == 'test'\n"
                       "unpinned-but-inapplicable>=1 ; python_version < '3'\n";
    interp_t py = py311();
    want_set_t *w = resolve_ok(text, &py);
    cr_assert_eq(w->n, 2);
    cr_expect_str_eq(w->pkgs[0].key, "typing-extensions");
    cr_expect_str_eq(w->pkgs[1].key, "uvloop");
    want_set_free(w);

    interp_t old = py311();
    old.minor = 10;
    old.m_python_version = "3.10";
    old.m_python_full_version = "3.10.14";
    old.m_platform_machine = "aarch64";
    w = resolve_ok(text, &old);
    cr_assert_eq(w->n, 3);
    cr_expect_str_eq(w->pkgs[0].key, "exceptiongroup");
    cr_expect_str_eq(w->pkgs[1].key, "tomli");
    cr_expect_str_eq(w->pkgs[2].key, "typing-extensions");
    want_set_free(w);

    interp_t win = py311();
    win.m_os_name = "nt";
    win.m_sys_platform = "win32";
    w = resolve_ok(text, &win);
    cr_assert_eq(w->n, 3);
    cr_expect_str_eq(w->pkgs[0].key, "colorama");
    cr_expect_str_eq(w->pkgs[1].key, "pywin32");
    want_set_free(w);
}

Test(want, unpinned_requirements_are_errors)
{
    interp_t py = py311();
    char *got = resolve_err("ok==1.0\n"
                            "requests>=2\n"
                            "flask\n"
                            "django==4.2.*\n"
                            "numpy==1.26,==1.26\n"
                            "attrs~=23.1\n",
                            &py);
    char *want = xasprintf(
        "%1$s/r.txt:2: unpinned requirement 'requests>=2'; venvsync installs exact pins only (a "
        "resolver comes later)\n"
        "%1$s/r.txt:3: unpinned requirement 'flask'; venvsync installs exact pins only (a "
        "resolver comes later)\n"
        "%1$s/r.txt:4: unpinned requirement 'django==4.2.*'; venvsync installs exact pins only "
        "(a resolver comes later)\n"
        "%1$s/r.txt:5: unpinned requirement 'numpy==1.26,==1.26'; venvsync installs exact pins "
        "only (a resolver comes later)\n"
        "%1$s/r.txt:6: unpinned requirement 'attrs~=23.1'; venvsync installs exact pins only (a "
        "resolver comes later)\n",
        tmpdir);
    cr_expect_str_eq(got, want);
    free(got);
    free(want);
}

Test(want, pinned_forms_and_result_fields)
{
    free(put("dist/local_pkg-3.1-py3-none-any.whl", ""));
    interp_t py = py311();
    want_set_t *w = resolve_ok("Requests[socks]==2.32.3\n"
                               "weird===1.0-custom\n"
                               "./dist/local_pkg-3.1-py3-none-any.whl\n"
                               "six==1.16.0\n",
                               &py);
    cr_assert_eq(w->n, 4);
    const want_pkg_t *p = want_find(w, "local-pkg");
    cr_assert_not_null(p);
    cr_expect_str_eq(p->name, "local_pkg");
    cr_expect_str_eq(p->version, "3.1");
    cr_expect(p->is_local);
    char *path = path_join(tmpdir, "dist/local_pkg-3.1-py3-none-any.whl");
    cr_expect_str_eq(p->path_or_url, path);
    free(path);
    cr_expect(strncmp(p->url, "file:///tmp/want-test-", 22) == 0, "%s", p->url);
    cr_expect(p->requested);

    p = want_find(w, "requests");
    cr_assert_not_null(p);
    cr_expect_str_eq(p->name, "Requests");
    cr_expect_str_eq(p->version, "2.32.3");
    cr_expect_not(p->arbitrary);
    cr_assert_eq(p->nextras, 1);
    cr_expect_str_eq(p->extras[0], "socks");
    cr_expect_null(p->path_or_url);
    cr_expect_null(p->url);
    char *o = xasprintf("%s/r.txt:1", tmpdir);
    cr_expect_str_eq(p->origin, o);
    free(o);
    char *label = want_pkg_label(p);
    cr_expect_str_eq(label, "Requests[socks]==2.32.3");
    free(label);

    p = want_find(w, "six");
    cr_expect_eq(p->nhashes, 0);
    cr_expect_not_null(p->hashes);
    cr_expect_not(w->hash_mode);

    p = want_find(w, "weird");
    cr_expect(p->arbitrary);
    cr_expect_str_eq(p->version, "1.0-custom");
    cr_expect_null(want_find(w, "nope"));
    /* sorted by key */
    for (size_t i = 1; i < w->n; i++)
        cr_expect(strcmp(w->pkgs[i - 1].key, w->pkgs[i].key) < 0);
    want_set_free(w);
}

Test(want, hash_mode_requires_hashes_everywhere)
{
    interp_t py = py311();
    char *got = resolve_err("a==1 --hash=" HA "\n"
                            "b==2\n"
                            "c==3 ; sys_platform == 'win32'\n",
                            &py);
    char *want = xasprintf("%1$s/r.txt:2: 'b==2' has no --hash, but hash-checking mode is on "
                           "(--hash at %1$s/r.txt:1): every requirement needs one\n",
                           tmpdir);
    cr_expect_str_eq(got, want, "an inapplicable entry needs no hash");
    free(got);
    free(want);

    /* pip: a hash on an entry whose marker is false still turns the mode on */
    got = resolve_err("b==2\n"
                      "c==3 ; sys_platform == 'win32' --hash=" HC "\n",
                      &py);
    cr_expect(has(got, "r.txt:1: 'b==2' has no --hash, but hash-checking mode is on (--hash at "
                       "%s/r.txt:2)", tmpdir), "%s", got);
    free(got);

    got = resolve_err("\n--require-hashes\nb==2\n", &py);
    cr_expect(has(got, "r.txt:3: 'b==2' has no --hash, but hash-checking mode is on "
                       "(--require-hashes at %s/r.txt:2)", tmpdir), "%s", got);
    free(got);

    /* hashes come out sorted */
    want_set_t *w = resolve_ok("six==1.16.0 --hash=" HB " --hash=" HA "\n", &py);
    cr_expect(w->hash_mode);
    cr_assert_eq(w->pkgs[0].nhashes, 2);
    cr_expect_str_eq(w->pkgs[0].hashes[0], HA);
    cr_expect_str_eq(w->pkgs[0].hashes[1], HB);
    want_set_free(w);

    /* without any hash the mode is off and nothing needs one */
    w = resolve_ok("a==1\nb==2\n", &py);
    cr_expect_not(w->hash_mode);
    cr_expect_null(w->hash_mode_why);
    want_set_free(w);

    /* a constraint's hash satisfies the requirement (pip intersects them) */
    free(put("c.txt", "b==2 --hash=" HB "\n"));
    w = resolve_ok("--require-hashes\n-c c.txt\nb==2\n", &py);
    cr_expect(w->hash_mode);
    cr_assert_eq(w->pkgs[0].nhashes, 1);
    cr_expect_str_eq(w->pkgs[0].hashes[0], HB);
    want_set_free(w);
}

Test(want, duplicates_merge)
{
    interp_t py = py311();
    free(put("more.txt", "Foo_Bar[y]==1.0.0\nfoo.bar>=0.9 --hash=" HB " --hash=" HC "\n"));
    want_set_t *w = resolve_ok("foo-bar[x]==1.0 --hash=" HA " --hash=" HB "\n"
                               "-r more.txt\n"
                               "FOO-BAR ; python_version >= '3'\n",
                               &py);
    cr_assert_eq(w->n, 1);
    const want_pkg_t *p = &w->pkgs[0];
    cr_expect_str_eq(p->key, "foo-bar");
    cr_expect_str_eq(p->name, "foo-bar", "display name from the first entry");
    cr_expect_str_eq(p->version, "1.0");
    cr_assert_eq(p->nextras, 2);
    cr_expect_str_eq(p->extras[0], "x");
    cr_expect_str_eq(p->extras[1], "y");
    cr_assert_eq(p->nhashes, 1, "intersection of {A,B} and {B,C}");
    cr_expect_str_eq(p->hashes[0], HB);
    want_set_free(w);

    /* an entry without hashes does not restrict */
    w = resolve_ok("z==1\nz==1 --hash=" HA "\n", &py);
    cr_assert_eq(w->pkgs[0].nhashes, 1);
    want_set_free(w);

    /* a local label is more specific: 1.0 and 1.0+cpu agree on 1.0+cpu */
    w = resolve_ok("torch==2.4.0\ntorch==2.4.0+cpu\n", &py);
    cr_expect_str_eq(w->pkgs[0].version, "2.4.0+cpu");
    want_set_free(w);
}

Test(want, conflicts)
{
    interp_t py = py311();
    char *got = resolve_err("foo==1.0\n"
                            "bar==1 --hash=" HA "\n"
                            "foo==2.0\n"
                            "bar==1 --hash=" HB "\n"
                            "baz==1.0\n"
                            "baz<1\n"
                            "torch==2.4.0+cpu\n"
                            "torch==2.4.0+cu121\n",
                            &py);
    char *want = xasprintf(
        "%1$s/r.txt:2: the hashes given for bar have none in common (%1$s/r.txt:2, "
        "%1$s/r.txt:4); pip would accept no file\n"
        "%1$s/r.txt:3: 'foo==2.0' conflicts with 'foo==1.0' (%1$s/r.txt:1)\n"
        "%1$s/r.txt:6: 'baz<1' conflicts with 'baz==1.0' (%1$s/r.txt:5)\n"
        "%1$s/r.txt:8: 'torch==2.4.0+cu121' conflicts with 'torch==2.4.0+cpu' (%1$s/r.txt:7)\n",
        tmpdir);
    cr_expect_str_eq(got, want);
    free(got);
    free(want);
}

Test(want, direct_wheels_merge_with_pins)
{
    interp_t py = py311();
    want_set_t *w = resolve_ok("foo==1.0\n"
                               "./w/foo-1.0-py3-none-any.whl\n"
                               "foo[cli]>=0.5\n",
                               &py);
    const want_pkg_t *p = &w->pkgs[0];
    cr_expect_str_eq(p->version, "1.0");
    cr_expect_not_null(p->path_or_url);
    char *o = xasprintf("%s/r.txt:2", tmpdir);
    cr_expect_str_eq(p->origin, o, "the pin comes from the wheel");
    free(o);
    cr_expect_eq(p->nextras, 1);
    char *label = want_pkg_label(p);
    cr_expect(strncmp(label, "foo[cli] @ file:///tmp/want-test-", 33) == 0, "%s", label);
    free(label);
    want_set_free(w);

    char *got = resolve_err("./w/foo-1.0-py3-none-any.whl\n"
                            "./w2/foo-1.0-py3-none-any.whl\n"
                            "foo==2.0\n",
                            &py);
    char *want = xasprintf(
        "%1$s/r.txt:2: './w2/foo-1.0-py3-none-any.whl' conflicts with "
        "'./w/foo-1.0-py3-none-any.whl' (%1$s/r.txt:1): two different wheels for foo\n"
        "%1$s/r.txt:3: 'foo==2.0' conflicts with './w/foo-1.0-py3-none-any.whl' "
        "(%1$s/r.txt:1)\n",
        tmpdir);
    cr_expect_str_eq(got, want);
    free(got);
    free(want);
}

Test(want, constraints)
{
    interp_t py = py311();
    free(put("c.txt", "requests==2.32.3\n"
                      "urllib3<2\n"
                      "idna==3.7 ; sys_platform == 'win32'\n"
                      "unused==9.9\n"));
    want_set_t *w = resolve_ok("-c c.txt\n"
                               "requests\n"
                               "urllib3==1.26.18\n"
                               "idna==3.6\n",
                               &py);
    cr_assert_eq(w->n, 3, "constraints add no package");
    const want_pkg_t *p = want_find(w, "requests");
    cr_expect_str_eq(p->version, "2.32.3", "pinned by the constraint");
    char *o = xasprintf("%s/c.txt:1", tmpdir);
    cr_expect_str_eq(p->origin, o);
    free(o);
    cr_expect_str_eq(want_find(w, "idna")->version, "3.6", "inapplicable constraint ignored");
    want_set_free(w);

    char *got = resolve_err("-c c.txt\nurllib3==2.2.1\nrequests>=2.33\n", &py);
    char *want = xasprintf(
        "%1$s/c.txt:2: constraint 'urllib3<2' excludes urllib3 2.2.1, pinned by "
        "'urllib3==2.2.1' (%1$s/r.txt:2)\n"
        "%1$s/r.txt:3: 'requests>=2.33' conflicts with 'requests==2.32.3' (%1$s/c.txt:1)\n",
        tmpdir);
    cr_expect_str_eq(got, want, "in reading order (c.txt is read at r.txt:1)");
    free(got);
    free(want);
}

Test(want, pkg_matches)
{
    want_pkg_t p = {.key = "foo", .name = "foo", .version = "1.0"};
    cr_expect(want_pkg_matches(&p, "1.0"));
    cr_expect(want_pkg_matches(&p, "1.0.0"));
    cr_expect(want_pkg_matches(&p, "1.0+local"), "a local label on the candidate is ignored");
    cr_expect_not(want_pkg_matches(&p, "1.0.1"));
    cr_expect_not(want_pkg_matches(&p, "1.0rc1"));
    cr_expect_not(want_pkg_matches(&p, "1.0.post1"));
    cr_expect_not(want_pkg_matches(&p, "not a version"));
    p.version = "1.0+cpu";
    cr_expect(want_pkg_matches(&p, "1.0+cpu"));
    cr_expect_not(want_pkg_matches(&p, "1.0"));
    cr_expect_not(want_pkg_matches(&p, "1.0+cu121"));
    p.version = "1.0-Custom";
    p.arbitrary = true;
    cr_expect(want_pkg_matches(&p, "1.0-custom"));
    cr_expect_not(want_pkg_matches(&p, "1.0"));
    p.version = "1.0";
    cr_expect(want_pkg_matches(&p, "1.0"));
    cr_expect_not(want_pkg_matches(&p, "1.0.0"), "=== is string equality");
}

Test(want, marker_evaluation_errors_name_the_line)
{
    interp_t py = py311();
    char *got = resolve_err("a==1\nb==1 ; os_name ~= 'posix'\n", &py);
    cr_expect(has(got, "%s/r.txt:2: ", tmpdir), "%s", got);
    free(got);
}

Test(want, for_env_from_manifest)
{
    free(put("proj/requirements/dev.txt", "-c ../constraints.txt\nrequests\npytest==8.2.2\n"));
    free(put("proj/constraints.txt", "requests==2.32.3\n"));
    free(put("proj/wheels/mine-0.1-py3-none-any.whl", ""));
    char *mfpath = path_join(tmpdir, "proj/venv.yaml");
    const char *text = "version: 1\n"
                       "environments:\n"
                       "  dev:\n"
                       "    packages:\n"
                       "      - tomli==2.0.1; python_version < '3.11'\n"
                       "      - attrs==23.2.0\n"
                       "      - wheels/mine-0.1-py3-none-any.whl\n"
                       "    requirements:\n"
                       "      - requirements/dev.txt\n"
                       "  broken:\n"
                       "    packages: [\"flask>=3\"]\n"
                       "    requirements: [missing.txt]\n";
    manifest_t *m = NULL;
    err_t *e = manifest_parse(text, strlen(text), mfpath, support_env(), &m);
    cr_assert_null(e, "%s", e ? e->msg : "");
    interp_t py = py311();
    marker_env_t menv;
    target_marker_env(&py, &menv);
    want_set_t *w = NULL;
    e = want_for_env(m, manifest_env(m, "dev"), &menv, NULL, &w);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(w->n, 4);
    cr_expect_str_eq(w->pkgs[0].key, "attrs");
    char *o = xasprintf("%s:6:9", mfpath);
    cr_expect_str_eq(w->pkgs[0].origin, o);
    free(o);
    cr_expect_str_eq(w->pkgs[1].key, "mine");
    cr_expect(w->pkgs[1].is_local);
    cr_expect_str_eq(w->pkgs[2].key, "pytest");
    cr_expect_str_eq(w->pkgs[3].key, "requests");
    cr_expect_str_eq(w->pkgs[3].version, "2.32.3");
    cr_assert_eq(w->rf->nfiles, 2, "the files to watch");
    want_set_free(w);

    e = want_for_env(m, manifest_env(m, "broken"), &menv, NULL, &w);
    cr_assert_not_null(e);
    cr_expect_null(w);
    char *want = xasprintf("%s:12:20: requirements file %s/proj/missing.txt does not exist",
                           mfpath, tmpdir);
    cr_expect_str_eq(e->msg, want);
    free(want);
    cr_expect_null(e->next, "parse errors stop before resolving");
    err_free(e);

    /* unpinned manifest packages are reported at their line and column */
    const char *t2 = "version: 1\nenvironments:\n  x:\n    packages: [\"flask>=3\"]\n";
    manifest_t *m2 = NULL;
    cr_assert_null(manifest_parse(t2, strlen(t2), mfpath, support_env(), &m2));
    e = want_for_env(m2, manifest_env(m2, "x"), &menv, NULL, &w);
    cr_assert_not_null(e);
    want = xasprintf("%s:4:16: unpinned requirement 'flask>=3'; venvsync installs exact pins "
                     "only (a resolver comes later)", mfpath);
    cr_expect_str_eq(e->msg, want);
    free(want);
    err_free(e);
    manifest_free(m2);
    manifest_free(m);
    free(mfpath);
}
