/* Unit tests for pkg/reqfile: pip requirements files and manifest package strings. */
#include <criterion/criterion.h>

#include "support.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/reqfile.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/url.h"
#include "util/xalloc.h"

#define H64A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H64B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define H64C "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

/* Tests run from the build directory; files live in a temp dir outside it, so messages show
 * absolute paths. Keep the cwd well away from /tmp. */
static char *tmpdir;

static void setup(void)
{
    tmpdir = support_tmpdir("reqfile-test");
}

static void teardown(void)
{
    support_tmpdir_free(tmpdir);
}

static char *put(const char *rel, const char *content)
{
    return support_write(tmpdir, rel, content);
}

static reqfile_t *parse_ok(const char *rel, const char *content)
{
    char *p = put(rel, content);
    reqfile_t *rf = reqfile_new();
    err_t *e = reqfile_parse_file(rf, p, false, NULL);
    cr_assert_null(e, "unexpected error: %s", e ? e->msg : "");
    free(p);
    return rf;
}

/* Parses and returns the error chain as "msg\n" lines. */
static char *parse_err(const char *rel, const char *content)
{
    char *p = put(rel, content);
    reqfile_t *rf = reqfile_new();
    err_t *e = reqfile_parse_file(rf, p, false, NULL);
    cr_assert_not_null(e, "expected an error for:\n%s", content);
    buf_t b = BUF_INIT;
    for (err_t *x = e; x; x = x->next) {
        cr_expect_eq(x->exit_code, EXIT_USAGE);
        buf_printf(&b, "%s\n", x->msg);
    }
    err_free(e);
    reqfile_free(rf);
    free(p);
    return buf_detach(&b);
}

/* Whether hay contains the formatted text. */
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

static void expect_lines(const char *got, const char *want_fmt_tmp)
{
    char *want = xstrdup(want_fmt_tmp);
    cr_expect_str_eq(got, want);
    free(want);
}

TestSuite(reqfile, .init = setup, .fini = teardown);

Test(reqfile, pip_docs_example)
{
    reqfile_t *rf = parse_ok("requirements.txt",
        "#\n"
        "####### example-requirements.txt #######\n"
        "#\n"
        "###### Requirements without Version Specifiers ######\n"
        "pytest\n"
        "pytest-cov\n"
        "beautifulsoup4\n"
        "#\n"
        "###### Requirements with Version Specifiers ######\n"
        "#   See https://www.python.org/dev/peps/pep-0440/#version-specifiers\n"
        "docopt == 0.6.1             # Version Matching. Must be version 0.6.1\n"
        "keyring >= 4.1.1            # Minimum version 4.1.1\n"
        "coverage != 3.5             # Version Exclusion. Anything except version 3.5\n"
        "Mopidy-Dirble ~= 1.1        # Compatible release. Same as >= 1.1, == 1.*\n"
        "\n"
        "requests [security] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"\n"
        "SomeProject; sys_platform == 'win32'\n"
        "slashy==1.0 ; platform_version == 'a/b' and platform_release != './x.whl'\n");
    cr_assert_eq(rf->n, 10);
    cr_expect_str_eq(rf->entries[9].req->key, "slashy", "a '/' in a marker is not a path");
    cr_expect_null(rf->entries[9].path_or_url);
    const char *keys[] = {"pytest", "pytest-cov", "beautifulsoup4", "docopt", "keyring",
                          "coverage", "mopidy-dirble", "requests", "someproject"};
    const int lines[] = {5, 6, 7, 11, 12, 13, 14, 16, 17};
    for (size_t i = 0; i < 9; i++) {
        cr_expect_str_eq(rf->entries[i].req->key, keys[i]);
        cr_expect_eq(rf->entries[i].line, lines[i], "%s at line %d", keys[i],
                     rf->entries[i].line);
        cr_expect_eq(rf->entries[i].col, 0);
        cr_expect_not(rf->entries[i].is_constraint);
        cr_expect_null(rf->entries[i].path_or_url);
        cr_expect_eq(rf->entries[i].source, RF_SOURCE_INDEX);
        cr_expect_not(rf->entries[i].editable);
        cr_expect_null(rf->entries[i].direct_version);
        cr_expect_eq(rf->entries[i].nhashes, 0);
        cr_expect_not_null(rf->entries[i].hashes);
    }
    cr_expect_str_eq(rf->entries[3].text, "docopt == 0.6.1");
    const char *v;
    cr_expect(req_pinned(rf->entries[3].req, &v));
    cr_expect_str_eq(v, "0.6.1");
    cr_expect_eq(rf->entries[7].req->nextras, 1);
    cr_expect_str_eq(rf->entries[7].req->extras[0], "security");
    cr_expect_not_null(rf->entries[7].req->marker);
    cr_expect_eq(specset_count(rf->entries[7].req->specs), 2);
    char *want_file = path_join(tmpdir, "requirements.txt");
    cr_expect_str_eq(rf->entries[0].file, want_file);
    cr_expect_str_eq(rf->entries[0].shown, want_file);
    cr_assert_eq(rf->nfiles, 1);
    cr_expect_str_eq(rf->files[0], want_file);
    char *o = reqfile_origin(&rf->entries[3]);
    char *wo = xasprintf("%s:11", want_file);
    cr_expect_str_eq(o, wo);
    free(o);
    free(wo);
    free(want_file);
    reqfile_free(rf);
}

