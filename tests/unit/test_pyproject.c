/* Unit tests for build/pyproject: [build-system], [project] and [dependency-groups] rules, the
 * legacy backend choice, static metadata and every error with its position. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/pyproject.h"
#include "support.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void ok_root(const char *text, const char *root, pyproject_t *p)
{
    err_t *e = pyproject_parse(text, text ? strlen(text) : 0, "pyproject.toml", root, p);
    cr_assert_null(e, "%s\n-> %s", text ? text : "(none)", e ? e->msg : "");
}

static void ok(const char *text, pyproject_t *p)
{
    ok_root(text, NULL, p);
}

/* Parsing must fail with exactly want. */
static void bad_root(const char *text, const char *root, const char *want)
{
    pyproject_t p;
    err_t *e = pyproject_parse(text, strlen(text), "pyproject.toml", root, &p);
    cr_assert_not_null(e, "accepted:\n%s", text);
    cr_assert_str_eq(e->msg, want, "%s\ngot:  %s\nwant: %s", text, e->msg, want);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert_null(p.name);
    cr_assert_null(p.doc);
    err_free(e);
}

static void bad(const char *text, const char *want)
{
    bad_root(text, NULL, want);
}

#define BS "[build-system]\nrequires = [\"x\"]\nbuild-backend = \"x.api\"\n"
#define PROJ BS "[project]\nname = \"demo\"\nversion = \"1.0\"\n"

static void strv_is(char *const *v, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        cr_assert(v && v[n], "item %zu missing (want '%s')", n, want[n]);
        cr_assert_str_eq(v[n], want[n]);
    }
    cr_assert(!v || !v[n], "extra item '%s'", v ? v[n] : "");
}

/* ---- [build-system] ------------------------------------------------------------------------ */

Test(pyproject, no_file_is_legacy)
{
    pyproject_t p;
    ok(NULL, &p);
    cr_assert(!p.has_file);
    cr_assert(p.legacy);
    cr_assert_str_eq(p.build_backend, "setuptools.build_meta:__legacy__");
    strv_is(p.build_requires, (const char *[]){"setuptools>=40.8.0", NULL});
    pyproject_free(&p);
}

Test(pyproject, no_build_system_is_legacy)
{
    pyproject_t p;
    ok("[project]\nname = \"a\"\nversion = \"1\"\n", &p);
    cr_assert(p.has_file);
    cr_assert(!p.has_build_system);
    cr_assert(p.legacy);
    cr_assert_str_eq(p.build_backend, PYPROJECT_LEGACY_BACKEND);
    strv_is(p.build_requires, (const char *[]){"setuptools>=40.8.0", NULL});
    pyproject_free(&p);
}

Test(pyproject, requires_without_backend_is_legacy_with_those_requires)
{
    pyproject_t p;
    ok("[build-system]\nrequires = [\"setuptools>=60\", \"cython\"]\n", &p);
    cr_assert(p.has_build_system);
    cr_assert(p.legacy);
    cr_assert_str_eq(p.build_backend, PYPROJECT_LEGACY_BACKEND);
    strv_is(p.build_requires, (const char *[]){"setuptools>=60", "cython", NULL});
    pyproject_free(&p);
}

Test(pyproject, backend_and_requires)
{
    pyproject_t p;
    ok("[build-system]\nrequires = [\"hatchling>=1.5 ; python_version >= '3.8'\"]\n"
       "build-backend = \"hatchling.build\"\n", &p);
    cr_assert(!p.legacy);
    cr_assert_str_eq(p.build_backend, "hatchling.build");
    strv_is(p.build_requires, (const char *[]){"hatchling>=1.5 ; python_version >= '3.8'", NULL});
    cr_assert_null(p.backend_path);
    cr_assert(!p.has_project);
    pyproject_free(&p);
}

Test(pyproject, empty_requires_is_an_empty_list)
{
    pyproject_t p;
    ok("[build-system]\nrequires = []\nbuild-backend = \"b\"\n", &p);
    cr_assert_not_null(p.build_requires);
    cr_assert_null(p.build_requires[0]);
    pyproject_free(&p);
}

