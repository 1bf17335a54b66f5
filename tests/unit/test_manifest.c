/* manifest: venv.yaml parsing, defaults, path resolution and every kind of error, with the exact
 * FILE:LINE:COL each error is reported at. */
#include <criterion/criterion.h>

#include "support.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest/manifest.h"
#include "util/suggest.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define F "/proj/venv.yaml"

static manifest_t *ok(const char *text)
{
    manifest_t *m = NULL;
    err_t *e = manifest_parse(text, strlen(text), F, support_env(), &m);
    if (e) {
        for (err_t *p = e; p; p = p->next)
            cr_log_error("unexpected: %s", p->msg);
        err_free(e);
        cr_assert_fail("manifest did not parse");
    }
    cr_assert_not_null(m);
    return m;
}

/* Parses text expecting failure; returns the messages joined with '\n' (caller frees) and the
 * number of errors. */
static char *fails(const char *text, int *count)
{
    manifest_t *m = (manifest_t *)0x1;
    err_t *e = manifest_parse(text, strlen(text), F, support_env(), &m);
    cr_assert_not_null(e, "expected an error for:\n%s", text);
    cr_assert_null(m);
    buf_t b = BUF_INIT;
    int n = 0;
    for (err_t *p = e; p; p = p->next, n++) {
        cr_assert_eq(p->exit_code, EXIT_USAGE);
        buf_printf(&b, "%s%s", n ? "\n" : "", p->msg);
    }
    err_free(e);
    if (count)
        *count = n;
    return buf_detach(&b);
}

/* Exactly one error, with this exact message. */
static void fails_with(const char *text, const char *expected)
{
    int n;
    char *msgs = fails(text, &n);
    cr_assert_str_eq(msgs, expected);
    cr_assert_eq(n, 1);
    free(msgs);
}

/* Some error contains this exact line. */
static void has_error(const char *msgs, const char *expected)
{
    size_t len = strlen(expected);
    for (const char *p = msgs; (p = strstr(p, expected)); p++)
        if ((p == msgs || p[-1] == '\n') && (p[len] == '\0' || p[len] == '\n'))
            return;
    cr_assert_fail("missing error:\n  %s\namong:\n%s", expected, msgs);
}

TestSuite(manifest);

/* ---- parsing every key ------------------------------------------------------------------- */

Test(manifest, every_key)
{
    manifest_t *m = ok(
        "version: 1\n"
        "python: \"3.12\"\n"
        "root: envs\n"
        "python-downloads: automatic\n"
        "index:\n"
        "  url: https://example.org/simple\n"
        "  extra-urls: [https://extra.example.org/simple, http://b.example/simple]\n"
        "  find-links: [wheels/, https://example.org/wheels/, /abs/wh]\n"
        "environments:\n"
        "  dev:\n"
        "    path: .venv\n"
        "    python: \">=3.11,<3.13\"\n"
        "    prompt: myproject\n"
        "    system-site-packages: true\n"
        "    packages:\n"
        "      - requests==2.32.3\n"
        "      - \"tomli==2.0.1; python_version < '3.11'\"\n"
        "    requirements:\n"
        "      - requirements/dev.txt\n"
        "    exact: false\n"
        "    upgrade: exact\n"
        "    compile: true\n"
        "  docs:\n"
        "    copy-from: dev\n"
        "    packages: [sphinx==7.4.7]\n");
    cr_assert_str_eq(m->file, "/proj/venv.yaml");
    cr_assert_str_eq(m->dir, "/proj");
    cr_assert_eq(m->version, 1);
    cr_assert_str_eq(m->python_text, "3.12");
    cr_assert_eq(m->python->kind, PYREQ_VERSION);
    cr_assert_str_eq(m->root, "/proj/envs");
    cr_assert_eq(m->python_downloads, DOWNLOADS_AUTOMATIC);
    cr_assert_str_eq(m->index_url, "https://example.org/simple");
    cr_assert_str_eq(m->extra_urls[0], "https://extra.example.org/simple");
    cr_assert_str_eq(m->extra_urls[1], "http://b.example/simple");
    cr_assert_null(m->extra_urls[2]);
    cr_assert_str_eq(m->find_links[0], "/proj/wheels");
    cr_assert_str_eq(m->find_links[1], "https://example.org/wheels/");
    cr_assert_str_eq(m->find_links[2], "/abs/wh");
    cr_assert_null(m->find_links[3]);
    cr_assert_eq(m->nenvs, 2);

    const mf_env_t *d = &m->envs[0];
    cr_assert_str_eq(d->name, "dev");
    cr_assert_eq(d->pos.line, 10);
    cr_assert_eq(d->pos.col, 3);
    cr_assert_str_eq(d->path, "/proj/.venv");
    cr_assert_str_eq(d->python_text, ">=3.11,<3.13");
    cr_assert_eq(d->python->kind, PYREQ_SPECS);
    cr_assert_str_eq(d->prompt, "myproject");
    cr_assert(d->system_site_packages);
    cr_assert_eq(d->npackages, 2);
    cr_assert_str_eq(d->packages[0].value, "requests==2.32.3");
    cr_assert_eq(d->packages[0].pos.line, 16);
    cr_assert_eq(d->packages[0].pos.col, 9);
    cr_assert_str_eq(d->packages[1].value, "tomli==2.0.1; python_version < '3.11'");
    cr_assert_eq(d->nrequirements, 1);
    cr_assert_str_eq(d->requirements[0].value, "/proj/requirements/dev.txt");
    cr_assert_eq(d->requirements[0].pos.line, 19);
    cr_assert_not(d->exact);
    cr_assert_eq(d->upgrade, UPGRADE_EXACT);
    cr_assert(d->compile);
    cr_assert_null(d->copy_from);

    const mf_env_t *s = manifest_env(m, "docs");
    cr_assert_eq(s, &m->envs[1]);
    cr_assert_str_eq(s->copy_from, "dev");
    cr_assert_str_eq(s->path, "/proj/envs/docs");
    cr_assert_eq(s->npackages, 1);
    cr_assert_str_eq(s->packages[0].value, "sphinx==7.4.7");
    cr_assert_null(manifest_env(m, "nope"));
    manifest_free(m);
}