Test(reqfile, continuations_and_hashes)
{
    reqfile_t *rf = parse_ok("r.txt",
        "FooProject == 1.2 \\\n"
        "    --hash=sha256:" H64C " \\\n"
        "    --hash=sha256:" H64A "\n"
        "bar==2.0\n"
        "baz==1 \\\n"
        "# a comment line ends the join \\\n"
        "qux==\\\n"
        "3.0\n"
        "last==1 \\\n");
    cr_assert_eq(rf->n, 5);
    cr_expect_str_eq(rf->entries[0].req->key, "fooproject");
    cr_expect_eq(rf->entries[0].line, 1);
    cr_assert_eq(rf->entries[0].nhashes, 2);
    cr_expect_str_eq(rf->entries[0].hashes[0], "sha256:" H64C);
    cr_expect_str_eq(rf->entries[0].hashes[1], "sha256:" H64A);
    cr_expect_null(rf->entries[0].hashes[2]);
    cr_expect_str_eq(rf->entries[0].text, "FooProject == 1.2");
    cr_expect_str_eq(rf->entries[1].req->key, "bar");
    cr_expect_eq(rf->entries[1].line, 4);
    cr_expect_str_eq(rf->entries[2].req->key, "baz");
    cr_expect_eq(rf->entries[2].line, 5);
    /* the backslash of a continued line is dropped */
    cr_expect_str_eq(rf->entries[3].text, "qux==3.0");
    cr_expect_eq(rf->entries[3].line, 7);
    /* a continuation at the end of the file still yields its line */
    cr_expect_str_eq(rf->entries[4].req->key, "last");
    cr_expect_eq(rf->entries[4].line, 9);
    reqfile_free(rf);
}

Test(reqfile, comments)
{
    reqfile_t *rf = parse_ok("r.txt",
        "   # indented comment\n"
        "a==1 # trailing comment\n"
        "b==2\t# after a tab\n"
        "https://h.example/p/c-1.0-py3-none-any.whl#sha256=" H64B "\n"
        "\n"
        "   \n");
    cr_assert_eq(rf->n, 3);
    cr_expect_str_eq(rf->entries[0].text, "a==1");
    cr_expect_str_eq(rf->entries[1].text, "b==2");
    /* '#' not after whitespace is not a comment: the URL keeps its fragment */
    cr_expect_str_eq(rf->entries[2].req->key, "c");
    cr_expect_str_eq(rf->entries[2].path_or_url, "https://h.example/p/c-1.0-py3-none-any.whl");
    cr_expect_not(rf->entries[2].is_local);
    cr_assert_eq(rf->entries[2].nhashes, 1, "fragment hash is a good hash (pip)");
    cr_expect_str_eq(rf->entries[2].hashes[0], "sha256:" H64B);
    reqfile_free(rf);

    char *got = parse_err("bad.txt", "a==1#not-a-comment\n");
    cr_expect(strstr(got, "bad.txt:1: invalid requirement 'a==1#not-a-comment'") != NULL, "%s",
              got);
    free(got);
}

static const char *fake_env(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "WHEELS") == 0)
        return "/srv/wheels";
    if (strcmp(name, "VER") == 0)
        return "2.0";
    if (strcmp(name, "EMPTY") == 0)
        return "";
    return NULL;
}

