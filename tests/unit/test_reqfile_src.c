/* Unit tests for pkg/reqfile: requirements that need a build (sdists, project directories,
 * -e / --editable) and the project_name hook. */
#include <criterion/criterion.h>

#include "support.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/reqfile.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

#define H64A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H64B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* The cwd is "/" (support_tmpdir): messages show absolute paths. */
static char *tmpdir;

/* ---- the fake project_name hook ---------------------------------------------------------- */

typedef struct hook {
    char **calls;          /* abs_dir of every call, in order */
    size_t n, cap;
} hook_t;

/* Names a directory after its last component ("my proj" -> "my-proj"); "broken" fails with an
 * EXIT_APPLY error and a hint, "badname" gives a name that is not one. */
static err_t *fake_name(void *ctx, const char *abs_dir, char **name)
{
    hook_t *h = ctx;
    strv_push(&h->calls, &h->n, &h->cap, xstrdup(abs_dir));
    const char *b = path_basename(abs_dir);
    if (strcmp(b, "broken") == 0)
        return err_hint(err_new(EXIT_APPLY, "the build backend failed to say the name of %s",
                                abs_dir), "see its log");
    if (strcmp(b, "badname") == 0) {
        *name = xstrdup("not a name");
        return NULL;
    }
    char *n = xstrdup(b);
    for (char *p = n; *p; p++)
        if (*p == ' ')
            *p = '-';
    *name = n;
    return NULL;
}

static hook_t hook;
static reqfile_env_t henv;

static void setup(void)
{
    tmpdir = support_tmpdir("reqfile-src-test");
    memset(&hook, 0, sizeof hook);
    henv = (reqfile_env_t){.project_name = fake_name, .project_ctx = &hook};
}

static void teardown(void)
{
    strv_free(hook.calls);
    support_tmpdir_free(tmpdir);
}