Test(pyproject, backend_object_forms)
{
    const char *good[] = {"a", "a.b.c", "a:b", "a.b:C.d", "_x1.y_:Z9", NULL};
    for (size_t i = 0; good[i]; i++) {
        char *t = xasprintf("[build-system]\nrequires = []\nbuild-backend = \"%s\"\n", good[i]);
        pyproject_t p;
        ok(t, &p);
        cr_assert_str_eq(p.build_backend, good[i]);
        pyproject_free(&p);
        free(t);
    }
    const char *badv[] = {"", "a.", ".a", "a:", ":b", "a:b:c", "1a", "a-b", "a b", "a..b",
                          "a:b.", NULL};
    for (size_t i = 0; badv[i]; i++) {
        char *t = xasprintf("[build-system]\nrequires = []\nbuild-backend = \"%s\"\n", badv[i]);
        char *want = xasprintf("pyproject.toml:3:17: build-system.build-backend '%s' is not "
                               "'module' or 'module:object' (Python names separated by dots)",
                               badv[i]);
        bad(t, want);
        free(want);
        free(t);
    }
}

Test(pyproject, build_system_errors)
{
    bad("[build-system]\nbuild-backend = \"x\"\n",
        "pyproject.toml:1:1: [build-system] has no 'requires' (PEP 518 requires it)");
    bad("build-system = 3\n", "pyproject.toml:1:16: [build-system] must be a table, not a integer");
    bad("[build-system]\nrequires = \"setuptools\"\n",
        "pyproject.toml:2:12: build-system.requires must be an array of strings, not a string");
    bad("[build-system]\nrequires = [\"ok\", 3]\n",
        "pyproject.toml:2:19: build-system.requires must be an array of strings, not hold a "
        "integer");
    bad("[build-system]\nrequires = [\"ok\",\n  \"not a req!\"]\n",
        "pyproject.toml:3:3: build-system.requires: invalid requirement 'not a req!': "
        "expected the end or ';' (after the name and no valid version specifier) at column 5");
    bad("[build-system]\nrequires = []\nbuild-backend = 1\n",
        "pyproject.toml:3:17: build-system.build-backend must be a string, not a integer");
    bad("[build-system]\nrequires = []\nbackend-path = \"x\"\n",
        "pyproject.toml:3:16: build-system.backend-path must be an array of strings, not a "
        "string");
}

Test(pyproject, syntax_error_has_position)
{
    bad("[build-system]\nrequires = [\"a\"\n", "pyproject.toml:3:1: unexpected end of file "
        "(expected ',' or ']')");
    bad("[project]\nname = 'x\n", "pyproject.toml:2:8: unterminated string (a newline before "
        "the closing quote)");
}

/* ---- backend-path ---------------------------------------------------------------------------- */

Test(pyproject, backend_path_resolved_inside_root)
{
    char *dir = support_tmpdir("venvsync-pyproject");
    char *f = support_write(dir, "backend/mod.py", "");
    free(f);
    f = support_write(dir, "deep/er/x.py", "");
    free(f);
    pyproject_t p;
    ok_root("[build-system]\nrequires = []\nbuild-backend = \"mod\"\n"
            "backend-path = [\"backend\", \"deep/er/..\", \".\"]\n", dir, &p);
    char *real = path_real(dir);
    char *b = path_join(real, "backend"), *d = path_join(real, "deep");
    strv_is(p.backend_path, (const char *[]){b, d, real, NULL});
    free(b);
    free(d);
    free(real);
    pyproject_free(&p);
    support_tmpdir_free(dir);
}

Test(pyproject, backend_path_leaving_root_is_refused)
{
    char *dir = support_tmpdir("venvsync-pyproject");
    char *real = path_real(dir);
    char *proj = path_join(dir, "proj");
    char *f = support_write(dir, "proj/inside/x.py", "");
    free(f);
    f = support_write(dir, "outside/x.py", "");
    free(f);
    char *link = path_join(proj, "sneaky");
    char *outside = path_join(dir, "outside");
    cr_assert_eq(symlink(outside, link), 0);

    char *want = xasprintf("pyproject.toml:4:17: build-system.backend-path entry '..' leads "
                           "outside the project directory (to %s)", real);
    bad_root("[build-system]\nrequires = []\nbuild-backend = \"m\"\nbackend-path = [\"..\"]\n",
             proj, want);
    free(want);
    want = xasprintf("pyproject.toml:4:27: build-system.backend-path entry 'sneaky' leads "
                     "outside the project directory (to %s/outside)", real);
    bad_root("[build-system]\nrequires = []\nbuild-backend = \"m\"\n"
             "backend-path = [\"inside\", \"sneaky\"]\n", proj, want);
    free(want);
    bad_root("[build-system]\nrequires = []\nbuild-backend = \"m\"\nbackend-path = [\"/tmp\"]\n",
             proj, "pyproject.toml:4:17: build-system.backend-path entry '/tmp' must be "
             "relative to the project directory");
    bad_root("[build-system]\nrequires = []\nbuild-backend = \"m\"\nbackend-path = [\"nope\"]\n",
             proj, "pyproject.toml:4:17: build-system.backend-path entry 'nope': No such file "
             "or directory");
    free(outside);
    free(link);
    free(proj);
    free(real);
    support_tmpdir_free(dir);
}