Test(reqfile, env_vars)
{
    const char *text = "${WHEELS}/foo-1.0-py3-none-any.whl\n"
                       "bar==${VER}\n"
                       "-f ${WHEELS}/more\n"
                       "baz==1.0 ; platform_release != '${NOPE}'\n"
                       "qux==1.0 ; platform_release != '${EMPTY}$VER${lower}'\n";
    reqfile_t *rf = reqfile_new();
    reqfile_env_t env = {.vars = {fake_env, NULL}};
    char *p = path_join(tmpdir, "r.txt");
    err_t *e = reqfile_parse_text(rf, text, strlen(text), p, false, &env);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(rf->n, 4);
    cr_expect_str_eq(rf->entries[0].path_or_url, "/srv/wheels/foo-1.0-py3-none-any.whl");
    cr_expect_str_eq(rf->entries[0].req->url, "file:///srv/wheels/foo-1.0-py3-none-any.whl");
    cr_expect_str_eq(rf->entries[1].text, "bar==2.0");
    cr_expect_str_eq(rf->opts.find_links[0], "/srv/wheels/more");
    /* unset, empty, lowercase and $VAR forms stay as written */
    cr_expect_str_eq(rf->entries[2].text, "baz==1.0 ; platform_release != '${NOPE}'");
    cr_expect_str_eq(rf->entries[3].text,
                     "qux==1.0 ; platform_release != '${EMPTY}$VER${lower}'");
    reqfile_free(rf);
    free(p);
}

Test(reqfile, nested_relative_includes)
{
    free(put("proj/base.txt", "six==1.16.0\n"));
    free(put("proj/sub/more.txt", "-r ../base.txt\nidna==3.7\n"));
    free(put("constraints/c.txt", "urllib3<3\n-r ../proj/base.txt\n"));
    reqfile_t *rf = parse_ok("proj/requirements.txt",
                             "-r sub/more.txt\n"
                             "--constraint=../constraints/c.txt\n"
                             "requests==2.32.3\n");
    cr_assert_eq(rf->n, 5);
    char *base = path_join(tmpdir, "proj/base.txt");
    char *more = path_join(tmpdir, "proj/sub/more.txt");
    char *cons = path_join(tmpdir, "constraints/c.txt");
    char *top = path_join(tmpdir, "proj/requirements.txt");
    cr_expect_str_eq(rf->entries[0].req->key, "six");
    cr_expect_str_eq(rf->entries[0].file, base);
    cr_expect_eq(rf->entries[0].line, 1);
    cr_expect_str_eq(rf->entries[1].req->key, "idna");
    cr_expect_str_eq(rf->entries[1].file, more);
    cr_expect_eq(rf->entries[1].line, 2);
    cr_expect_str_eq(rf->entries[2].req->key, "urllib3");
    cr_expect(rf->entries[2].is_constraint);
    cr_expect_str_eq(rf->entries[2].file, cons);
    /* pip: a -r inside a constraints file reads requirements */
    cr_expect_str_eq(rf->entries[3].req->key, "six");
    cr_expect_not(rf->entries[3].is_constraint);
    cr_expect_str_eq(rf->entries[4].req->key, "requests");
    cr_expect_str_eq(rf->entries[4].file, top);
    cr_expect_eq(rf->entries[4].line, 3);
    cr_assert_eq(rf->nfiles, 4, "every file once");
    cr_expect_str_eq(rf->files[0], top);
    cr_expect_str_eq(rf->files[1], more);
    cr_expect_str_eq(rf->files[2], base);
    cr_expect_str_eq(rf->files[3], cons);
    free(base);
    free(more);
    free(cons);
    free(top);
    reqfile_free(rf);
}

Test(reqfile, include_cycle_and_missing)
{
    free(put("b.txt", "ok==1\n-r a.txt\n"));
    char *got = parse_err("a.txt", "-r b.txt\n");
    char *want = xasprintf("%s/b.txt:2: -r a.txt: include cycle: %s/a.txt -> %s/b.txt -> "
                           "%s/a.txt\n", tmpdir, tmpdir, tmpdir, tmpdir);
    expect_lines(got, want);
    free(got);
    free(want);

    got = parse_err("self.txt", "x==1\n\n-c ./self.txt\n");
    cr_expect(strstr(got, "self.txt:3: -c ./self.txt: include cycle: ") != NULL, "%s", got);
    free(got);

    got = parse_err("m.txt", "-r nowhere.txt\n");
    want = xasprintf("%s/m.txt:1: -r nowhere.txt: cannot read it: ", tmpdir);
    cr_expect(strncmp(got, want, strlen(want)) == 0, "%s", got);
    cr_expect(strstr(got, "No such file") != NULL, "%s", got);
    free(got);
    free(want);

    got = parse_err("u.txt", "-r https://example.com/r.txt\n");
    cr_expect(strstr(got, "u.txt:1: -r https://example.com/r.txt: requirements files are read "
                          "from disk only") != NULL, "%s", got);
    free(got);
}