Test(manifest, defaults)
{
    manifest_t *m = ok("version: 1\nenvironments:\n  dev: {}\n  tools:\n");
    cr_assert_null(m->python);
    cr_assert_null(m->python_text);
    cr_assert_str_eq(m->root, "/proj/.venvs");
    cr_assert_eq(m->python_downloads, DOWNLOADS_MANUAL);
    cr_assert_null(m->index_url);
    cr_assert_not_null(m->extra_urls);
    cr_assert_null(m->extra_urls[0]);
    cr_assert_not_null(m->find_links);
    cr_assert_null(m->find_links[0]);
    cr_assert_eq(m->nenvs, 2);
    for (size_t i = 0; i < 2; i++) {
        const mf_env_t *e = &m->envs[i];
        cr_assert_null(e->python);
        cr_assert_null(e->python_text);
        cr_assert_str_eq(e->prompt, e->name);
        cr_assert_not(e->system_site_packages);
        cr_assert_eq(e->npackages, 0);
        cr_assert_eq(e->nrequirements, 0);
        cr_assert(e->exact);
        cr_assert_eq(e->upgrade, UPGRADE_MINOR);
        cr_assert_null(e->copy_from);
        cr_assert_not(e->compile);
    }
    cr_assert_str_eq(m->envs[0].path, "/proj/.venvs/dev");
    cr_assert_str_eq(m->envs[1].path, "/proj/.venvs/tools");
    manifest_free(m);
}

Test(manifest, no_environments_is_valid)
{
    manifest_t *m = ok("version: 1\n");
    cr_assert_eq(m->nenvs, 0);
    cr_assert_not_null(m->envs);
    manifest_free(m);
    m = ok("version: 1\nenvironments: {}\n");
    cr_assert_eq(m->nenvs, 0);
    manifest_free(m);
}

Test(manifest, scalars_keep_their_text)
{
    manifest_t *m = ok("version: 1\npython: 3.10\nenvironments:\n  a: {python: 3}\n"
                       "  b: {python: 3.12.1}\n  c: {python: '3.13t', prompt: 010}\n");
    cr_assert_str_eq(m->python_text, "3.10");
    cr_assert_eq(m->python->nparts, 2);
    cr_assert_eq(m->python->parts[1], 10);
    cr_assert_str_eq(m->envs[0].python_text, "3");
    cr_assert_eq(m->envs[0].python->nparts, 1);
    cr_assert_str_eq(m->envs[1].python_text, "3.12.1");
    cr_assert_eq(m->envs[1].python->nparts, 3);
    cr_assert(m->envs[2].python->freethreaded);
    cr_assert_str_eq(m->envs[2].prompt, "010");
    manifest_free(m);
}

Test(manifest, booleans)
{
    manifest_t *m = ok("version: 1\nenvironments:\n  a: {exact: False, compile: TRUE, "
                       "system-site-packages: True}\n");
    cr_assert_not(m->envs[0].exact);
    cr_assert(m->envs[0].compile);
    cr_assert(m->envs[0].system_site_packages);
    manifest_free(m);
}

Test(manifest, python_inheritance)
{
    manifest_t *m = ok("version: 1\n"
                       "python: \"3.11\"\n"
                       "environments:\n"
                       "  a: {}\n"
                       "  b: {python: \"3.12\"}\n"
                       "  c: {copy-from: b}\n"
                       "  d: {copy-from: c}\n"
                       "  e: {copy-from: a}\n");
    cr_assert_str_eq(manifest_env(m, "a")->python_text, "3.11");
    cr_assert_eq(manifest_env(m, "a")->python->parts[1], 11);
    cr_assert_str_eq(manifest_env(m, "b")->python_text, "3.12");
    /* a copy runs on its source's interpreter request, through the chain */
    cr_assert_str_eq(manifest_env(m, "c")->python_text, "3.12");
    cr_assert_eq(manifest_env(m, "c")->python->parts[1], 12);
    cr_assert_str_eq(manifest_env(m, "d")->python_text, "3.12");
    cr_assert_str_eq(manifest_env(m, "e")->python_text, "3.11");
    /* each environment owns its request */
    cr_assert_neq(manifest_env(m, "a")->python, m->python);
    cr_assert_neq(manifest_env(m, "c")->python, manifest_env(m, "b")->python);
    manifest_free(m);
}