Test(pyproject, backend_path_without_root_is_kept_as_written)
{
    pyproject_t p;
    ok("[build-system]\nrequires = []\nbuild-backend = \"m\"\nbackend-path = [\"a\", \"b/c\"]\n",
       &p);
    strv_is(p.backend_path, (const char *[]){"a", "b/c", NULL});
    pyproject_free(&p);
}

/* ---- pyproject_load ---------------------------------------------------------------------- */

Test(pyproject, load_reads_the_file_and_names_it)
{
    char *dir = support_tmpdir("venvsync-pyproject");
    char *f = support_write(dir, "pyproject.toml", "[project]\nname = \"x\"\nversion = 1\n");
    pyproject_t p;
    err_t *e = pyproject_load(dir, &p);
    cr_assert_not_null(e);
    char *want = xasprintf("%s:3:11: project.version must be a string, not a integer", f);
    cr_assert_str_eq(e->msg, want);
    free(want);
    err_free(e);
    free(f);
    f = support_write(dir, "pyproject.toml", "[project]\nname = \"x\"\nversion = \"1\"\n");
    e = pyproject_load(dir, &p);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(p.display, f);
    cr_assert_str_eq(p.name, "x");
    cr_assert(p.legacy);
    pyproject_free(&p);
    free(f);
    support_tmpdir_free(dir);
}

Test(pyproject, load_without_pyproject_needs_setup_py)
{
    char *dir = support_tmpdir("venvsync-pyproject");
    pyproject_t p;
    err_t *e = pyproject_load(dir, &p);
    cr_assert_not_null(e);
    char *want = xasprintf("%s: neither pyproject.toml nor setup.py is there: not a Python "
                           "project", dir);
    cr_assert_str_eq(e->msg, want);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    free(want);
    err_free(e);
    char *f = support_write(dir, "setup.cfg", "[metadata]\nname = x\n");
    free(f);
    e = pyproject_load(dir, &p);
    cr_assert_not_null(e, "setup.cfg alone is not a project (pip agrees)");
    err_free(e);
    f = support_write(dir, "setup.py", "from setuptools import setup\nsetup()\n");
    free(f);
    e = pyproject_load(dir, &p);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(!p.has_file);
    cr_assert(p.legacy);
    strv_is(p.build_requires, (const char *[]){"setuptools>=40.8.0", NULL});
    pyproject_free(&p);
    support_tmpdir_free(dir);
}

/* ---- [project] --------------------------------------------------------------------------- */

Test(pyproject, project_fields)
{
    pyproject_t p;
    ok(BS "[project]\nname = \"Demo.Pkg\"\nversion = \"1.0.post1\"\n"
          "requires-python = \">=3.8, <4\"\n"
          "dependencies = [\"requests>=2\", \"tomli; python_version < '3.11'\"]\n"
          "description = \"d\"\nreadme = {file = \"README.md\"}\nlicense = \"MIT\"\n"
          "keywords = [\"a\"]\nclassifiers = [\"X :: Y\"]\nurls = {Home = \"https://x\"}\n"
          "authors = [{name = \"A\"}]\n"
          "[project.optional-dependencies]\nTest_Suite = [\"pytest\", \"demo.pkg[extra2]\"]\n"
          "extra2 = []\n"
          "[project.scripts]\ndemo = \"demo.cli:main\"\n"
          "[project.gui-scripts]\ndemo-gui = \"demo.gui:run\"\n"
          "[project.entry-points.\"demo.plugins\"]\nfoo = \"demo.foo:Plugin\"\n", &p);
    cr_assert(p.has_project);
    cr_assert_str_eq(p.name, "Demo.Pkg");
    cr_assert_str_eq(p.version, "1.0.post1");
    cr_assert_str_eq(p.requires_python, ">=3.8, <4");
    strv_is(p.dependencies, (const char *[]){"requests>=2", "tomli; python_version < '3.11'",
                                             NULL});
    cr_assert_eq(p.n_extras, 2);
    cr_assert_str_eq(p.extras[0].name, "test-suite");
    strv_is(p.extras[0].requires, (const char *[]){"pytest", "demo.pkg[extra2]", NULL});
    cr_assert_str_eq(p.extras[1].name, "extra2");
    cr_assert_null(p.extras[1].requires);
    cr_assert_eq(pyproject_find_extra(&p, "TEST.suite"), &p.extras[0]);
    cr_assert_null(pyproject_find_extra(&p, "nope"));
    cr_assert_eq(p.n_entry_points, 3);
    cr_assert_str_eq(p.entry_points[0].group, "console_scripts");
    cr_assert_str_eq(p.entry_points[0].name, "demo");
    cr_assert_str_eq(p.entry_points[0].value, "demo.cli:main");
    cr_assert_str_eq(p.entry_points[1].group, "gui_scripts");
    cr_assert_str_eq(p.entry_points[1].name, "demo-gui");
    cr_assert_str_eq(p.entry_points[2].group, "demo.plugins");
    cr_assert_str_eq(p.entry_points[2].value, "demo.foo:Plugin");
    cr_assert_eq(p.dynamic, 0u);
    cr_assert(pyproject_metadata_static(&p));
    pyproject_free(&p);
}