TestSuite(reqfile_src, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

static char *put(const char *rel, const char *content)
{
    return support_write(tmpdir, rel, content);
}

/* A project directory rel (with pyproject.toml). */
static void project(const char *rel)
{
    char *f = xasprintf("%s/pyproject.toml", rel);
    free(put(f, "[project]\nname = \"whatever\"\n"));
    free(f);
}

static char *abs_of(const char *rel)
{
    return path_join(tmpdir, rel);
}

static char *file_url_of(const char *rel)
{
    char *p = abs_of(rel);
    char *u = url_from_path(p);
    free(p);
    return u;
}

static reqfile_t *parse_ok_env(const char *rel, const char *content, const reqfile_env_t *env)
{
    char *p = put(rel, content);
    reqfile_t *rf = reqfile_new();
    err_t *e = reqfile_parse_file(rf, p, false, env);
    cr_assert_null(e, "unexpected error: %s", e ? e->msg : "");
    free(p);
    return rf;
}

/* The error chain as "msg\n" lines (each EXIT_USAGE unless any_code). */
static char *errs_text(err_t *e, bool any_code)
{
    buf_t b = BUF_INIT;
    for (err_t *x = e; x; x = x->next) {
        if (!any_code)
            cr_expect_eq(x->exit_code, EXIT_USAGE, "%s", x->msg);
        buf_printf(&b, "%s\n", x->msg);
    }
    err_free(e);
    return buf_detach(&b);
}

static char *parse_err_env(const char *rel, const char *content, const reqfile_env_t *env,
                           size_t *nentries)
{
    char *p = put(rel, content);
    reqfile_t *rf = reqfile_new();
    err_t *e = reqfile_parse_file(rf, p, false, env);
    cr_assert_not_null(e, "expected an error for:\n%s", content);
    if (nentries)
        *nentries = rf->n;
    reqfile_free(rf);
    free(p);
    return errs_text(e, false);
}

/* want, with every "@T" replaced by tmpdir, compared to got. */
static void expect_text(const char *got, const char *want)
{
    buf_t b = BUF_INIT;
    for (const char *p = want; *p; p++) {
        if (p[0] == '@' && p[1] == 'T') {
            buf_adds(&b, tmpdir);
            p++;
        } else {
            buf_addc(&b, *p);
        }
    }
    cr_expect_str_eq(got, buf_cstr(&b));
    buf_free(&b);
}

static void expect_dir_entry(const rf_entry_t *e, const char *rel, const char *name,
                             bool editable)
{
    char *p = abs_of(rel);
    char *u = url_from_path(p);
    cr_expect_eq(e->source, RF_SOURCE_DIR, "%s", e->text);
    cr_expect_eq(e->editable, editable, "%s", e->text);
    cr_expect(e->is_local, "%s", e->text);
    cr_expect_str_eq(e->path_or_url, p);
    cr_expect_null(e->direct_version, "%s", e->text);
    cr_expect_str_eq(e->req->name, name);
    cr_expect_str_eq(e->req->url, u);
    cr_expect_eq(e->nhashes, 0);
    free(u);
    free(p);
}

/* ---- editable ------------------------------------------------------------------------------ */

Test(reqfile_src, editable_forms)
{
    project("proj");
    project("lib");
    project("my proj");
    free(put("setuponly/setup.py", "from setuptools import setup\nsetup()\n"));
    char *lib_url = file_url_of("lib");
    char *text = xasprintf(
        "-e ./proj\n"                                   /* 1 */
        "--editable=./lib[dev,Test]\n"                  /* 2 */
        "-e./proj ; python_version >= \"3.8\"\n"        /* 3 */
        "--edit proj --config-settings k=v\n"           /* 4: a bare path, an option prefix */
        "-e %s\n"                                       /* 5: a file: URL */
        "-e Named @ ./lib ; os_name == 'posix'\n"       /* 6: no hook call */
        "-e \"./my proj\"\n"                            /* 7: quoted */
        "-e setuponly\n"                                /* 8: setup.py only */
        "-e .[x] --global-option=--y\n"                 /* 9: the file's own directory */
        "-e %s[dev]\n",                                 /* 10: a file: URL with extras */
        lib_url, lib_url);
    project(".");
    reqfile_t *rf = parse_ok_env("r.txt", text, &henv);
    free(text);
    cr_assert_eq(rf->n, 10);
    rf_entry_t *e = rf->entries;
    expect_dir_entry(&e[0], "proj", "proj", true);
    cr_expect_str_eq(e[0].text, "-e ./proj");
    cr_expect_eq(e[0].line, 1);
    cr_expect_eq(e[0].req->nextras, 0);
    cr_expect_null(e[0].req->marker);

    expect_dir_entry(&e[1], "lib", "lib", true);
    cr_assert_eq(e[1].req->nextras, 2);
    cr_expect_str_eq(e[1].req->extras[0], "dev");
    cr_expect_str_eq(e[1].req->extras[1], "test");
    cr_expect_str_eq(e[1].text, "-e ./lib[dev,Test]");

    expect_dir_entry(&e[2], "proj", "proj", true);
    cr_expect_not_null(e[2].req->marker);
    cr_expect_str_eq(e[2].text, "-e ./proj ; python_version >= \"3.8\"");

    expect_dir_entry(&e[3], "proj", "proj", true);
    expect_dir_entry(&e[4], "lib", "lib", true);
    expect_dir_entry(&e[5], "lib", "Named", true);
    cr_expect_str_eq(e[5].req->key, "named");
    cr_expect_not_null(e[5].req->marker);
    expect_dir_entry(&e[6], "my proj", "my-proj", true);
    cr_expect_str_eq(e[6].text, "-e ./my proj");
    expect_dir_entry(&e[7], "setuponly", "setuponly", true);
    cr_expect_eq(e[8].source, RF_SOURCE_DIR);
    cr_expect_str_eq(e[8].path_or_url, tmpdir);
    cr_expect_eq(e[8].req->nextras, 1);
    cr_expect_eq(e[8].line, 9);
    expect_dir_entry(&e[9], "lib", "lib", true);
    cr_expect_eq(e[9].req->nextras, 1);

    /* the hook ran once per directory without "name @", in order, with absolute paths */
    char *want[] = {abs_of("proj"), abs_of("lib"), abs_of("proj"), abs_of("proj"),
                    abs_of("lib"), abs_of("my proj"), abs_of("setuponly"), xstrdup(tmpdir),
                    abs_of("lib")};
    cr_assert_eq(hook.n, 9);
    for (size_t i = 0; i < 9; i++) {
        cr_expect_str_eq(hook.calls[i], want[i], "call %zu", i);
        free(want[i]);
    }
    free(lib_url);
    reqfile_free(rf);
}

Test(reqfile_src, editable_relative_to_the_including_file)
{
    project("top/proj");
    project("top/sub/inner");
    free(put("top/sub/more.txt",
             "-e ../proj[dev] ; python_version >= \"3.8\"\n"
             "-e inner\n"));
    reqfile_t *rf = parse_ok_env("top/r.txt", "a==1\n-r sub/more.txt\n-e ./proj\n", &henv);
    cr_assert_eq(rf->n, 4);
    expect_dir_entry(&rf->entries[1], "top/proj", "proj", true);
    char *more = abs_of("top/sub/more.txt");
    cr_expect_str_eq(rf->entries[1].file, more);
    cr_expect_eq(rf->entries[1].line, 1);
    free(more);
    cr_expect_eq(rf->entries[1].req->nextras, 1);
    cr_expect_not_null(rf->entries[1].req->marker);
    expect_dir_entry(&rf->entries[2], "top/sub/inner", "inner", true);
    cr_expect_eq(rf->entries[2].line, 2);
    expect_dir_entry(&rf->entries[3], "top/proj", "proj", true);
    cr_expect_eq(rf->entries[3].line, 3);
    reqfile_free(rf);
}

Test(reqfile_src, editable_refusals)
{
    project("proj");
    free(put("afile", "x"));
    free(put("dist/foo-1.0.tar.gz", ""));
    size_t n = 0;
    char *got = parse_err_env("e.txt",
        "-e git+https://github.com/x/y#egg=y\n"          /* 1 */
        "-e ./dist/foo-1.0.tar.gz\n"                    /* 2 */
        "-e ./w-1.0-py3-none-any.whl\n"                 /* 3 */
        "-e https://h.example/proj\n"                   /* 4 */
        "-e ./missing\n"                                /* 5 */
        "-e ./afile\n"                                  /* 6 */
        "-e\n"                                          /* 7 */
        "-e ./proj -e ./proj\n"                         /* 8 */
        "foo==1 -e ./proj\n"                            /* 9 */
        "--pre -e ./proj\n"                             /* 10 */
        "-e \"./my proj\" ; os_name == 'nt'\n"          /* 11 */
        "-e \"./unterminated\n"                         /* 12 */
        "-e foo==1.0\n"                                 /* 13 */
        "--editable=\n"                                 /* 14 */
        "-e ./proj --hash=sha256:" H64A "\n"            /* 15 */
        "-e ./proj --frobnicate\n"                      /* 16 */
        "--editable= ./proj\n",                         /* 17 */
        &henv, &n);
    expect_text(got,
        "@T/e.txt:1: 'git+https://github.com/x/y#egg=y' is a version-control URL; venvsync does "
        "not install from version control (clone the repository and name its directory)\n"
        "@T/e.txt:2: './dist/foo-1.0.tar.gz' is an sdist; -e needs a local project directory\n"
        "@T/e.txt:3: './w-1.0-py3-none-any.whl' is a wheel; -e needs a local project directory\n"
        "@T/e.txt:4: 'https://h.example/proj' is a remote URL; -e needs a local project "
        "directory\n"
        "@T/e.txt:5: './missing' does not exist (@T/missing); -e needs a local project "
        "directory\n"
        "@T/e.txt:6: './afile' is not a directory; -e needs a local project directory\n"
        "@T/e.txt:7: option --editable needs a value (-e PATH)\n"
        "@T/e.txt:8: option --editable must come first, followed by its path (-e PATH "
        "[options]), and only once\n"
        "@T/e.txt:9: option --editable must come first, followed by its path (-e PATH "
        "[options]), and only once\n"
        "@T/e.txt:10: option --editable must come first, followed by its path (-e PATH "
        "[options]), and only once\n"
        "@T/e.txt:11: -e \"./my proj\" ; os_name == 'nt': the quoted value must be one word "
        "(put a marker inside the quotes)\n"
        "@T/e.txt:12: cannot split '-e \"./unterminated': no closing quotation\n"
        "@T/e.txt:13: 'foo==1.0' does not exist (@T/foo==1.0); -e needs a local project "
        "directory\n"
        "@T/e.txt:14: option --editable needs a value (-e PATH)\n"
        "@T/e.txt:15: './proj' is a directory, which has no hash: it cannot have a --hash\n"
        "@T/e.txt:16: unknown option '--frobnicate'\n"
        "@T/e.txt:17: option --editable needs a value (-e PATH)\n");
    cr_expect_eq(n, 0);
    cr_expect_eq(hook.n, 0, "the hook runs only for a requirement that passed every check");
    free(got);
}

/* ---- directories --------------------------------------------------------------------------- */

Test(reqfile_src, directories_with_and_without_a_name)
{
    project("proj");
    project("other/pkg");
    free(put("sub/more.txt", "../proj[s]\nsubname @ ../other/pkg\n"));
    char *purl = file_url_of("proj");
    char *text = xasprintf(
        "./proj\n"                                          /* 1: hook */
        "./proj/[a,b]; os_name == \"posix\"\n"              /* 2: hook; trailing '/' */
        "%s\n"                                              /* 3: hook */
        "given @ %s\n"                                      /* 4 */
        "Given.Name @ ./proj\n"                             /* 5 */
        "x[extra] @ ./other/pkg ; python_version < '4'\n"   /* 6 */
        "other/pkg\n"                                       /* 7: hook */
        "./proj --config-settings a=b\n"                    /* 8: hook */
        "-r sub/more.txt\n",                                /* 9, 10: relative to sub/ */
        purl, purl);
    reqfile_t *rf = parse_ok_env("req.txt", text, &henv);
    free(text);
    cr_assert_eq(rf->n, 10);
    rf_entry_t *e = rf->entries;
    expect_dir_entry(&e[0], "proj", "proj", false);
    cr_expect_str_eq(e[0].text, "./proj");
    cr_expect_eq(e[0].line, 1);
    expect_dir_entry(&e[1], "proj", "proj", false);
    cr_assert_eq(e[1].req->nextras, 2);
    cr_expect_str_eq(e[1].req->extras[1], "b");
    cr_expect_not_null(e[1].req->marker);
    expect_dir_entry(&e[2], "proj", "proj", false);
    expect_dir_entry(&e[3], "proj", "given", false);
    expect_dir_entry(&e[4], "proj", "Given.Name", false);
    cr_expect_str_eq(e[4].req->key, "given-name");
    expect_dir_entry(&e[5], "other/pkg", "x", false);
    cr_expect_eq(e[5].req->nextras, 1);
    cr_expect_not_null(e[5].req->marker);
    expect_dir_entry(&e[6], "other/pkg", "pkg", false);
    expect_dir_entry(&e[7], "proj", "proj", false);
    cr_expect_eq(e[7].line, 8);
    expect_dir_entry(&e[8], "proj", "proj", false);
    cr_expect_eq(e[8].req->nextras, 1);
    expect_dir_entry(&e[9], "other/pkg", "subname", false);
    char *more = abs_of("sub/more.txt");
    cr_expect_str_eq(e[9].file, more);
    cr_expect_eq(e[9].line, 2);
    free(more);
    cr_assert_eq(hook.n, 6, "only the six without a name");
    char *p = abs_of("proj"), *o = abs_of("other/pkg");
    const char *want[] = {p, p, p, o, p, p};
    for (size_t i = 0; i < 6; i++)
        cr_expect_str_eq(hook.calls[i], want[i], "call %zu", i);
    free(p);
    free(o);
    free(purl);
    reqfile_free(rf);
}

Test(reqfile_src, directory_errors)
{
    project("proj");
    free(put("emptyish/README", "x"));
    free(put("afile", "x"));
    free(put("broken/setup.py", ""));
    free(put("badname/pyproject.toml", ""));
    size_t n = 0;
    char *got = parse_err_env("d.txt",
        "./missing\n"                                   /* 1 */
        "./afile\n"                                     /* 2 */
        "./emptyish\n"                                  /* 3 */
        "name @ ./missing\n"                            /* 4 */
        "./proj --hash=sha256:" H64A "\n"               /* 5 */
        "name @ ./proj --hash=sha256:" H64A "\n"        /* 6 */
        "./proj[!bad]\n"                                /* 7 */
        "./badname[x]\n"                                /* 8 */
        "./proj ; os_name ==\n"                         /* 9 */
        "s3://bucket/proj\n",                           /* 10 */
        &henv, &n);
    expect_text(got,
        "@T/d.txt:1: './missing' does not exist (@T/missing); a path names a project directory, "
        "a wheel (.whl) or an sdist (.tar.gz, .zip)\n"
        "@T/d.txt:2: './afile' is neither a wheel (.whl), an sdist (.tar.gz, .zip) nor a "
        "directory\n"
        "@T/d.txt:3: './emptyish' is a directory but not a Python project: it has neither "
        "pyproject.toml nor setup.py\n"
        "@T/d.txt:4: './missing' does not exist (@T/missing); a path names a project directory, "
        "a wheel (.whl) or an sdist (.tar.gz, .zip)\n"
        "@T/d.txt:5: './proj' is a directory, which has no hash: it cannot have a --hash\n"
        "@T/d.txt:6: './proj' is a directory, which has no hash: it cannot have a --hash\n"
        "@T/d.txt:7: './proj[!bad]': invalid extras [!bad]\n"
        "@T/d.txt:8: the project in @T/badname is named 'not a name', which is not a valid "
        "project name\n"
        "@T/d.txt:9: invalid marker 'os_name ==': expected a marker variable or quoted string at "
        "column 11\n"
        "@T/d.txt:10: 's3://bucket/proj' is not a URL venvsync can use (http, https or file)\n");
    free(got);
    cr_expect_eq(n, 0);
    cr_assert_eq(hook.n, 1, "only for ./badname: the others failed before naming");
}

Test(reqfile_src, directory_hash_fragment_is_refused)
{
    project("proj");
    char *u = file_url_of("proj");
    char *text = xasprintf("%s#sha256=%s\n%s#egg=proj\n", u, H64A, u);
    size_t n = 0;
    char *got = parse_err_env("f.txt", text, &henv, &n);
    char *want = xasprintf("@T/f.txt:1: '%s#sha256=%s' is a directory, which has no hash: it "
                           "cannot have a --hash\n", u, H64A);
    expect_text(got, want);
    cr_expect_eq(n, 1, "an #egg= fragment is ignored");
    free(want);
    free(got);
    free(text);
    free(u);
}

Test(reqfile_src, hook_errors_at_the_requirements_position)
{
    free(put("broken/setup.py", ""));
    char *p = put("h.txt", "ok==1\n\n./broken\n");
    reqfile_t *rf = reqfile_new();
    err_t *e = reqfile_parse_file(rf, p, false, &henv);
    cr_assert_not_null(e);
    cr_expect_null(e->next);
    char *want = xasprintf("%s/h.txt:3: the build backend failed to say the name of %s/broken",
                           tmpdir, tmpdir);
    cr_expect_str_eq(e->msg, want);
    cr_expect_eq(e->exit_code, EXIT_APPLY, "the hook's exit code is kept");
    cr_expect_str_eq(e->hint, "see its log");
    cr_expect_eq(rf->n, 1);
    cr_expect_eq(hook.n, 1);
    free(want);
    err_free(e);
    reqfile_free(rf);
    free(p);
}

Test(reqfile_src, without_a_hook_a_name_is_required)
{
    project("proj");
    const char *text = "./proj\n./proj[dev] ; os_name == 'posix'\n-e ./proj\n-e .\n"
                       "named @ ./proj\n-e named @ ./proj\n";
    project(".");
    char *got = parse_err_env("n.txt", text, NULL, NULL);
    const char *want =
        "@T/n.txt:1: './proj' is a project directory without a name: write it as "
        "'NAME @ ./proj'\n"
        "@T/n.txt:2: './proj' is a project directory without a name: write it as "
        "'NAME[dev] @ ./proj'\n"
        "@T/n.txt:3: './proj' is a project directory without a name: write it as "
        "'-e NAME @ ./proj'\n"
        "@T/n.txt:4: '.' is a project directory without a name: write it as '-e NAME @ .'\n";
    expect_text(got, want);
    free(got);
    /* an env without the hook says the same */
    reqfile_env_t env = {0};
    size_t n = 0;
    got = parse_err_env("n2.txt", text, &env, &n);
    cr_expect(strstr(got, "n2.txt:4: '.' is a project directory without a name") != NULL, "%s",
              got);
    cr_expect_eq(n, 2, "the named ones parse");
    free(got);
}

/* ---- sdists -------------------------------------------------------------------------------- */

Test(reqfile_src, sdist_paths)
{
    reqfile_t *rf = parse_ok_env("s.txt",
        "./dist/foo_bar-1.0.tar.gz\n"                                   /* PEP 625 */
        "./dist/Legacy-Name-2.0rc1.zip --hash=sha256:" H64A "\n"       /* legacy, hyphens */
        "foo-bar @ ./dist/foo_bar-1.0.tar.gz\n"                         /* names agree */
        "legacy.name[x] @ dist/Legacy-Name-2.0rc1.ZIP ; os_name == 'posix'\n"
        "plain-3.1.tar.gz\n"                                            /* no '/' */
        "./dist/x-1.0.post1.tar.gz[e1]\n",                              /* extras */
        &henv);
    cr_assert_eq(rf->n, 6);
    rf_entry_t *e = rf->entries;
    for (size_t i = 0; i < rf->n; i++) {
        cr_expect_eq(e[i].source, RF_SOURCE_SDIST, "entry %zu", i);
        cr_expect_not(e[i].editable);
        cr_expect(e[i].is_local);
    }
    char *p0 = abs_of("dist/foo_bar-1.0.tar.gz");
    char *u0 = url_from_path(p0);
    cr_expect_str_eq(e[0].path_or_url, p0);
    cr_expect_str_eq(e[0].req->url, u0);
    cr_expect_str_eq(e[0].req->name, "foo_bar");
    cr_expect_str_eq(e[0].req->key, "foo-bar");
    cr_expect_str_eq(e[0].direct_version, "1.0");
    cr_expect_eq(e[0].nhashes, 0);

    cr_expect_str_eq(e[1].req->name, "Legacy-Name");
    cr_expect_str_eq(e[1].direct_version, "2.0rc1");
    cr_assert_eq(e[1].nhashes, 1);
    cr_expect_str_eq(e[1].hashes[0], "sha256:" H64A);

    cr_expect_str_eq(e[2].req->name, "foo-bar", "the written name is kept");
    cr_expect_str_eq(e[2].path_or_url, p0);

    cr_expect_str_eq(e[3].req->name, "legacy.name");
    cr_expect_str_eq(e[3].direct_version, "2.0rc1");
    cr_expect_eq(e[3].req->nextras, 1);
    cr_expect_not_null(e[3].req->marker);

    char *p4 = abs_of("plain-3.1.tar.gz");
    cr_expect_str_eq(e[4].path_or_url, p4);
    cr_expect_str_eq(e[4].req->name, "plain");
    cr_expect_str_eq(e[5].direct_version, "1.0.post1");
    cr_expect_eq(e[5].req->nextras, 1);
    cr_expect_eq(hook.n, 0, "sdists are named by their file");
    free(p4);
    free(u0);
    free(p0);
    reqfile_free(rf);
}

Test(reqfile_src, sdist_urls_and_fragments)
{
    reqfile_t *rf = parse_ok_env("u.txt",
        "https://h.example/p/foo-1.0.tar.gz#sha256=" H64B "\n"
        "foo @ https://h.example/p/foo-1.0.tar.gz#sha256=" H64B " ; python_version >= \"3\" "
        "--hash=sha256:" H64A "\n"
        "https://h.example/p/pkg%2Dname-2.0.zip?download=1\n"
        "Other_Name @ https://h.example/other.name-3.0.tar.gz\n",
        &henv);
    cr_assert_eq(rf->n, 4);
    rf_entry_t *e = rf->entries;
    for (size_t i = 0; i < rf->n; i++) {
        cr_expect_eq(e[i].source, RF_SOURCE_SDIST, "entry %zu", i);
        cr_expect_not(e[i].is_local);
    }
    cr_expect_str_eq(e[0].path_or_url, "https://h.example/p/foo-1.0.tar.gz");
    cr_expect_str_eq(e[0].req->url, "https://h.example/p/foo-1.0.tar.gz");
    cr_expect_str_eq(e[0].direct_version, "1.0");
    cr_assert_eq(e[0].nhashes, 1);
    cr_expect_str_eq(e[0].hashes[0], "sha256:" H64B);
    cr_assert_eq(e[1].nhashes, 2, "the --hash and the fragment's");
    cr_expect_str_eq(e[1].hashes[0], "sha256:" H64A);
    cr_expect_str_eq(e[1].hashes[1], "sha256:" H64B);
    cr_expect_not_null(e[1].req->marker);
    cr_expect_str_eq(e[2].req->name, "pkg-name", "the file name is percent-decoded");
    cr_expect_str_eq(e[2].direct_version, "2.0");
    cr_expect_str_eq(e[2].path_or_url, "https://h.example/p/pkg%2Dname-2.0.zip?download=1");
    cr_expect_str_eq(e[3].req->name, "Other_Name");
    cr_expect_str_eq(e[3].direct_version, "3.0");
    reqfile_free(rf);
}

Test(reqfile_src, sdist_errors)
{
    size_t n = 0;
    free(put("cons.txt", "./dist/foo-1.0.tar.gz\nfoo @ https://h.example/foo-1.0.zip\n"
                         "./proj\n-e ./proj\n"));
    project("proj");
    char *got = parse_err_env("x.txt",
        "other @ ./dist/foo-1.0.tar.gz\n"
        "bar @ https://h.example/foo_bar-1.0.zip\n"
        "./dist/foo.tar.gz\n"
        "./dist/foo-bar.zip\n"
        "./dist/-1.0.tar.gz\n"
        "./dist/foo-.tar.gz\n"
        "./dist/f!o-1.0.tar.gz\n"
        "./dist/foo-1.0.tgz\n"
        "https://h.example/foo-1.0.tar.xz\n"
        "./dist/foo-1.0.tar\n"
        "https://h.example/a%2Fb-1.0.tar.gz\n"
        "-c cons.txt\n",
        &henv, &n);
    expect_text(got,
        "@T/x.txt:1: 'other @ ./dist/foo-1.0.tar.gz' names other but the sdist is foo\n"
        "@T/x.txt:2: 'bar @ https://h.example/foo_bar-1.0.zip' names bar but the sdist is "
        "foo_bar\n"
        "@T/x.txt:3: 'foo.tar.gz' is not an sdist file name: NAME-VERSION.tar.gz\n"
        "@T/x.txt:4: sdist file name 'foo-bar.zip': 'bar' is not a valid version\n"
        "@T/x.txt:5: '-1.0.tar.gz' is not an sdist file name: NAME-VERSION.tar.gz\n"
        "@T/x.txt:6: 'foo-.tar.gz' is not an sdist file name: NAME-VERSION.tar.gz\n"
        "@T/x.txt:7: sdist file name 'f!o-1.0.tar.gz': 'f!o' is not a valid project name\n"
        "@T/x.txt:8: './dist/foo-1.0.tgz' is a .tgz archive; venvsync builds sdists from "
        ".tar.gz and .zip files only\n"
        "@T/x.txt:9: 'https://h.example/foo-1.0.tar.xz' is a .tar.xz archive; venvsync builds "
        "sdists from .tar.gz and .zip files only\n"
        "@T/x.txt:10: './dist/foo-1.0.tar' is a .tar archive; venvsync builds sdists from "
        ".tar.gz and .zip files only\n"
        "@T/x.txt:11: 'https://h.example/a%2Fb-1.0.tar.gz' does not end in a valid file name\n"
        "@T/cons.txt:1: constraint './dist/foo-1.0.tar.gz' has a path or URL; constraints may "
        "only limit versions (name, specifiers, marker)\n"
        "@T/cons.txt:2: constraint 'foo @ https://h.example/foo-1.0.zip' has a path or URL; "
        "constraints may only limit versions (name, specifiers, marker)\n"
        "@T/cons.txt:3: constraint './proj' has a path or URL; constraints may only limit "
        "versions (name, specifiers, marker)\n"
        "@T/cons.txt:4: constraint '-e ./proj' has a path or URL; constraints may only limit "
        "versions (name, specifiers, marker)\n");
    cr_expect_eq(n, 0);
    cr_expect_eq(hook.n, 0, "no hook call for a constraint");
    free(got);
}

Test(reqfile_src, vcs_and_other_refusals)
{
    size_t n = 0;
    char *got = parse_err_env("v.txt",
        "git+https://github.com/pypa/pip@main#egg=pip\n"
        "pip @ git+ssh://git@github.com/pypa/pip\n"
        "hg+https://h.example/repo\n"
        "https://h.example/simple/foo/\n"
        "ftp://h.example/pub/proj\n",
        &henv, &n);
    expect_text(got,
        "@T/v.txt:1: 'git+https://github.com/pypa/pip@main#egg=pip' is a version-control URL; "
        "venvsync does not install from version control (clone the repository and name its "
        "directory)\n"
        "@T/v.txt:2: 'git+ssh://git@github.com/pypa/pip' is a version-control URL; venvsync "
        "does not install from version control (clone the repository and name its "
        "directory)\n"
        "@T/v.txt:3: 'hg+https://h.example/repo' is a version-control URL; venvsync does not "
        "install from version control (clone the repository and name its directory)\n"
        "@T/v.txt:4: 'https://h.example/simple/foo/' is neither a wheel (.whl) nor an sdist "
        "(.tar.gz, .zip)\n"
        "@T/v.txt:5: 'ftp://h.example/pub/proj' is neither a wheel (.whl) nor an sdist "
        "(.tar.gz, .zip)\n");
    cr_expect_eq(n, 0);
    free(got);
}

/* ---- manifest items ------------------------------------------------------------------------ */

Test(reqfile_src, manifest_items)
{
    project("proj");
    project("libs/lib");
    char *mf = abs_of("venv.yaml");
    reqfile_t *rf = reqfile_new();
    const char *ok[] = {
        "-e ./libs/lib[dev]",
        "./proj ; python_version >= '3.8'",
        "named @ ./proj",
        "./dist/foo-1.0.tar.gz --hash=sha256:" H64A,
        "https://h.example/bar-2.0.zip#sha256=" H64B,
        "--editable=libs/lib --config-settings k=v",
    };
    for (int i = 0; i < 6; i++) {
        err_t *e = reqfile_add_item(rf, ok[i], mf, 10 + i, 7, &henv);
        cr_assert_null(e, "%s: %s", ok[i], e ? e->msg : "");
    }
    cr_assert_eq(rf->n, 6);
    rf_entry_t *e = rf->entries;
    expect_dir_entry(&e[0], "libs/lib", "lib", true);
    cr_expect_eq(e[0].line, 10);
    cr_expect_eq(e[0].col, 7);
    cr_expect_str_eq(e[0].text, "-e ./libs/lib[dev]");
    expect_dir_entry(&e[1], "proj", "proj", false);
    cr_expect_not_null(e[1].req->marker);
    expect_dir_entry(&e[2], "proj", "named", false);
    cr_expect_eq(e[3].source, RF_SOURCE_SDIST);
    cr_expect_eq(e[3].nhashes, 1);
    cr_expect_eq(e[4].source, RF_SOURCE_SDIST);
    cr_expect_str_eq(e[4].hashes[0], "sha256:" H64B);
    expect_dir_entry(&e[5], "libs/lib", "lib", true);
    cr_expect_eq(hook.n, 3);

    const char *bad[] = {"-e ./proj --pre", "./broken", "-e git+https://h.example/r",
                         "./proj --hash=sha256:" H64A, "./nothere"};
    free(put("broken/pyproject.toml", ""));
    const char *want[] = {
        "@T/venv.yaml:20:5: option --pre cannot be used in a package entry; put it in a "
        "requirements file\n",
        "@T/venv.yaml:21:5: the build backend failed to say the name of @T/broken\n",
        "@T/venv.yaml:22:5: 'git+https://h.example/r' is a version-control URL; venvsync does "
        "not install from version control (clone the repository and name its directory)\n",
        "@T/venv.yaml:23:5: './proj' is a directory, which has no hash: it cannot have a "
        "--hash\n",
        "@T/venv.yaml:24:5: './nothere' does not exist (@T/nothere); a path names a project "
        "directory, a wheel (.whl) or an sdist (.tar.gz, .zip)\n",
    };
    for (int i = 0; i < 5; i++) {
        err_t *err = reqfile_add_item(rf, bad[i], mf, 20 + i, 5, &henv);
        cr_assert_not_null(err, "%s", bad[i]);
        char *got = errs_text(err, true);
        expect_text(got, want[i]);
        free(got);
    }
    cr_expect_eq(rf->n, 6, "failed items add nothing");
    cr_expect_eq(hook.n, 4, "./broken only");
    reqfile_free(rf);
    free(mf);
}

/* A directory that is a symlink to a project, and a project path given absolutely. */
Test(reqfile_src, absolute_paths_and_links)
{
    project("real");
    char *real = abs_of("real"), *link = abs_of("link");
    cr_assert_eq(symlink(real, link), 0);
    char *text = xasprintf("%s\n-e %s\n", real, link);
    reqfile_t *rf = parse_ok_env("a.txt", text, &henv);
    cr_assert_eq(rf->n, 2);
    expect_dir_entry(&rf->entries[0], "real", "real", false);
    expect_dir_entry(&rf->entries[1], "link", "link", true);
    reqfile_free(rf);
    free(text);
    free(real);
    free(link);
}