Test(manifest, python_path_request_is_resolved)
{
    setenv("VS_TEST_PYROOT", "/opt/py", 1);
    manifest_t *m = ok("version: 1\npython: tools/bin/python3\nenvironments:\n"
                       "  a: {python: \"${VS_TEST_PYROOT}/bin/python3.12\"}\n  b: {}\n");
    cr_assert_eq(m->python->kind, PYREQ_PATH);
    cr_assert_str_eq(m->python->path, "/proj/tools/bin/python3");
    cr_assert_str_eq(m->python_text, "tools/bin/python3");
    cr_assert_str_eq(m->envs[0].python->path, "/opt/py/bin/python3.12");
    cr_assert_str_eq(m->envs[1].python->path, "/proj/tools/bin/python3");
    manifest_free(m);
}

Test(manifest, paths_expand)
{
    setenv("HOME", "/home/tester", 1);
    setenv("VS_TEST_DATA", "/data/x", 1);
    manifest_t *m = ok("version: 1\n"
                       "root: ~/venvs\n"
                       "index:\n"
                       "  find-links: [\"${VS_TEST_DATA}/wheels\", \"~\", ../shared/wheels]\n"
                       "environments:\n"
                       "  a: {path: \"$VS_TEST_DATA/a/../envA\"}\n"
                       "  b: {requirements: [\"~/req.txt\", ./r/../req2.txt]}\n"
                       "  c: {path: /abs/c}\n");
    cr_assert_str_eq(m->root, "/home/tester/venvs");
    cr_assert_str_eq(m->find_links[0], "/data/x/wheels");
    cr_assert_str_eq(m->find_links[1], "/home/tester");
    cr_assert_str_eq(m->find_links[2], "/shared/wheels");
    cr_assert_str_eq(m->envs[0].path, "/data/x/envA");
    cr_assert_str_eq(m->envs[1].path, "/home/tester/venvs/b");
    cr_assert_str_eq(m->envs[1].requirements[0].value, "/home/tester/req.txt");
    cr_assert_str_eq(m->envs[1].requirements[1].value, "/proj/req2.txt");
    cr_assert_str_eq(m->envs[2].path, "/abs/c");
    manifest_free(m);
}

Test(manifest, unset_variable)
{
    unsetenv("VS_TEST_UNSET");
    fails_with("version: 1\nenvironments:\n  a:\n    path: ${VS_TEST_UNSET}/a\n",
               F ":4:11: 'path' in environment 'a': environment variable 'VS_TEST_UNSET' used in "
               "'${VS_TEST_UNSET}/a' is not set");
}

Test(manifest, anchors_aliases_and_merge_keys)
{
    manifest_t *m = ok("version: 1\n"
                       "environments:\n"
                       "  py311: &base\n"
                       "    python: \"3.11\"\n"
                       "    packages: &pk [pytest==8.3.2]\n"
                       "    compile: true\n"
                       "  py312:\n"
                       "    <<: *base\n"
                       "    python: \"3.12\"\n"
                       "  other:\n"
                       "    packages: *pk\n");
    cr_assert_eq(m->nenvs, 3);
    const mf_env_t *b = manifest_env(m, "py312");
    cr_assert_str_eq(b->python_text, "3.12");       /* own key wins over the merged one */
    cr_assert(b->compile);
    cr_assert_eq(b->npackages, 1);
    cr_assert_str_eq(b->packages[0].value, "pytest==8.3.2");
    cr_assert_eq(manifest_env(m, "other")->npackages, 1);
    manifest_free(m);
}

/* ---- errors, each at its exact position ---------------------------------------------------- */

Test(manifest, unknown_key_did_you_mean)
{
    fails_with("version: 1\nenvironments:\n  dev:\n    pyhton: \"3.12\"\n",
               F ":4:5: unknown key 'pyhton' in environment 'dev' (did you mean 'python'?)");
    fails_with("version: 1\nroots: x\n",
               F ":2:1: unknown key 'roots' at the top level (did you mean 'root'?)");
    fails_with("version: 1\nenvironments:\n  dev:\n    system_site_packages: true\n",
               F ":4:5: unknown key 'system_site_packages' in environment 'dev' (did you mean "
               "'system-site-packages'?)");
    fails_with("version: 1\nindex:\n  find_links: []\n",
               F ":3:3: unknown key 'find_links' in 'index' (did you mean 'find-links'?)");
    fails_with("version: 1\nenvironments:\n  dev:\n    requirments: [a.txt]\n",
               F ":4:5: unknown key 'requirments' in environment 'dev' (did you mean "
               "'requirements'?)");
}