Test(reqfile, diamond_is_not_a_cycle)
{
    free(put("d.txt", "leaf==1\n"));
    free(put("b.txt", "-r d.txt\n"));
    free(put("c.txt", "-r d.txt\n"));
    reqfile_t *rf = parse_ok("a.txt", "-r b.txt\n-r c.txt\n");
    cr_assert_eq(rf->n, 2);
    cr_expect_str_eq(rf->entries[0].req->key, "leaf");
    cr_expect_str_eq(rf->entries[1].req->key, "leaf");
    cr_expect_eq(rf->nfiles, 4);
    reqfile_free(rf);
}

/* The read hook serves included files from memory (the fuzz target relies on it). */
static err_t *mem_read(void *ctx, const char *path, buf_t *out)
{
    int *calls = ctx;
    (*calls)++;
    if (strcmp(path, "/mem/inc.txt") == 0) {
        buf_adds(out, "inner==1\n-r ./top.txt\n");
        return NULL;
    }
    return err_new(EXIT_USAGE, "%s: not in memory", path);
}

Test(reqfile, read_hook)
{
    int calls = 0;
    reqfile_env_t env = {.read = mem_read, .ctx = &calls};
    reqfile_t *rf = reqfile_new();
    const char *text = "-r inc.txt\n-r missing.txt\nouter==2\n";
    err_t *e = reqfile_parse_text(rf, text, strlen(text), "/mem/top.txt", false, &env);
    cr_assert_not_null(e);
    cr_expect_str_eq(e->msg, "/mem/inc.txt:2: -r ./top.txt: include cycle: /mem/top.txt -> "
                             "/mem/inc.txt -> /mem/top.txt");
    cr_assert_not_null(e->next);
    cr_expect_str_eq(e->next->msg, "/mem/top.txt:2: -r missing.txt: cannot read it: "
                                   "/mem/missing.txt: not in memory");
    cr_expect_null(e->next->next);
    err_free(e);
    cr_expect_eq(calls, 2);
    cr_assert_eq(rf->n, 2, "what parsed cleanly is kept");
    cr_expect_str_eq(rf->entries[0].req->key, "inner");
    cr_expect_str_eq(rf->entries[1].req->key, "outer");
    reqfile_free(rf);
}

Test(reqfile, global_options)
{
    free(put("opts/c.txt", "x<2\n"));
    reqfile_t *rf = parse_ok("opts/r.txt",
        "-i https://first.example/simple\n"
        "--index-url=https://pypi.example/simple\n"
        "--extra-index-url https://extra.example/simple\n"
        "--extra-index-url https://extra.example/simple\n"
        "--no-index\n"
        "-f ../wheels\n"
        "-fwheels2\n"
        "--find-links=https://links.example/\n"
        "--find-links \"dir with space\"\n"
        "--pre\n"
        "--only-binary :all:\n"
        "--no-binary=:none:\n"
        "--prefer-binary\n"
        "--trusted-host pypi.example\n"
        "--use-feature truststore\n"
        "--constr c.txt\n"
        "\n"
        "--require-hashes\n");
    rf_options_t *o = &rf->opts;
    cr_expect_str_eq(o->index_url, "https://pypi.example/simple", "the last -i wins");
    cr_assert_eq(strv_len(o->extra_index_urls), 1);
    cr_expect_str_eq(o->extra_index_urls[0], "https://extra.example/simple");
    cr_expect(o->no_index);
    cr_assert_eq(strv_len(o->find_links), 4);
    char *w1 = path_join(tmpdir, "wheels");
    char *w2 = path_join(tmpdir, "opts/wheels2");
    char *w3 = path_join(tmpdir, "opts/dir with space");
    cr_expect_str_eq(o->find_links[0], w1);
    cr_expect_str_eq(o->find_links[1], w2);
    cr_expect_str_eq(o->find_links[2], "https://links.example/");
    cr_expect_str_eq(o->find_links[3], w3);
    free(w1);
    free(w2);
    free(w3);
    cr_expect(o->pre);
    cr_expect(o->prefer_binary);
    cr_expect_str_eq(o->only_binary[0], ":all:");
    cr_expect_str_eq(o->no_binary[0], ":none:");
    cr_expect_str_eq(o->trusted_hosts[0], "pypi.example");
    cr_expect_str_eq(o->use_features[0], "truststore");
    cr_expect(o->require_hashes);
    char *at = xasprintf("%s/opts/r.txt:18", tmpdir);
    cr_expect_str_eq(o->require_hashes_at, at);
    free(at);
    cr_assert_eq(rf->n, 1, "an unambiguous prefix works (--constr)");
    cr_expect(rf->entries[0].is_constraint);
    reqfile_free(rf);
}