Test(pyproject, project_required_keys)
{
    bad(BS "[project]\nversion = \"1\"\n", "pyproject.toml:4:1: [project] has no 'name'");
    bad(BS "[project]\nname = \"x\"\n",
        "pyproject.toml:4:1: [project] has no 'version' and does not list it in 'dynamic'");
    bad(BS "[project]\nname = \"-x\"\nversion = \"1\"\n",
        "pyproject.toml:5:8: project.name '-x' is not a valid project name");
    bad(BS "[project]\nname = \"x\"\nversion = \"one\"\n",
        "pyproject.toml:6:11: project.version 'one' is not a valid version (PEP 440)");
    bad("project = []\n" BS, "pyproject.toml:1:11: [project] must be a table, not a array");
}

Test(pyproject, project_types)
{
    bad(PROJ "requires-python = 3\n",
        "pyproject.toml:7:19: project.requires-python must be a string, not a integer");
    bad(PROJ "requires-python = \"=>3.8\"\n",
        "pyproject.toml:7:19: project.requires-python: invalid specifier '=>3.8': expected an "
        "operator (==, !=, <=, >=, <, >, ~=, ===) before the version");
    bad(PROJ "dependencies = \"x\"\n",
        "pyproject.toml:7:16: project.dependencies must be an array of strings, not a string");
    bad(PROJ "dependencies = [\"ok\", \"bad req (\"]\n",
        "pyproject.toml:7:23: project.dependencies: invalid requirement 'bad req (': expected "
        "the end or ';' (after the name and no valid version specifier) at column 5");
    bad(PROJ "description = [\"x\"]\n",
        "pyproject.toml:7:15: project.description must be a string, not a array");
    bad(PROJ "readme = 3\n",
        "pyproject.toml:7:10: project.readme must be a string or a table, not a integer");
    bad(PROJ "license = [\"MIT\"]\n",
        "pyproject.toml:7:11: project.license must be a string or a table, not a array");
    bad(PROJ "keywords = [1]\n",
        "pyproject.toml:7:13: project.keywords must be an array of strings, not hold a integer");
    bad(PROJ "authors = [\"me\"]\n",
        "pyproject.toml:7:12: project.authors must be an array of tables, not hold a string");
    bad(PROJ "authors = {name = \"me\"}\n",
        "pyproject.toml:7:11: project.authors must be an array of tables, not a table");
    bad(PROJ "urls = {Home = 1}\n",
        "pyproject.toml:7:16: project.urls.Home must be a string, not a integer");
    bad(PROJ "scripts = [\"a\"]\n",
        "pyproject.toml:7:11: project.scripts must be a table of strings, not a array");
    bad(PROJ "[project.scripts]\na = 1\n",
        "pyproject.toml:8:5: project.scripts.a must be a string, not a integer");
    bad(PROJ "[project.gui-scripts]\na = true\n",
        "pyproject.toml:8:5: project.gui-scripts.a must be a string, not a boolean");
}