Test(manifest, unknown_key_placement_and_list)
{
    fails_with("version: 1\npackages: [a==1]\n",
               F ":2:1: unknown key 'packages' at the top level ('packages' belongs inside an "
               "environment, under 'environments: NAME:')");
    fails_with("version: 1\nenvironments:\n  dev:\n    root: x\n",
               F ":4:5: unknown key 'root' in environment 'dev' ('root' is a top-level key)");
    fails_with("version: 1\nenvironments:\n  dev:\n    find-links: [w]\n",
               F ":4:5: unknown key 'find-links' in environment 'dev' ('find-links' belongs under "
               "the top-level 'index:')");
    fails_with("version: 1\ndev:\n  path: .venv\n",
               F ":2:1: unknown key 'dev' at the top level (environments are listed under "
               "'environments:')");
    fails_with("version: 1\nenvironments:\n  dev:\n    zzzzzz: 1\n",
               F ":4:5: unknown key 'zzzzzz' in environment 'dev' (valid keys: path, python, "
               "prompt, system-site-packages, packages, requirements, exact, upgrade, copy-from, "
               "compile, seed, link-mode, project, build, lock-environments, pylock)");
}

Test(manifest, wrong_types)
{
    fails_with("version: 1\nenvironments:\n  dev:\n    exact: yes\n",
               F ":4:12: 'exact' in environment 'dev' must be true or false, not 'yes'");
    fails_with("version: 1\nenvironments:\n  dev:\n    compile: \"true\"\n",
               F ":4:14: 'compile' in environment 'dev' must be true or false (unquoted), not "
               "the string 'true'");
    fails_with("version: 1\nenvironments:\n  dev:\n    system-site-packages: [true]\n",
               F ":4:27: 'system-site-packages' in environment 'dev' must be true or false, not "
               "a list");
    fails_with("version: 1\nenvironments:\n  dev:\n    packages: requests==2.0\n",
               F ":4:15: 'packages' in environment 'dev' must be a list of strings, not the string "
               "'requests==2.0' (write [requests==2.0], or one '- item' per line)");
    fails_with("version: 1\nenvironments:\n  dev:\n    packages:\n      - a==1\n      - {b: 1}\n",
               F ":6:9: item 2 of 'packages' in environment 'dev' must be a string, not a mapping");
    fails_with("version: 1\nenvironments:\n  dev:\n    requirements:\n",
               F ":4:18: 'requirements' in environment 'dev' must be a list of strings, not empty "
               "(null) (write [] for none)");
    fails_with("version: 1\nenvironments:\n  dev:\n    path: [a]\n",
               F ":4:11: 'path' in environment 'dev' must be a string, not a list");
    fails_with("version: 1\nenvironments:\n  dev:\n    prompt:\n",
               F ":4:12: 'prompt' in environment 'dev' has no value");
    fails_with("version: 1\nroot: {a: 1}\n", F ":2:7: 'root' must be a string, not a mapping");
    fails_with("version: 1\nindex: https://x/simple\n",
               F ":2:8: 'index' must be a mapping (url, extra-urls, find-links), not "
               "'https://x/simple'");
    fails_with("version: 1\nenvironments: [dev]\n",
               F ":2:15: 'environments' must be a mapping of environment names to settings, not "
               "a list");
    fails_with("version: 1\nenvironments:\n",
               F ":2:14: 'environments' is empty: list at least one environment under it, or "
               "write 'environments: {}'");
    fails_with("version: 1\nenvironments:\n  dev: [a]\n",
               F ":3:8: environment 'dev' must be a mapping of settings (path, python, packages, "
               "...), not a list");
}

Test(manifest, bad_enum_values)
{
    fails_with("version: 1\nenvironments:\n  dev:\n    upgrade: major\n",
               F ":4:14: 'upgrade' in environment 'dev' must be minor or exact, not 'major'");
    fails_with("version: 1\npython-downloads: automatc\n",
               F ":2:19: 'python-downloads' must be automatic, manual or never, not 'automatc' "
               "(did you mean 'automatic'?)");
}

Test(manifest, urls)
{
    fails_with("version: 1\nindex:\n  url: pypi.org/simple\n",
               F ":3:8: 'url' in 'index' must be a URL like https://pypi.org/simple, not "
               "'pypi.org/simple'");
    fails_with("version: 1\nindex:\n  extra-urls: [https://a/simple, b/simple]\n",
               F ":3:34: item 2 of 'extra-urls' in 'index' must be a URL like "
               "https://example.org/simple, not 'b/simple'");
}

Test(manifest, duplicate_keys)
{
    fails_with("version: 1\npython: \"3\"\npython: \"3.12\"\n",
               F ":3:1: duplicate key 'python' at the top level (first at line 2)");
    fails_with("version: 1\nenvironments:\n  dev:\n    path: a\n    path: b\n",
               F ":5:5: duplicate key 'path' in environment 'dev' (first at line 4)");
    fails_with("version: 1\nenvironments:\n  dev: {}\n  test: {}\n  dev: {}\n",
               F ":5:3: duplicate environment 'dev' (first defined at line 3)");
}