Test(reqfile, option_errors_with_exact_lines)
{
    char *got = parse_err("e.txt",
        "ok==1\n"
        "-e\n"
        "--pre -e ./x\n"
        "--hash=sha256:" H64A "\n"
        "foo==1.0 --pre\n"
        "--re x.txt\n"
        "--frobnicate\n"
        "-x\n"
        "--no-index=yes\n"
        "-i\n"
        "-r a.txt b.txt\n"
        "-r 'unterminated\n"
        "bar==1 --hash=md5:0123456789abcdef0123456789abcdef\n"
        "bar==1 --hash=sha256:abc\n"
        "bar==1 --hash " H64A "\n"
        "bar==1 --global-option=--x --config-settings k=v\n"
        "-i x \"\"\n");
    char *t = tmpdir;
    char *want = xasprintf(
        "%s/e.txt:2: option --editable needs a value (-e PATH)\n"
        "%s/e.txt:3: option --editable must come first, followed by its path (-e PATH "
        "[options]), and only once\n"
        "%s/e.txt:4: option --hash needs a requirement before it on the same line\n"
        "%s/e.txt:5: option --pre is a global option: put it on a line of its own, not after "
        "the requirement 'foo==1.0'\n"
        "%s/e.txt:6: ambiguous option '--re' (could be --requirement, --require-hashes)\n"
        "%s/e.txt:7: unknown option '--frobnicate'\n"
        "%s/e.txt:8: unknown option '-x'\n"
        "%s/e.txt:9: option --no-index takes no value\n"
        "%s/e.txt:10: option --index-url needs a value\n"
        "%s/e.txt:11: unexpected 'b.txt' among the options (a requirement goes first on its "
        "line, each -r/-c/-f takes one value)\n"
        "%s/e.txt:12: cannot split the options '-r 'unterminated': no closing quotation\n"
        "%s/e.txt:13: --hash=md5:0123456789abcdef0123456789abcdef: 'md5' is not allowed; use "
        "sha256, sha384 or sha512\n"
        "%s/e.txt:14: --hash=sha256:abc: a sha256 digest is 64 hex digits\n"
        "%s/e.txt:15: --hash=" H64A ": expected a hash name and value, like "
        "--hash=sha256:<64 hex digits>\n"
        "%s/e.txt:17: unexpected '' among the options (a requirement goes first on its line, "
        "each -r/-c/-f takes one value)\n",
        t, t, t, t, t, t, t, t, t, t, t, t, t, t, t);
    expect_lines(got, want);
    free(got);
    free(want);
}

Test(reqfile, hash_forms)
{
    reqfile_t *rf = parse_ok("h.txt",
        "a==1 --hash=sha256:" H64A " --hash sha256:" H64A " --hash=sha256:"
        "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824\n"
        "b==1 --hash=sha384:" "0123456789abcdef0123456789abcdef0123456789abcdef"
        "0123456789abcdef0123456789abcdef0123456789abcdef\n"
        "c==1 --hash=sha512:" H64A H64B "\n");
    cr_assert_eq(rf->n, 3);
    cr_assert_eq(rf->entries[0].nhashes, 2, "duplicates dropped");
    cr_expect_str_eq(rf->entries[0].hashes[1], "sha256:" H64C, "lowercased");
    cr_expect_eq(rf->entries[1].nhashes, 1);
    cr_expect(strncmp(rf->entries[1].hashes[0], "sha384:", 7) == 0);
    cr_expect_str_eq(rf->entries[2].hashes[0], "sha512:" H64A H64B);
    reqfile_free(rf);
}