Test(pyproject, entry_points_rules)
{
    bad(PROJ "[project.entry-points.console_scripts]\na = \"m:f\"\n",
        "pyproject.toml:7:1: project.entry-points.console_scripts is not allowed: use "
        "[project.scripts]");
    bad(PROJ "[project.entry-points.gui_scripts]\na = \"m:f\"\n",
        "pyproject.toml:7:1: project.entry-points.gui_scripts is not allowed: use "
        "[project.gui-scripts]");
    bad(PROJ "entry-points = 1\n",
        "pyproject.toml:7:16: project.entry-points must be a table of tables, not a integer");
    bad(PROJ "[project.entry-points]\ngrp = \"x\"\n",
        "pyproject.toml:8:7: project.entry-points.grp must be a table of strings, not a string");
    bad(PROJ "[project.entry-points.grp]\nx = 2\n",
        "pyproject.toml:8:5: project.entry-points.grp.x must be a string, not a integer");
}

Test(pyproject, optional_dependencies_rules)
{
    bad(PROJ "optional-dependencies = [\"x\"]\n",
        "pyproject.toml:7:25: project.optional-dependencies must be a table, not a array");
    bad(PROJ "[project.optional-dependencies]\n\"bad name!\" = []\n",
        "pyproject.toml:8:15: project.optional-dependencies: 'bad name!' is not a valid extra "
        "name");
    bad(PROJ "[project.optional-dependencies]\nDev = []\n\"d.e.v\" = []\ndev = []\n",
        "pyproject.toml:10:7: project.optional-dependencies: 'dev' and an earlier extra are "
        "both 'dev' once normalized");
    bad(PROJ "[project.optional-dependencies]\nA_b = []\na-B = []\n",
        "pyproject.toml:9:7: project.optional-dependencies: 'a-B' and an earlier extra are "
        "both 'a-b' once normalized");
    bad(PROJ "[project.optional-dependencies]\nx = \"pytest\"\n",
        "pyproject.toml:8:5: project.optional-dependencies.x must be an array of strings, not "
        "a string");
    bad(PROJ "[project.optional-dependencies]\nx = [\"pytest >>> 3\"]\n",
        "pyproject.toml:8:6: project.optional-dependencies.x: invalid requirement "
        "'pytest >>> 3': expected a version after '>' at column 9");
}

Test(pyproject, self_reference_in_extras_is_allowed)
{
    pyproject_t p;
    ok(PROJ "[project.optional-dependencies]\nall = [\"demo[a,b]\", \"DEMO[c] ; os_name == 'nt'\"]\n"
            "a = [\"x\"]\nb = []\nc = [\"demo[all]\"]\n", &p);
    cr_assert_eq(p.n_extras, 4);
    strv_is(p.extras[0].requires, (const char *[]){"demo[a,b]", "DEMO[c] ; os_name == 'nt'", NULL});
    buf_t b = BUF_INIT;
    cr_assert_null(pyproject_core_metadata(&p, &b));
    cr_assert_str_eq(buf_cstr(&b),
                     "Metadata-Version: 2.2\nName: demo\nVersion: 1.0\n"
                     "Provides-Extra: all\n"
                     "Requires-Dist: demo[a,b]; extra == \"all\"\n"
                     "Requires-Dist: DEMO[c]; (os_name == \"nt\") and extra == \"all\"\n"
                     "Provides-Extra: a\nRequires-Dist: x; extra == \"a\"\n"
                     "Provides-Extra: b\n"
                     "Provides-Extra: c\nRequires-Dist: demo[all]; extra == \"c\"\n");
    buf_free(&b);
    pyproject_free(&p);
}

/* ---- dynamic ----------------------------------------------------------------------------- */

Test(pyproject, dynamic_bits_and_static)
{
    pyproject_t p;
    ok(BS "[project]\nname = \"x\"\ndynamic = [\"version\", \"readme\", \"scripts\"]\n", &p);
    cr_assert_null(p.version);
    cr_assert_eq(p.dynamic, PYPROJECT_DYN_VERSION | PYPROJECT_DYN_README | PYPROJECT_DYN_SCRIPTS);
    cr_assert(!pyproject_metadata_static(&p), "a dynamic version is not static");
    buf_t b = BUF_INIT;
    err_t *e = pyproject_core_metadata(&p, &b);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "pyproject.toml: the project's metadata is not static (dynamic "
                     "or no [project])");
    err_free(e);
    cr_assert_eq(b.len, 0);
    pyproject_free(&p);

    /* Fields that do not matter to a resolver may be dynamic. */
    ok(PROJ "dynamic = [\"description\", \"readme\", \"license\", \"license-files\", "
            "\"authors\", \"maintainers\", \"keywords\", \"classifiers\", \"urls\", "
            "\"scripts\", \"gui-scripts\", \"entry-points\", \"import-names\", "
            "\"import-namespaces\"]\n", &p);
    cr_assert(pyproject_metadata_static(&p));
    pyproject_free(&p);

    const char *resolving[] = {"dependencies", "optional-dependencies", "requires-python", NULL};
    for (size_t i = 0; resolving[i]; i++) {
        char *t = xasprintf(PROJ "dynamic = [\"%s\"]\n", resolving[i]);
        ok(t, &p);
        cr_assert(!pyproject_metadata_static(&p), "%s dynamic", resolving[i]);
        pyproject_free(&p);
        free(t);
    }
    /* No [project]: nothing is static. */
    ok(BS, &p);
    cr_assert(!pyproject_metadata_static(&p));
    pyproject_free(&p);
}