Test(manifest, duplicate_and_nested_paths)
{
    fails_with("version: 1\nenvironments:\n  a:\n    path: .venv\n  b:\n    path: ./x/../.venv/\n",
               F ":6:11: environment 'b' has the same path as environment 'a' (/proj/.venv)");
    /* b has no path: it lives at <root>/b, which a claims: reported at b's key */
    fails_with("version: 1\nenvironments:\n  a:\n    path: .venvs/b\n  b: {}\n",
               F ":5:3: environment 'b' has the same path as environment 'a' (/proj/.venvs/b)");
    fails_with("version: 1\nenvironments:\n  outer:\n    path: envs\n  inner:\n    path: envs/in\n",
               F ":6:11: environment 'inner' (/proj/envs/in) lies inside environment 'outer' "
               "(/proj/envs)");
    /* a sibling whose name shares a prefix is not inside */
    manifest_t *m = ok("version: 1\nenvironments:\n  a: {path: envs}\n  b: {path: envs2}\n"
                       "  c: {path: envs-x}\n");
    manifest_free(m);
}

Test(manifest, path_containing_the_project)
{
    fails_with("version: 1\nenvironments:\n  a:\n    path: .\n",
               F ":4:11: the path of environment 'a' (/proj) contains the manifest's own "
               "directory; recreating it would delete the project");
    fails_with("version: 1\nenvironments:\n  a:\n    path: ..\n",
               F ":4:11: the path of environment 'a' (/) contains the manifest's own directory; "
               "recreating it would delete the project");
}

Test(manifest, colon_in_path)
{
    fails_with("version: 1\nenvironments:\n  a:\n    path: \"env:1\"\n",
               F ":4:11: the path of environment 'a' (/proj/env:1) contains ':', which a "
               "virtual environment's path cannot (it separates entries in PATH)");
    fails_with("version: 1\nenvironments:\n  \"a:b\": {}\n",
               F ":3:3: the path of environment 'a:b' (/proj/.venvs/a:b) contains ':', which a "
               "virtual environment's path cannot (it separates entries in PATH)");
}

Test(manifest, copy_from_errors)
{
    fails_with("version: 1\nenvironments:\n  dev: {}\n  docs:\n    copy-from: dve\n",
               F ":5:16: 'copy-from' in environment 'docs' names 'dve', which is not an "
               "environment in this manifest (did you mean 'dev'?)");
    fails_with("version: 1\nenvironments:\n  dev: {}\n  docs:\n    copy-from: production\n",
               F ":5:16: 'copy-from' in environment 'docs' names 'production', which is not an "
               "environment in this manifest");
    fails_with("version: 1\nenvironments:\n  a:\n    copy-from: a\n",
               F ":4:16: environment 'a' cannot copy from itself");
}

Test(manifest, copy_from_cycles)
{
    fails_with("version: 1\n"
               "environments:\n"
               "  x: {copy-from: a}\n"
               "  a: {copy-from: b}\n"
               "  b: {copy-from: c}\n"
               "  c: {copy-from: a}\n"
               "  d: {copy-from: x}\n",
               F ":4:18: 'copy-from' makes a cycle: a -> b -> c -> a");
    /* two separate cycles: both reported; a chain into a cycle is not a cycle itself */
    int n;
    char *msgs = fails("version: 1\n"
                       "environments:\n"
                       "  p: {copy-from: q}\n"
                       "  q: {copy-from: p}\n"
                       "  r: {copy-from: s}\n"
                       "  s: {copy-from: r}\n"
                       "  t: {copy-from: r}\n", &n);
    cr_assert_eq(n, 2, "%s", msgs);
    has_error(msgs, F ":3:18: 'copy-from' makes a cycle: p -> q -> p");
    has_error(msgs, F ":5:18: 'copy-from' makes a cycle: r -> s -> r");
    free(msgs);
    /* a long chain is fine */
    manifest_t *m = ok("version: 1\nenvironments:\n  a: {}\n  b: {copy-from: a}\n"
                       "  c: {copy-from: b}\n  d: {copy-from: c}\n");
    cr_assert_str_eq(manifest_env(m, "d")->copy_from, "c");
    manifest_free(m);
}

Test(manifest, bad_python_requests)
{
    fails_with("version: 1\npython: 3.x\n",
               F ":2:9: 'python': '3.x': 'x' is not a number; valid forms are 3, 3.12, 3.12.1, "
               "3.13t, a specifier set like >=3.10,<3.13, cpython@3.12, pypy@3.10, cp312, any, or "
               "a path to an interpreter");
    int n;
    char *msgs = fails("version: 1\nenvironments:\n  a: {python: python3.12.1.5}\n"
                       "  b: {python: \"@3\"}\n  c: {python: \"cpython@\"}\n"
                       "  d: {python: \">=3.10,<<3\"}\n", &n);
    cr_assert_eq(n, 4, "%s", msgs);
    cr_assert(strstr(msgs, F ":3:15: 'python' in environment 'a': 'python3.12.1.5': a version has "
                           "at most three parts"), "%s", msgs);
    cr_assert(strstr(msgs, F ":4:15: 'python' in environment 'b': '@3': missing an implementation "
                           "name before '@'"), "%s", msgs);
    cr_assert(strstr(msgs, F ":5:15: 'python' in environment 'c': 'cpython@': missing a version "
                           "after '@'"), "%s", msgs);
    cr_assert(strstr(msgs, F ":6:15: 'python' in environment 'd': '>=3.10,<<3'"), "%s", msgs);
    free(msgs);
}