Test(reqfile, wheel_paths_and_urls)
{
    reqfile_t *rf = parse_ok("proj/r.txt",
        "./dist/Foo_Bar-1.0-py3-none-any.whl\n"
        "dist/extra_pkg-2.0-1-py3-none-any.whl[Socks,a] ; python_version >= '3'\n"
        "file:///srv/x%20y/baz-3.0-cp311-cp311-linux_x86_64.whl\n"
        "qux @ file://localhost/srv/qux-4.0-py3-none-any.whl ; os_name == 'posix'\n"
        "rel @ ../wheels/rel-5.0-py2.py3-none-any.whl\n"
        "remote @ https://h.example/remote-6.0-py3-none-any.whl\n"
        "../top-7.0-py3-none-any.whl\n");
    cr_assert_eq(rf->n, 7);
    rf_entry_t *e = rf->entries;
    char *p0 = path_join(tmpdir, "proj/dist/Foo_Bar-1.0-py3-none-any.whl");
    cr_expect_str_eq(e[0].path_or_url, p0);
    cr_expect(e[0].is_local);
    cr_expect_str_eq(e[0].direct_version, "1.0");
    cr_expect_str_eq(e[0].req->name, "Foo_Bar");
    cr_expect_str_eq(e[0].req->key, "foo-bar");
    for (size_t i = 0; i < rf->n; i++) {
        cr_expect_eq(e[i].source, RF_SOURCE_WHEEL, "entry %zu", i);
        cr_expect_not(e[i].editable);
    }
    char *u0 = url_from_path(p0);
    cr_expect_str_eq(e[0].req->url, u0);
    free(u0);
    free(p0);

    cr_expect_str_eq(e[1].req->key, "extra-pkg");
    cr_assert_eq(e[1].req->nextras, 2);
    cr_expect_str_eq(e[1].req->extras[0], "socks");
    cr_expect_not_null(e[1].req->marker);
    cr_expect_str_eq(e[1].direct_version, "2.0");

    cr_expect_str_eq(e[2].path_or_url, "/srv/x y/baz-3.0-cp311-cp311-linux_x86_64.whl");
    cr_expect_str_eq(e[2].req->url, "file:///srv/x%20y/baz-3.0-cp311-cp311-linux_x86_64.whl");

    cr_expect_str_eq(e[3].req->name, "qux");
    cr_expect_str_eq(e[3].path_or_url, "/srv/qux-4.0-py3-none-any.whl");
    cr_expect_not_null(e[3].req->marker);

    char *p4 = path_join(tmpdir, "wheels/rel-5.0-py2.py3-none-any.whl");
    cr_expect_str_eq(e[4].path_or_url, p4);
    free(p4);

    cr_expect_not(e[5].is_local);
    cr_expect_str_eq(e[5].path_or_url, "https://h.example/remote-6.0-py3-none-any.whl");
    cr_expect_str_eq(e[5].req->url, "https://h.example/remote-6.0-py3-none-any.whl");
    cr_expect_str_eq(e[5].direct_version, "6.0");

    char *p6 = path_join(tmpdir, "top-7.0-py3-none-any.whl");
    cr_expect_str_eq(e[6].path_or_url, p6);
    free(p6);
    reqfile_free(rf);
}

Test(reqfile, direct_reference_errors)
{
    char *got = parse_err("d.txt",
        "other @ file:///srv/foo-1.0-py3-none-any.whl\n"
        "https://h.example/foo-1.0.tar.bz2\n"
        "git+https://github.com/pypa/pip@main#egg=pip\n"
        "./not-a-wheel\n"
        "./dist/bad-name.whl\n"
        "file://otherhost/srv/foo-1.0-py3-none-any.whl\n"
        "https://h.example/simple/foo/\n");
    char *t = tmpdir;
    cr_expect(has(got, "%s/d.txt:1: 'other @ file:///srv/foo-1.0-py3-none-any.whl' "
                                    "names other but the wheel is foo\n", t), "%s", got);
    cr_expect(has(got, "%s/d.txt:2: 'https://h.example/foo-1.0.tar.bz2' is a .tar.bz2 archive; "
                       "venvsync builds sdists from .tar.gz and .zip files only\n", t), "%s",
              got);
    cr_expect(has(got, "%s/d.txt:3: 'git+https://github.com/pypa/pip@main#egg=pip' "
                                    "is a version-control URL", t), "%s", got);
    cr_expect(has(got, "%s/d.txt:4: './not-a-wheel' does not exist (%s/not-a-wheel); a path "
                       "names a project directory, a wheel (.whl) or an sdist (.tar.gz, .zip)\n",
                  t, t), "%s", got);
    cr_expect(has(got, "%s/d.txt:5: ", t), "%s", got);
    cr_expect(has(got, "%s/d.txt:6: 'file://otherhost/srv/foo-1.0-py3-none-any.whl' "
                                    "names the host 'otherhost'", t), "%s", got);
    cr_expect(has(got, "%s/d.txt:7: 'https://h.example/simple/foo/' is neither a wheel (.whl) "
                       "nor an sdist (.tar.gz, .zip)\n", t), "%s", got);
    /* 7 problems, one per line */
    size_t nl = 0;
    for (const char *p = got; *p; p++)
        nl += *p == '\n';
    cr_expect_eq(nl, 7, "%s", got);
    free(got);

    free(put("adir/x", ""));
    got = parse_err("dd.txt", "./adir\n");
    cr_expect(strstr(got, "dd.txt:1: './adir' is a directory but not a Python project: it has "
                          "neither pyproject.toml nor setup.py\n") != NULL, "%s", got);
    free(got);
}