Test(pyproject, dynamic_errors)
{
    bad(PROJ "dynamic = \"version\"\n",
        "pyproject.toml:7:11: project.dynamic must be an array of strings, not a string");
    bad(PROJ "dynamic = [\"version\", 3]\n",
        "pyproject.toml:7:23: project.dynamic must be an array of strings, not hold a integer");
    bad(BS "[project]\nname = \"x\"\ndynamic = [\"name\"]\n",
        "pyproject.toml:6:12: project.dynamic: 'name' cannot be dynamic");
    bad(BS "[project]\nname = \"x\"\ndynamic = [\"version\", \"Version\"]\n",
        "pyproject.toml:6:23: project.dynamic: 'Version' is not a [project] key");
    bad(BS "[project]\nname = \"x\"\ndynamic = [\"summary\"]\n",
        "pyproject.toml:6:12: project.dynamic: 'summary' is not a [project] key");
    /* Given and listed: an error for single values... */
    bad(PROJ "dynamic = [\"version\"]\n",
        "pyproject.toml:6:11: project.version is given and also listed in project.dynamic");
    const char *single[][2] = {{"description", "\"d\""}, {"readme", "\"R.md\""},
                               {"requires-python", "\">=3\""}, {"license", "{text = \"MIT\"}"}};
    for (size_t i = 0; i < 4; i++) {
        char *t = xasprintf(PROJ "%s = %s\ndynamic = [\"%s\"]\n", single[i][0], single[i][1],
                            single[i][0]);
        char *want = xasprintf("pyproject.toml:7:%zu: project.%s is given and also listed in "
                               "project.dynamic", strlen(single[i][0]) + 4, single[i][0]);
        bad(t, want);
        free(want);
        free(t);
    }
}

Test(pyproject, dynamic_lists_and_tables_are_lower_bounds)
{
    pyproject_t p;
    ok(PROJ "dependencies = [\"a\"]\nclassifiers = [\"X\"]\n"
            "dynamic = [\"dependencies\", \"classifiers\", \"optional-dependencies\", "
            "\"scripts\"]\n[project.optional-dependencies]\nx = [\"b\"]\n"
            "[project.scripts]\ns = \"m:f\"\n", &p);
    strv_is(p.dependencies, (const char *[]){"a", NULL});
    cr_assert_eq(p.n_extras, 1);
    cr_assert_eq(p.n_entry_points, 1);
    cr_assert(p.dynamic & PYPROJECT_DYN_DEPENDENCIES);
    cr_assert(!pyproject_metadata_static(&p), "given but dynamic: the backend may add more");
    pyproject_free(&p);
}

/* ---- static core metadata ---------------------------------------------------------------- */

Test(pyproject, core_metadata_from_static_project)
{
    pyproject_t p;
    ok(BS "[project]\nname = \"Demo_Pkg\"\nversion = \"2.0\"\nrequires-python = \">=3.9\"\n"
          "dependencies = [\"Requests [socks] >= 2.0 ; python_version >= '3.10'\", "
          "\"pkg @ https://h/pkg-1.0-py3-none-any.whl\"]\n"
          "[project.optional-dependencies]\nDev = [\"pytest; os_name == 'posix' or "
          "os_name == 'nt'\", \"coverage\"]\n", &p);
    buf_t b = BUF_INIT;
    cr_assert_null(pyproject_core_metadata(&p, &b));
    cr_assert_str_eq(buf_cstr(&b),
                     "Metadata-Version: 2.2\nName: Demo_Pkg\nVersion: 2.0\n"
                     "Requires-Python: >=3.9\n"
                     "Requires-Dist: Requests[socks]>=2.0; python_version >= \"3.10\"\n"
                     "Requires-Dist: pkg @ https://h/pkg-1.0-py3-none-any.whl\n"
                     "Provides-Extra: dev\n"
                     "Requires-Dist: pytest; (os_name == \"posix\" or os_name == \"nt\") and "
                     "extra == \"dev\"\n"
                     "Requires-Dist: coverage; extra == \"dev\"\n");
    buf_free(&b);
    pyproject_free(&p);
}