Test(manifest, bad_environment_names)
{
    int n;
    char *msgs = fails("version: 1\nenvironments:\n  \"a/b\": {}\n  \".\": {}\n  \"..\": {}\n"
                       "  \"\": {}\n  \"-x\": {}\n  \"t\\tab\": {}\n", &n);
    cr_assert_eq(n, 6, "%s", msgs);
    has_error(msgs, F ":3:3: environment name 'a/b' cannot contain '/' (the name is a directory "
                      "name)");
    has_error(msgs, F ":4:3: environment name '.' is not usable as a directory name");
    has_error(msgs, F ":5:3: environment name '..' is not usable as a directory name");
    has_error(msgs, F ":6:3: an environment name cannot be empty");
    has_error(msgs, F ":7:3: environment name '-x' cannot start with '-' (it would read as a "
                      "command-line option)");
    has_error(msgs, F ":8:3: environment name 't\tab' cannot contain control characters");
    free(msgs);
}

Test(manifest, version_key)
{
    fails_with("environments:\n  dev: {}\n",
               F ":1:1: missing 'version: 1' (the manifest format version) at the top level");
    fails_with("version: \"1\"\n",
               F ":1:10: 'version' must be the number 1 (unquoted), not the string '1'");
    fails_with("version: 1.0\n", F ":1:10: 'version' must be 1, not '1.0'");
    /* a newer format: only that is reported, not its (to us) unknown keys */
    fails_with("python: 3\nversion: 2\nnew-key: 1\nenvironments:\n  dev: {whatever: 1}\n",
               F ":2:10: unsupported manifest version 2: this venvsync reads version 1 (upgrade "
               "venvsync to read it)");
}

Test(manifest, yaml_syntax_errors)
{
    fails_with("version: 1\nenvironments:\n  dev: {path: a\n",
               F ":4:1: YAML syntax error: did not find expected ',' or '}' (while parsing a flow "
               "mapping at line 3, column 8)");
    fails_with("version: 1\nenvironments:\n  dev:\n\tpath: a\n",
               F ":4:1: YAML syntax error: found character that cannot start any token (a tab: "
               "YAML indents with spaces only) (while scanning for the next token at line 4, "
               "column 1)");
    fails_with("version: 1\npython: *nope\n",
               F ":2:9: YAML syntax error: found undefined alias");
    fails_with("version: 1\n---\nversion: 1\n",
               F ":2:1: a manifest is a single YAML document; remove the second one");
}

Test(manifest, invalid_utf8)
{
    const char text[] = "version: 1\nenvironments:\n  d\xff: {}\n";
    manifest_t *m = NULL;
    err_t *e = manifest_parse(text, sizeof text - 1, F, support_env(), &m);
    cr_assert_not_null(e);
    cr_assert_null(e->next);
    cr_assert(strncmp(e->msg, F ":3:4: not valid text:", strlen(F ":3:4: not valid text:")) == 0,
              "%s", e->msg);
    err_free(e);
}

Test(manifest, empty_and_non_mapping)
{
    fails_with("", F ":1:1: the manifest is empty; it needs at least 'version: 1' and "
                   "'environments:'");
    fails_with("# only a comment\n\n", F ":1:1: the manifest is empty; it needs at least "
                                       "'version: 1' and 'environments:'");
    fails_with("- version: 1\n", F ":1:1: the manifest must be a mapping of keys (version, python, "
                                 "environments, ...), not a list");
    fails_with("hello\n", F ":1:1: the manifest must be a mapping of keys (version, python, "
                          "environments, ...), not 'hello'");
    fails_with("[1]: x\nversion: 1\n", F ":1:1: a key must be a plain string, not a list");
}

Test(manifest, every_error_reported_in_order)
{
    int n;
    char *msgs = fails("version: 1\n"                     /* 1 */
                       "python: \"3.x\"\n"                /* 2 */
                       "roots: .venvs\n"                  /* 3 */
                       "environments:\n"                  /* 4 */
                       "  dev:\n"                         /* 5 */
                       "    pyhton: \"3.12\"\n"           /* 6 */
                       "    path: .venv\n"                /* 7 */
                       "    exact: maybe\n"               /* 8 */
                       "  test:\n"                        /* 9 */
                       "    path: .venv\n"                /* 10 */
                       "    copy-from: tset\n"            /* 11 */
                       "  \"x/y\": {}\n",                 /* 12 */
                       &n);
    const char *want[] = {
        F ":2:9: 'python': '3.x': ",
        F ":3:1: unknown key 'roots' at the top level (did you mean 'root'?)",
        F ":6:5: unknown key 'pyhton' in environment 'dev' (did you mean 'python'?)",
        F ":8:12: 'exact' in environment 'dev' must be true or false, not 'maybe'",
        F ":10:11: environment 'test' has the same path as environment 'dev' (/proj/.venv)",
        F ":11:16: 'copy-from' in environment 'test' names 'tset', which is not an environment "
          "in this manifest (did you mean 'test'?)",
        F ":12:3: environment name 'x/y' cannot contain '/' (the name is a directory name)",
    };
    cr_assert_eq(n, 7, "%s", msgs);
    /* in file order */
    const char *p = msgs;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        cr_assert_eq(strncmp(p, want[i], strlen(want[i])), 0, "error %zu: want %s\nin:\n%s", i,
                     want[i], msgs);
        p = strchr(p, '\n');
        p = p ? p + 1 : "";
    }
    free(msgs);
}