Test(reqfile, constraints_only_limit_versions)
{
    free(put("c.txt", "ok<2\nfoo[bar]==1\n./foo-1.0-py3-none-any.whl\n"));
    char *got = parse_err("r.txt", "-c c.txt\n");
    char *want = xasprintf(
        "%s/c.txt:2: constraint 'foo[bar]==1' has extras; constraints may only limit versions "
        "(name, specifiers, marker)\n"
        "%s/c.txt:3: constraint './foo-1.0-py3-none-any.whl' has a path or URL; "
        "constraints may only limit versions (name, specifiers, marker)\n",
        tmpdir, tmpdir);
    expect_lines(got, want);
    free(got);
    free(want);
}

Test(reqfile, decoding)
{
    /* UTF-8 BOM, CRLF and lone CR line ends */
    reqfile_t *rf = parse_ok("bom.txt", "\xEF\xBB\xBF" "a==1\r\nb==2\rc==3\r\n");
    cr_assert_eq(rf->n, 3);
    cr_expect_str_eq(rf->entries[0].req->key, "a");
    cr_expect_eq(rf->entries[1].line, 2);
    cr_expect_eq(rf->entries[2].line, 3);
    reqfile_free(rf);

    /* UTF-16LE with BOM (PowerShell's `pip freeze > requirements.txt`) */
    const char u16[] = "\xFF\xFE" "a\0=\0=\0" "1\0\r\0\n\0" "#\0\xE9\0\n\0" "b\0=\0=\0" "2\0";
    rf = reqfile_new();
    char *p = path_join(tmpdir, "u16.txt");
    err_t *e = reqfile_parse_text(rf, u16, sizeof u16 - 1, p, false, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(rf->n, 2);
    cr_expect_str_eq(rf->entries[1].req->key, "b");
    cr_expect_eq(rf->entries[1].line, 3);
    reqfile_free(rf);
    free(p);

    char *got = parse_err("latin1.txt", "a==1\n# caf\xE9\nb==2\n");
    char *want = xasprintf("%s/latin1.txt:2: not valid UTF-8 text (requirements files are read as "
                           "UTF-8)\n", tmpdir);
    expect_lines(got, want);
    free(got);
    free(want);

    /* truncated UTF-16 */
    rf = reqfile_new();
    p = path_join(tmpdir, "odd.txt");
    e = reqfile_parse_text(rf, "\xFF\xFE" "a\0=", 5, p, false, NULL);
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, "odd.txt:1: cannot decode the file (it starts with a UTF-16/32 "
                             "byte-order mark): truncated UTF-16/32 text") != NULL, "%s", e->msg);
    err_free(e);
    reqfile_free(rf);
    free(p);

    rf = reqfile_new();
    p = path_join(tmpdir, "nul.txt");
    e = reqfile_parse_text(rf, "a==1\nb\0==2\n", 11, p, false, NULL);
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, "nul.txt:2: not valid UTF-8") != NULL, "%s", e->msg);
    err_free(e);
    reqfile_free(rf);
    free(p);
}

Test(reqfile, several_errors_in_one_file_are_all_reported)
{
    char *got = parse_err("many.txt",
        "good==1\n"
        "bad name==1\n"
        "\n"
        "also good==\n"
        "fine==2 ; python_version <\n"
        "# ok\n"
        "x==1 ; os_name ~= 'posix' and\n");
    char *t = tmpdir;
    /* the exact wording of req.h's messages is its own business; the locations are ours */
    cr_expect(has(got, "%s/many.txt:2: invalid requirement 'bad name==1'", t), "%s", got);
    cr_expect(has(got, "%s/many.txt:4: invalid requirement 'also good=='", t), "%s", got);
    cr_expect(has(got, "%s/many.txt:5: invalid requirement", t), "%s", got);
    cr_expect(has(got, "%s/many.txt:7: invalid requirement", t), "%s", got);
    size_t nl = 0;
    for (const char *p = got; *p; p++)
        nl += *p == '\n';
    cr_expect_eq(nl, 4, "%s", got);
    free(got);
}