/* ---- [dependency-groups] ----------------------------------------------------------------- */

#define GROUPS(body) BS "[dependency-groups]\n" body

static void group_is(const char *text, const char *group, const char *const *want)
{
    pyproject_t p;
    ok(text, &p);
    char **got = (char **)1;
    err_t *e = pyproject_group_expand(&p, group, &got);
    cr_assert_null(e, "%s", e ? e->msg : "");
    strv_is(got, want);
    strv_free(got);
    pyproject_free(&p);
}

static void group_bad(const char *text, const char *group, const char *want)
{
    pyproject_t p;
    ok(text, &p);
    char **got = (char **)1;
    err_t *e = pyproject_group_expand(&p, group, &got);
    cr_assert_not_null(e, "expanded %s", group);
    cr_assert_null(got);
    cr_assert_str_eq(e->msg, want);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    pyproject_free(&p);
}

Test(pyproject, groups_plain)
{
    group_is(GROUPS("test = [\"pytest>=7\", \"coverage[toml]; python_version > '3.7'\"]\n"), "test",
             (const char *[]){"pytest>=7", "coverage[toml]; python_version > '3.7'", NULL});
    group_is(GROUPS("empty = []\n"), "empty", (const char *[]){NULL});
}

Test(pyproject, groups_names_are_normalized)
{
    pyproject_t p;
    ok(GROUPS("Dev_Tools = [\"a\"]\n\"typing.stubs\" = [\"b\"]\n"), &p);
    cr_assert_eq(p.n_groups, 2);
    cr_assert_str_eq(p.groups[0].name, "dev-tools");
    cr_assert_str_eq(p.groups[1].name, "typing-stubs");
    cr_assert_eq(pyproject_find_group(&p, "DEV.tools"), &p.groups[0]);
    cr_assert_null(pyproject_find_group(&p, "dev"));
    pyproject_free(&p);
    group_is(GROUPS("Dev_Tools = [\"a\"]\n"), "dev-tools", (const char *[]){"a", NULL});
    group_is(GROUPS("a = [{include-group = \"Dev_Tools\"}]\ndev-tools = [\"x\"]\n"), "A",
             (const char *[]){"x", NULL});
}

Test(pyproject, groups_include_in_place_without_dedup)
{
    group_is(GROUPS("lint = [\"ruff\"]\n"
                    "typing = [\"mypy\", {include-group = \"lint\"}]\n"
                    "dev = [\"pytest\", {include-group = \"typing\"}, \"ruff\", "
                    "{include-group = \"lint\"}, \"tox\"]\n"),
             "dev", (const char *[]){"pytest", "mypy", "ruff", "ruff", "ruff", "tox", NULL});
    /* Diamond: d includes b and c, which both include a. */
    group_is(GROUPS("a = [\"x\"]\nb = [{include-group = \"a\"}, \"y\"]\n"
                    "c = [{include-group = \"a\"}]\n"
                    "d = [{include-group = \"b\"}, {include-group = \"c\"}]\n"),
             "d", (const char *[]){"x", "y", "x", NULL});
}

Test(pyproject, groups_duplicate_names_after_normalization)
{
    bad(GROUPS("dev = []\nDev = []\n"),
        "pyproject.toml:6:7: dependency-groups: 'Dev' and an earlier group are both 'dev' once "
        "normalized");
    bad(GROUPS("a_b = []\n\"a.b\" = []\n"),
        "pyproject.toml:6:9: dependency-groups: 'a.b' and an earlier group are both 'a-b' once "
        "normalized");
    bad(GROUPS("\"-bad\" = []\n"),
        "pyproject.toml:5:10: dependency-groups: '-bad' is not a valid group name");
    bad("dependency-groups = [\"x\"]\n" BS,
        "pyproject.toml:1:21: [dependency-groups] must be a table, not a array");
}

Test(pyproject, groups_cycles)
{
    const char *text = GROUPS("a = [\"x\", {include-group = \"b\"}]\n"
                              "b = [{include-group = \"c\"}]\n"
                              "c = [\"y\", {include-group = \"A\"}]\n"
                              "self = [{include-group = \"self\"}]\n"
                              "ok = [{include-group = \"a\"}]\n");
    group_bad(text, "a", "pyproject.toml:7:28: dependency-groups: include cycle: a -> b -> c -> a");
    group_bad(text, "b", "pyproject.toml:5:28: dependency-groups: include cycle: b -> c -> a -> b");
    group_bad(text, "self", "pyproject.toml:8:26: dependency-groups: include cycle: self -> self");
    group_bad(text, "ok", "pyproject.toml:7:28: dependency-groups: include cycle: a -> b -> c -> a");
}