Test(manifest, errors_name_the_file_as_given)
{
    manifest_t *m;
    err_t *e = manifest_parse("version: 2\n", 11, "sub/dir/venv.yaml", support_env(), &m);
    cr_assert_not_null(e);
    cr_assert_eq(strncmp(e->msg, "sub/dir/venv.yaml:1:10: ", 24), 0, "%s", e->msg);
    err_free(e);
}

Test(manifest, merge_key_errors)
{
    fails_with("version: 1\nenvironments:\n  a:\n    <<: 3\n",
               F ":4:9: a merge key ('<<') takes a mapping or a list of mappings, not a string");
    /* an own key repeated is a duplicate; a merged one is overridden silently */
    manifest_t *m = ok("version: 1\nenvironments:\n  a: &a {prompt: A, exact: false}\n"
                       "  b: {<<: [*a, {prompt: Z, compile: true}], prompt: B}\n");
    const mf_env_t *b = manifest_env(m, "b");
    cr_assert_str_eq(b->prompt, "B");
    cr_assert_not(b->exact);
    cr_assert(b->compile);
    manifest_free(m);
}

Test(manifest, list_item_errors)
{
    int n;
    char *msgs = fails("version: 1\nenvironments:\n  dev:\n    packages:\n      - \"\"\n"
                       "      -\n      - [x]\n", &n);
    cr_assert_eq(n, 3, "%s", msgs);
    has_error(msgs, F ":5:9: item 1 of 'packages' in environment 'dev' is empty");
    has_error(msgs, F ":6:8: item 2 of 'packages' in environment 'dev' must be a string, not "
                      "empty (null)");
    has_error(msgs, F ":7:9: item 3 of 'packages' in environment 'dev' must be a string, not a "
                      "list");
    free(msgs);
}

/* ---- files ---------------------------------------------------------------------------------- */

static char *mktree(void)
{
    char tmpl[] = "/tmp/vs-manifest-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return xstrdup(d);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

Test(manifest, find_nearest)
{
    char *root = mktree();
    char *sub = xasprintf("%s/a/b", root);
    char *a = xasprintf("%s/a", root);
    cr_assert_eq(mkdir(a, 0755), 0);
    cr_assert_eq(mkdir(sub, 0755), 0);
    char *top = xasprintf("%s/venv.yaml", root);
    write_file(top, "version: 1\n");
    /* a directory called venv.yaml is not a manifest */
    char *decoy = xasprintf("%s/venv.yaml", a);
    cr_assert_eq(mkdir(decoy, 0755), 0);

    char *found = NULL;
    cr_assert_null(manifest_find(sub, &found));
    cr_assert_str_eq(found, top);
    free(found);
    cr_assert_null(manifest_find(root, &found));
    cr_assert_str_eq(found, top);
    free(found);

    /* the nearest wins */
    char *near = xasprintf("%s/venv.yaml", sub);
    write_file(near, "version: 1\n");
    cr_assert_null(manifest_find(sub, &found));
    cr_assert_str_eq(found, near);
    free(found);

    remove(near);
    remove(top);
    rmdir(decoy);
    err_t *e = manifest_find(sub, &found);
    /* (unless some directory above /tmp holds one) */
    if (e) {
        cr_assert_null(found);
        cr_assert_eq(e->exit_code, EXIT_USAGE);
        cr_assert(strstr(e->msg, "no venv.yaml in"), "%s", e->msg);
        err_free(e);
    } else {
        cr_assert(strncmp(found, root, strlen(root)) != 0);
        free(found);
    }
    rmdir(sub);
    rmdir(a);
    rmdir(root);
    free(near);
    free(decoy);
    free(top);
    free(a);
    free(sub);
    free(root);
}

Test(manifest, load_file)
{
    char *root = mktree();
    char *p = xasprintf("%s/venv.yaml", root);
    write_file(p, "version: 1\nenvironments:\n  dev:\n    path: .venv\n");
    manifest_t *m = NULL;
    cr_assert_null(manifest_load(p, support_env(), &m));
    cr_assert_str_eq(m->file, p);
    cr_assert_str_eq(m->dir, root);
    char *want = xasprintf("%s/.venv", root);
    cr_assert_str_eq(m->envs[0].path, want);
    manifest_free(m);
    free(want);
    remove(p);

    err_t *e = manifest_load(p, support_env(), &m);
    cr_assert_not_null(e);
    cr_assert_null(m);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    rmdir(root);
    free(p);
    free(root);
}

static void load_ok(const char *path)
{
    manifest_t *m = NULL;
    err_t *e = manifest_load(path, support_env(), &m);
    for (err_t *p = e; p; p = p->next)
        cr_log_error("%s", p->msg);
    cr_assert_null(e, "%s does not load", path);
    cr_assert_gt(m->nenvs, 0, "%s has no environments", path);
    manifest_free(m);
}

Test(manifest, shipped_examples_load)
{
    setenv("HOME", "/home/tester", 1);
    load_ok(TEST_SRC_DIR "/venv.yaml.example");
    DIR *d = opendir(TEST_SRC_DIR "/examples");
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) { /* each example is a folder holding its venv.yaml */
        if (de->d_name[0] == '.')
            continue;
        char *p = xasprintf("%s/examples/%s/venv.yaml", TEST_SRC_DIR, de->d_name);
        load_ok(p);
        free(p);
        n++;
    }
    closedir(d);
    cr_assert_geq(n, 4, "expected at least 4 examples, found %d", n);
}