Test(reqfile, manifest_items)
{
    char *mf = path_join(tmpdir, "venv.yaml");
    reqfile_t *rf = reqfile_new();
    cr_assert_null(reqfile_add_item(rf, "requests==2.32.3", mf, 12, 9, NULL));
    cr_assert_null(reqfile_add_item(rf, "  tomli==2.0.1; python_version < '3.11'  ", mf, 13, 9,
                                    NULL));
    cr_assert_null(reqfile_add_item(rf, "wheels/w-1.0-py3-none-any.whl --hash=sha256:" H64A,
                                    mf, 14, 9, NULL));
    cr_assert_eq(rf->n, 3);
    cr_expect_eq(rf->entries[0].line, 12);
    cr_expect_eq(rf->entries[0].col, 9);
    cr_expect_str_eq(rf->entries[0].file, mf);
    cr_expect_str_eq(rf->entries[1].text, "tomli==2.0.1; python_version < '3.11'");
    char *w = path_join(tmpdir, "wheels/w-1.0-py3-none-any.whl");
    cr_expect_str_eq(rf->entries[2].path_or_url, w);
    cr_expect_eq(rf->entries[2].nhashes, 1);
    free(w);
    char *o = reqfile_origin(&rf->entries[0]);
    char *wo = xasprintf("%s:12:9", mf);
    cr_expect_str_eq(o, wo);
    free(o);
    free(wo);

    err_t *e = reqfile_add_item(rf, "-r other.txt", mf, 15, 9, NULL);
    cr_assert_not_null(e);
    char *want = xasprintf("%s:15:9: option --requirement cannot be used in a package entry; put "
                           "it in a requirements file", mf);
    cr_expect_str_eq(e->msg, want);
    free(want);
    err_free(e);

    e = reqfile_add_item(rf, "foo==1 --pre", mf, 16, 5, NULL);
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, ":16:5: option --pre cannot be used in a package entry") != NULL,
              "%s", e->msg);
    err_free(e);

    e = reqfile_add_item(rf, "   ", mf, 17, 5, NULL);
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, ":17:5: empty package entry") != NULL, "%s", e->msg);
    err_free(e);
    cr_expect_eq(rf->n, 3, "failed items add nothing");
    reqfile_free(rf);
    free(mf);
}

Test(reqfile, shown_relative_to_cwd)
{
    cr_assert_eq(chdir(tmpdir), 0);
    char *got = parse_err("sub/r.txt", "bad==\n");
    cr_expect(strncmp(got, "sub/r.txt:1: invalid requirement 'bad=='", 40) == 0, "%s", got);
    free(got);
    cr_assert_eq(chdir("/"), 0);
}

Test(reqfile, file_url_helpers)
{
    char *why = NULL;
    char *p = url_to_path("file:///a%20b/c.whl", NULL, &why);
    cr_expect_str_eq(p, "/a b/c.whl");
    free(p);
    p = url_to_path("file://localhost/x/../y", NULL, &why);
    cr_expect_str_eq(p, "/y");
    free(p);
    p = url_to_path("file:/z#frag", NULL, &why);
    cr_expect_str_eq(p, "/z");
    free(p);
    p = url_to_path("file:rel/w.whl", "/base", &why);
    cr_expect_str_eq(p, "/base/rel/w.whl");
    free(p);
    p = url_to_path("file://server/share", NULL, &why);
    cr_expect_null(p);
    cr_expect(strstr(why, "names the host 'server'") != NULL, "%s", why);
    free(why);
    p = url_to_path("file:///a%00b", NULL, &why);
    cr_expect_null(p);
    free(why);

    char *u = url_from_path("/srv/a b/c+d~e_f-1.0.whl");
    cr_expect_str_eq(u, "file:///srv/a%20b/c%2Bd~e_f-1.0.whl");
    free(u);

    cr_expect(reqfile_is_url("HTTPS://x"));
    cr_expect(reqfile_is_url("file:x"));
    cr_expect(reqfile_is_url("git+ssh://x"));
    cr_expect_not(reqfile_is_url("foo @ https://x"));
    cr_expect_not(reqfile_is_url("c:/windows"));
    cr_expect_not(reqfile_is_url("./x"));
}