Test(pyproject, groups_errors_are_lazy)
{
    /* A broken group does not stop the load, nor the expansion of another group. */
    const char *text = GROUPS("good = [\"a\"]\n"
                              "notlist = \"x\"\n"
                              "badreq = [\"a\", \"b c d\"]\n"
                              "badtype = [1]\n"
                              "badtable = [{include-group = \"good\", extra = 1}]\n"
                              "badinc = [{include-group = 2}]\n"
                              "unknown = [{include-group = \"nope\"}]\n"
                              "viabad = [\"z\", {include-group = \"badreq\"}]\n"
                              "other = [{other = \"x\"}]\n");
    group_is(text, "good", (const char *[]){"a", NULL});
    group_bad(text, "notlist", "pyproject.toml:6:11: dependency-groups.notlist must be an array, "
                               "not a string");
    group_bad(text, "badreq", "pyproject.toml:7:16: dependency-groups.badreq: invalid requirement "
                              "'b c d': expected the end or ';' (after the name and no valid "
                              "version specifier) at column 3");
    group_bad(text, "badtype", "pyproject.toml:8:12: dependency-groups.badtype: an item must be a "
                               "requirement string or an {include-group = \"...\"} table, not a "
                               "integer");
    group_bad(text, "badtable", "pyproject.toml:9:13: dependency-groups.badtable: a table item "
                                "must have exactly one key, 'include-group'");
    group_bad(text, "badinc", "pyproject.toml:10:28: dependency-groups.badinc: include-group "
                              "must be a string, not a integer");
    group_bad(text, "unknown", "pyproject.toml:11:29: dependency-groups.unknown: includes 'nope', "
                               "which is not a dependency group");
    group_bad(text, "viabad", "pyproject.toml:7:16: dependency-groups.badreq: invalid requirement "
                              "'b c d': expected the end or ';' (after the name and no valid "
                              "version specifier) at column 3");
    group_bad(text, "other", "pyproject.toml:13:10: dependency-groups.other: a table item must "
                             "have exactly one key, 'include-group'");
    group_bad(text, "missing", "pyproject.toml: no dependency group 'missing'");
}

Test(pyproject, groups_are_not_metadata)
{
    pyproject_t p;
    ok(PROJ "[dependency-groups]\ndev = [\"pytest\"]\n", &p);
    buf_t b = BUF_INIT;
    cr_assert_null(pyproject_core_metadata(&p, &b));
    cr_assert_null(strstr(buf_cstr(&b), "pytest"));
    buf_free(&b);
    pyproject_free(&p);
}

Test(pyproject, fixture_projects_parse)
{
    const char *dirs[] = {"st_src", "st_dynamic", "st_cext", "hatch_src", "flit_flat",
                          "poetry_proj", "inline_backend", "backend_crash", "backend_hang",
                          "backend_missing", "st_legacy", NULL};
    for (size_t i = 0; dirs[i]; i++) {
        char *d = path_joinv(TEST_SRC_DIR, "tests/fixtures/projects", dirs[i], NULL);
        pyproject_t p;
        err_t *e = pyproject_load(d, &p);
        cr_assert_null(e, "%s: %s", dirs[i], e ? e->msg : "");
        cr_assert_not_null(p.build_backend);
        pyproject_free(&p);
        free(d);
    }
    char *d = path_joinv(TEST_SRC_DIR, "tests/fixtures/projects/st_src", NULL);
    pyproject_t p;
    cr_assert_null(pyproject_load(d, &p));
    char **g = NULL;
    cr_assert_null(pyproject_group_expand(&p, "dev-tools", &g));
    strv_is(g, (const char *[]){"pytest", "mypy", "ruff>=0.1", "coverage[toml]", NULL});
    strv_free(g);
    pyproject_free(&p);
    free(d);
    d = path_joinv(TEST_SRC_DIR, "tests/fixtures/projects/bad_toml", NULL);
    err_t *e = pyproject_load(d, &p);
    cr_assert_not_null(e);
    char *want = xasprintf("%s/pyproject.toml:9:1: unexpected end of file (expected ',' or ']')",
                           d);
    cr_assert_str_eq(e->msg, want);
    free(want);
    err_free(e);
    free(d);
}