Test(manifest, example_quick_start_shape)
{
    /* The README quick start syncs this offline, before packages exist: python "3", no
     * packages or requirements anywhere. */
    manifest_t *m = NULL;
    cr_assert_null(manifest_load(TEST_SRC_DIR "/venv.yaml.example", support_env(), &m));
    cr_assert_str_eq(m->python_text, "3");
    for (size_t i = 0; i < m->nenvs; i++) {
        cr_assert_eq(m->envs[i].npackages, 0);
        cr_assert_eq(m->envs[i].nrequirements, 0);
    }
    manifest_free(m);
}

/* ---- suggestions ---------------------------------------------------------------------------- */

Test(manifest, suggest)
{
    static const char *const keys[] = {"path", "python", "prompt", "packages", "exact"};
    cr_assert_eq(suggest_distance("pyhton", "python"), 1);
    cr_assert_eq(suggest_distance("kitten", "sitting"), 3);
    cr_assert_eq(suggest_distance("", "abc"), 3);
    cr_assert_eq(suggest_distance("Find_Links", "find-links"), 0);
    cr_assert_str_eq(suggest_closest("pyhton", keys, 5), "python");
    cr_assert_str_eq(suggest_closest("pakages", keys, 5), "packages");
    cr_assert_str_eq(suggest_closest("pat", keys, 5), "path");
    cr_assert_str_eq(suggest_closest("Exact", keys, 5), "exact");
    cr_assert_null(suggest_closest("python", keys, 5));    /* exact: nothing to suggest */
    cr_assert_null(suggest_closest("zzzz", keys, 5));
    cr_assert_null(suggest_closest("major", (const char *const[]){"minor", "exact"}, 2));
}

Test(manifest, lock_environments_narrow_the_lock_per_environment)
{
    manifest_t *m = ok("version: 1\n"
                       "lock-environments: [\"sys_platform == 'linux'\"]\n"
                       "environments:\n"
                       "  dev: {packages: [six]}\n"
                       "  mac:\n"
                       "    packages: [six]\n"
                       "    lock-environments:\n"
                       "      - \"sys_platform == 'darwin' and platform_machine == 'arm64'\"\n"
                       "      - \"sys_platform == 'darwin'\"\n");
    cr_assert_eq(strv_len(m->lock_environments), 1);
    cr_assert_eq(strv_len(m->envs[0].lock_environments), 1, "inherited from the top level");
    cr_assert_str_eq(m->envs[0].lock_environments[0], "sys_platform == 'linux'");
    cr_assert_eq(strv_len(m->envs[1].lock_environments), 2, "its own replaces the top level's");
    cr_assert_str_eq(m->envs[1].lock_environments[1], "sys_platform == 'darwin'");
    manifest_free(m);
    m = ok("version: 1\nenvironments:\n  dev: {packages: [six]}\n");
    cr_assert_null(m->envs[0].lock_environments, "none given: every platform");
    manifest_free(m);
    char *msgs = fails("version: 1\nlock-environments: [\"sys_platform = 'linux'\"]\n"
                       "environments:\n  dev: {}\n", NULL);
    cr_assert(strstr(msgs, F ":2:21: item 1 of 'lock-environments' is not a PEP 508 marker"),
              "%s", msgs);
    free(msgs);
    msgs = fails("version: 1\nenvironments:\n  dev:\n    lock-environments: []\n", NULL);
    cr_assert(strstr(msgs, "'lock-environments' in environment 'dev' is empty"), "%s", msgs);
    free(msgs);
}

Test(manifest, pylock_names_another_tools_lock_and_stands_alone)
{
    manifest_t *m = ok("version: 1\nenvironments:\n  dev:\n    pylock: locks/pylock.toml\n");
    cr_assert_str_eq(m->envs[0].pylock, "/proj/locks/pylock.toml", "relative to the manifest");
    cr_assert(m->envs[0].manages_packages, "the lock owns the packages");
    manifest_free(m);
    fails_with("version: 1\nenvironments:\n  dev:\n    pylock: pylock.toml\n"
               "    packages: [six]\n",
               F ":5:5: environment 'dev' has both 'pylock' and 'packages': a lock another tool "
               "wrote is installed as it is, so the packages come from it alone");
    fails_with("version: 1\nenvironments:\n  dev:\n    project: .\n    pylock: pylock.toml\n",
               F ":4:5: environment 'dev' has both 'pylock' and 'project': a lock another tool "
               "wrote is installed as it is, so the packages come from it alone");
}
