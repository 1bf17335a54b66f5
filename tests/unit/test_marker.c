/* Unit tests for pkg/marker: PEP 508 marker parsing and evaluation. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/marker.h"
#include "util/xalloc.h"

static const marker_env_t LINUX311 = {
    .os_name = "posix",
    .sys_platform = "linux",
    .platform_machine = "x86_64",
    .platform_python_implementation = "CPython",
    .platform_release = "6.1.0-18-amd64",
    .platform_system = "Linux",
    .platform_version = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
    .python_version = "3.11",
    .python_full_version = "3.11.2",
    .implementation_name = "cpython",
    .implementation_version = "3.11.2",
    .extra = NULL,
};

static const marker_env_t WIN27 = {
    .os_name = "nt",
    .sys_platform = "win32",
    .platform_machine = "AMD64",
    .platform_python_implementation = "CPython",
    .platform_release = "10",
    .platform_system = "Windows",
    .platform_version = "10.0.19041",
    .python_version = "2.7",
    .python_full_version = "2.7.18",
    .implementation_name = "cpython",
    .implementation_version = "0",
};

static int eval(const char *text, const marker_env_t *env)
{
    marker_t *m = NULL;
    size_t pos;
    err_t *e = marker_parse(text, &m, &pos);
    cr_assert_null(e, "parse '%s': %s", text, e ? e->msg : "");
    bool r;
    e = marker_eval(m, env, &r);
    cr_assert_null(e, "eval '%s': %s", text, e ? e->msg : "");
    marker_free(m);
    return r;
}

Test(marker, evaluation)
{
    static const struct { const char *m; int linux, win; } cases[] = {
        {"python_version < '3.11'", 0, 1},
        {"python_version >= '3.8'", 1, 0},
        {"python_version>='3.8'", 1, 0},
        {"python_version == '3.11'", 1, 0},
        {"python_version == \"3.11.0\"", 1, 0},      /* version equality pads zeros */
        {"python_version == '3.*'", 1, 0},
        {"python_version != '3.11.*'", 0, 1},
        {"python_version ~= '3.9'", 1, 0},
        {"python_full_version >= '3.11.1'", 1, 0},
        {"python_full_version < '3.11.2'", 0, 1},
        {"python_version > '3.9'", 1, 0},            /* 3.11 > 3.9 as versions, not strings */
        {"'3.8' < python_version", 1, 0},            /* reversed operand order */
        {"'3.12' <= python_version", 0, 0},
        {"'3.11' == python_version", 1, 0},
        {"'2' > python_version", 0, 0},
        {"'3' > python_version", 0, 1},
        {"sys_platform == 'linux'", 1, 0},
        {"sys_platform != 'win32'", 1, 0},
        {"'linux' in sys_platform", 1, 0},
        {"'win' in sys_platform", 0, 1},
        {"'win' not in sys_platform", 1, 0},
        {"sys_platform in 'linux darwin'", 1, 0},
        {"platform_machine in 'x86_64 aarch64'", 1, 0},
        {"os_name == 'nt' or os_name == 'posix'", 1, 1},
        {"os_name == 'nt' and python_version < '3'", 0, 1},
        /* and binds tighter than or */
        {"os_name == 'posix' or os_name == 'nt' and python_version >= '3'", 1, 0},
        {"(os_name == 'posix' or os_name == 'nt') and python_version >= '3'", 1, 0},
        {"os_name == 'nt' and python_version >= '3' or sys_platform == 'linux'", 1, 0},
        {"os_name == 'nt' and (python_version >= '3' or sys_platform == 'win32')", 0, 1},
        {"((python_version >= '3'))", 1, 0},
        {"python_version>'3.8'and os_name=='posix'", 1, 0},
        {"(python_version>'3.8')and(os_name=='posix')", 1, 0},
        {"\tpython_version > '3.8'  ", 1, 0},
        /* platform_release: version comparison when both sides are versions */
        /* linux: '6.1.0-18-amd64' is no version: string order ('6' > '1'); win: 10 >= 10.0 */
        {"platform_release >= '10.0'", 1, 1},
        {"platform_release == '10.0'", 0, 1},
        {"platform_release >= '9'", 0, 1},            /* win: 10 >= 9 as versions */
        {"platform_release > '5.0'", 1, 1},           /* linux falls back to string order */
        {"platform_system == 'Linux'", 1, 0},
        {"platform_python_implementation == 'CPython'", 1, 1},
        {"python_implementation == 'CPython'", 1, 1},
        {"platform.python_implementation == 'CPython'", 1, 1},
        {"os.name == 'posix'", 1, 0},
        {"sys.platform == 'win32'", 0, 1},
        {"implementation_name == 'cpython'", 1, 1},
        {"implementation_version >= '3.10'", 1, 0},
        /* string comparisons for non-versions */
        {"os_name < 'q'", 1, 1},
        {"os_name > 'o'", 1, 0},
        {"platform_machine == 'X86_64'", 0, 0},
        {"os_name === 'POSIX'", 1, 0},
        {"python_version === '3.11'", 1, 0},
        /* extra: undefined outside Requires-Dist evaluation */
        {"extra == 'test'", 0, 0},
        {"extra != 'test'", 1, 1},
        {"python_version < '3.11' or extra == 'x'", 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_eq(eval(cases[i].m, &LINUX311), cases[i].linux, "linux: %s", cases[i].m);
        cr_expect_eq(eval(cases[i].m, &WIN27), cases[i].win, "win: %s", cases[i].m);
    }
}

Test(marker, prerelease_versions_allowed)
{
    marker_env_t env = LINUX311;
    env.python_full_version = "3.13.0rc1";
    env.python_version = "3.13";
    cr_expect(eval("python_full_version >= '3.13'", &env) == 0);
    cr_expect(eval("python_full_version >= '3.12'", &env) == 1, "rc accepted against final");
    cr_expect(eval("python_full_version < '3.13'", &env) == 0,
              "<3.13 excludes 3.13's own pre-releases");
    cr_expect(eval("python_full_version > '3.13.0a1'", &env) == 1);
}

Test(marker, extras_pep685)
{
    marker_env_t env = LINUX311;
    env.extra = "Foo_Bar";
    cr_expect(eval("extra == 'foo-bar'", &env));
    cr_expect(eval("extra == 'FOO.bar'", &env));
    cr_expect(eval("'foo--bar' == extra", &env));
    cr_expect(!eval("extra == 'foobar'", &env));
    env.extra = "";
    cr_expect(!eval("extra == 'foo-bar'", &env));

    marker_t *m;
    cr_assert_null(marker_parse("extra == \"Security\" and python_version >= '3'", &m, NULL));
    cr_expect(marker_uses_extra(m));
    char *const extras[] = {"tests", "SECURITY"};
    bool r;
    cr_assert_null(marker_eval_extras(m, &LINUX311, extras, 1, &r));
    cr_expect(!r);
    cr_assert_null(marker_eval_extras(m, &LINUX311, extras, 2, &r));
    cr_expect(r);
    cr_assert_null(marker_eval_extras(m, &WIN27, extras, 2, &r));
    cr_expect(!r, "python_version 2.7 >= '3' is false");
    marker_free(m);
}

Test(marker, extras_no_extra_requested)
{
    marker_t *m;
    cr_assert_null(marker_parse("extra == 'a' or python_version < '3'", &m, NULL));
    bool r;
    cr_assert_null(marker_eval_extras(m, &WIN27, NULL, 0, &r));
    cr_expect(r);
    cr_assert_null(marker_eval_extras(m, &LINUX311, NULL, 0, &r));
    cr_expect(!r);
    cr_expect(marker_uses_extra(m));
    marker_free(m);
    cr_assert_null(marker_parse("python_version < '3'", &m, NULL));
    cr_expect(!marker_uses_extra(m));
    marker_free(m);
}

Test(marker, undefined_comparison_is_an_error)
{
    marker_t *m;
    cr_assert_null(marker_parse("os_name ~= 'posix'", &m, NULL));
    bool r = true;
    err_t *e = marker_eval(m, &LINUX311, &r);
    cr_assert_not_null(e);
    cr_expect(!r);
    cr_expect(strstr(e->msg, "~="), "%s", e->msg);
    cr_expect_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    marker_free(m);
}

Test(marker, syntax_errors_with_position)
{
    static const struct { const char *m; size_t pos; const char *what; } cases[] = {
        {"", 0, "expected a marker variable"},
        {"python_ver < '3'", 0, "unknown marker variable 'python_ver'"},
        {"python_version < '3' and foo == 'x'", 25, "unknown marker variable 'foo'"},
        {"python_version", 14, "expected a marker operator"},
        {"python_version = '3'", 15, "expected a marker operator"},
        {"python_version < 3", 17, "expected a marker variable or quoted string"},
        {"python_version < '3", 17, "unterminated string"},
        {"(python_version < '3'", 21, "expected ')'"},
        {"python_version < '3')", 20, "expected 'and', 'or'"},
        {"python_version < '3' an os_name == 'x'", 21, "expected 'and', 'or'"},
        {"'a' == 'b'", 0, "not two strings"},
        {"os_name == sys_platform", 11, "not two variables"},
        {"os_name not'x'", 11, "expected whitespace after 'not'"},
        {"os_name not  is 'x'", 13, "expected 'in' after 'not'"},
        {"os_name innot 'x'", 8, "expected a marker operator"},
        {"python_version < '3' and", 24, "expected a marker variable"},
        {"python_versions < '3'", 0, "unknown marker variable"},
        {"extras == 'a'", 0, "unknown marker variable"},
        {"python_version <\n'3'", 16, "expected a marker variable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        marker_t *m = (marker_t *)1;
        size_t pos = 999;
        err_t *e = marker_parse(cases[i].m, &m, &pos);
        cr_assert_not_null(e, "'%s' should not parse", cases[i].m);
        cr_expect_null(m);
        cr_expect_eq(pos, cases[i].pos, "'%s': pos %zu, want %zu (%s)", cases[i].m, pos,
                     cases[i].pos, e->msg);
        cr_expect(strstr(e->msg, cases[i].what), "'%s': message '%s' lacks '%s'", cases[i].m,
                  e->msg, cases[i].what);
        char col[32];
        snprintf(col, sizeof col, "column %zu", cases[i].pos + 1);
        cr_expect(strstr(e->msg, col), "'%s': message '%s' lacks '%s'", cases[i].m, e->msg, col);
        cr_expect_eq(e->exit_code, EXIT_USAGE);
        err_free(e);
    }
}

Test(marker, nesting_limit)
{
    char deep[2 * MARKER_MAX_DEPTH + 64];
    size_t n = 0;
    for (int i = 0; i < MARKER_MAX_DEPTH + 1; i++)
        deep[n++] = '(';
    strcpy(deep + n, "os_name == 'x'");
    n += strlen("os_name == 'x'");
    for (int i = 0; i < MARKER_MAX_DEPTH + 1; i++)
        deep[n++] = ')';
    deep[n] = '\0';
    marker_t *m;
    err_t *e = marker_parse(deep, &m, NULL);
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, "nest"), "%s", e->msg);
    err_free(e);
    /* exactly at the limit is fine */
    deep[n - 1] = '\0';
    e = marker_parse(deep + 1, &m, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    marker_free(m);
}

Test(marker, canonical_string)
{
    static const char *const cases[][2] = {
        {"python_version<'3.11'", "python_version < \"3.11\""},
        {"os.name=='nt' or python_implementation=='PyPy'",
         "os_name == \"nt\" or platform_python_implementation == \"PyPy\""},
        {"a_b", NULL},
        {"(os_name=='a' or os_name=='b') and extra=='Foo_Bar'",
         "(os_name == \"a\" or os_name == \"b\") and extra == \"foo-bar\""},
        {"os_name=='a' and (os_name=='b' and os_name=='c')",
         "os_name == \"a\" and (os_name == \"b\" and os_name == \"c\")"},
        {"os_name=='a' and os_name=='b' or os_name=='c'",
         "os_name == \"a\" and os_name == \"b\" or os_name == \"c\""},
        {"'3.8'<python_version", "\"3.8\" < python_version"},
        {"'lin' not in sys_platform", "\"lin\" not in sys_platform"},
        {"os_name == 'a\"b'", "os_name == 'a\"b'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!cases[i][1])
            continue;
        marker_t *m;
        err_t *e = marker_parse(cases[i][0], &m, NULL);
        cr_assert_null(e, "%s", e ? e->msg : "");
        char *s = marker_str(m);
        cr_expect_str_eq(s, cases[i][1]);
        marker_t *again;
        e = marker_parse(s, &again, NULL);
        cr_assert_null(e, "re-parse '%s': %s", s, e ? e->msg : "");
        char *s2 = marker_str(again);
        cr_expect_str_eq(s2, s, "round trip");
        free(s);
        free(s2);
        marker_free(m);
        marker_free(again);
    }
}

Test(marker, null_fields_are_empty)
{
    marker_env_t env = {0};
    cr_expect(eval("os_name == ''", &env));
    cr_expect(!eval("python_version >= '3'", &env));
    cr_expect(eval("'' in sys_platform", &env));
}

/* ------------------------------------------------------------------------------------------ */
/* Lock-file markers: extras and dependency_groups                                              */

static int eval_lock(const char *text, const marker_env_t *env)
{
    marker_t *m = NULL;
    err_t *e = marker_parse_lock(text, &m, NULL);
    cr_assert_null(e, "parse_lock '%s': %s", text, e ? e->msg : "");
    bool r = true;
    e = marker_eval(m, env, &r);
    cr_assert_null(e, "eval '%s': %s", text, e ? e->msg : "");
    marker_free(m);
    return r;
}

Test(marker, set_variables_only_in_lock_markers)
{
    static const char *const texts[] = {"'dev' in extras", "\"test\" not in dependency_groups"};
    for (size_t i = 0; i < 2; i++) {
        marker_t *m = (marker_t *)1;
        size_t pos = 99;
        err_t *e = marker_parse(texts[i], &m, &pos);
        cr_assert_not_null(e, "'%s' must be an error in Requires-Dist", texts[i]);
        cr_expect_null(m);
        cr_expect(strstr(e->msg, "unknown marker variable"), "%s", e->msg);
        cr_expect_eq(pos, i == 0 ? 9u : 14u);
        err_free(e);
        cr_assert_null(marker_parse_lock(texts[i], &m, NULL));
        cr_expect(marker_uses_sets(m));
        cr_expect(!marker_uses_extra(m));
        marker_free(m);
    }
    marker_t *m;
    cr_assert_null(marker_parse_lock("os_name == 'nt'", &m, NULL));
    cr_expect(!marker_uses_sets(m));
    marker_free(m);
}

Test(marker, set_variables_evaluation)
{
    const char *const extras[] = {"Dev_Tools", "docs", NULL};
    const char *const groups[] = {"test", NULL};
    marker_env_t env = LINUX311;
    env.extras = extras;
    env.dependency_groups = groups;
    static const struct { const char *m; int want; } cases[] = {
        {"'dev-tools' in extras", 1},               /* normalized on both sides */
        {"'DEV.tools' in extras", 1},
        {"'docs' in extras", 1},
        {"'doc' in extras", 0},                     /* membership, not substring */
        {"'test' in extras", 0},
        {"'dev-tools' not in extras", 0},
        {"'other' not in extras", 1},
        {"'Test' in dependency_groups", 1},
        {"'lint' not in dependency_groups", 1},
        {"'test' not in dependency_groups", 0},
        /* every other operation is false, never an error */
        {"extras == 'docs'", 0},
        {"extras != 'docs'", 0},
        {"'docs' == extras", 0},
        {"extras in 'docs'", 0},
        {"extras not in 'docs'", 0},
        {"'docs' < extras", 0},
        {"extras ~= '1.0'", 0},
        {"dependency_groups === 'test'", 0},
        {"'docs' in extras and sys_platform == 'linux'", 1},
        {"'docs' in extras and sys_platform == 'win32'", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(eval_lock(cases[i].m, &env), cases[i].want, "%s", cases[i].m);
    /* NULL lists are empty sets */
    cr_expect(!eval_lock("'docs' in extras", &LINUX311));
    cr_expect(eval_lock("'docs' not in extras", &LINUX311));
    cr_expect(!eval_lock("'test' in dependency_groups", &LINUX311));
}

Test(marker, lock_markers_reject_extra)
{
    static const struct { const char *m; size_t pos; } cases[] = {
        {"extra == 'socks'", 0},
        {"python_version >= '3' and 'x' == extra", 33},
        {"(os_name == 'nt' or extra != 'a')", 20},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        marker_t *m = (marker_t *)1;
        size_t pos = 999;
        err_t *e = marker_parse_lock(cases[i].m, &m, &pos);
        cr_assert_not_null(e, "'%s' must be rejected in a lock file", cases[i].m);
        cr_expect_null(m);
        cr_expect_eq(pos, cases[i].pos, "'%s': %zu", cases[i].m, pos);
        cr_expect(strstr(e->msg, "'extra' variable is not allowed in lock-file markers"), "%s",
                  e->msg);
        cr_expect_eq(e->exit_code, EXIT_USAGE);
        err_free(e);
        /* ... and accepted in Requires-Dist, where marker_uses_extra finds it */
        cr_assert_null(marker_parse(cases[i].m, &m, NULL));
        cr_expect(marker_uses_extra(m));
        marker_free(m);
    }
}

Test(marker, lock_marker_canonical_string)
{
    marker_t *m;
    cr_assert_null(marker_parse_lock("'Dev_Tools' in extras and \"a.b\" not in dependency_groups",
                                     &m, NULL));
    char *s = marker_str(m);
    cr_expect_str_eq(s, "\"dev-tools\" in extras and \"a-b\" not in dependency_groups");
    marker_t *again;
    cr_assert_null(marker_parse_lock(s, &again, NULL));
    char *s2 = marker_str(again);
    cr_expect_str_eq(s2, s);
    free(s);
    free(s2);
    marker_free(m);
    marker_free(again);
}

/* ------------------------------------------------------------------------------------------ */
/* Walking a marker                                                                             */

Test(marker, walk_atoms)
{
    marker_t *m;
    cr_assert_null(marker_parse("python_version < '3.11' and ('win' in sys_platform or "
                                "extra == 'Foo_Bar')", &m, NULL));
    const marker_t *l, *r, *rl, *rr;
    marker_atom_t a;
    cr_assert_eq(marker_node(m, &l, &r, NULL), MARKER_NODE_AND);
    cr_assert_eq(marker_node(l, NULL, NULL, &a), MARKER_NODE_ATOM);
    cr_expect_eq(a.var, MARKER_VAR_PYTHON_VERSION);
    cr_expect_eq(a.op, MARKER_OP_LT);
    cr_expect(a.var_left);
    cr_expect_str_eq(a.lit, "3.11");
    cr_assert_eq(marker_node(r, &rl, &rr, NULL), MARKER_NODE_OR);
    cr_assert_eq(marker_node(rl, NULL, NULL, &a), MARKER_NODE_ATOM);
    cr_expect_eq(a.var, MARKER_VAR_SYS_PLATFORM);
    cr_expect_eq(a.op, MARKER_OP_IN);
    cr_expect(!a.var_left);
    cr_expect_str_eq(a.lit, "win");
    cr_assert_eq(marker_node(rr, NULL, NULL, &a), MARKER_NODE_ATOM);
    cr_expect_str_eq(a.lit, "foo-bar");
    cr_expect_str_eq(marker_var_name(a.var), "extra");
    cr_expect_str_eq(marker_op_text(MARKER_OP_NOTIN), "not in");
    marker_free(m);
}

Test(marker, atom_eval_matches_marker_eval)
{
    static const char *const texts[] = {
        "python_version < '3.11'", "'3.8' < python_version", "platform_release >= '9'",
        "platform_release > '5.0'", "'win' in sys_platform", "os_name ~= 'posix'",
        "extra == 'x'", "python_full_version == '3.11.*'",
    };
    const marker_env_t *envs[] = {&LINUX311, &WIN27};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        marker_t *m;
        cr_assert_null(marker_parse(texts[i], &m, NULL));
        marker_atom_t a;
        marker_node(m, NULL, NULL, &a);
        for (size_t k = 0; k < 2; k++) {
            bool r1, r2;
            err_t *e1 = marker_eval(m, envs[k], &r1);
            err_t *e2 = marker_atom_eval(&a, envs[k], &r2);
            cr_expect_eq(e1 == NULL, e2 == NULL, "%s", texts[i]);
            cr_expect_eq(r1, r2, "%s", texts[i]);
            err_free(e1);
            err_free(e2);
        }
        specset_t *spec = marker_atom_spec(&a);
        bool want_spec = i == 0 || i == 2 || i == 3 || i == 7;
        cr_expect_eq(spec != NULL, want_spec, "%s", texts[i]);
        specset_free(spec);
        marker_free(m);
    }
    marker_env_t env = {0};
    marker_env_set(&env, MARKER_VAR_PLATFORM_MACHINE, "arm64");
    cr_expect_str_eq(env.platform_machine, "arm64");
    cr_expect_str_eq(marker_env_get(&env, MARKER_VAR_PLATFORM_MACHINE), "arm64");
    cr_expect_null(marker_env_get(&env, MARKER_VAR_OS_NAME));
}

/* ------------------------------------------------------------------------------------------ */
/* Version sets of atoms                                                                        */

static char *atom_versions(const char *text)
{
    marker_t *m;
    err_t *e = marker_parse(text, &m, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    marker_atom_t a;
    marker_node(m, NULL, NULL, &a);
    vrange_t r;
    char *s = marker_atom_versions(&a, &r) ? vrange_str(&r) : xstrdup("(strings)");
    vrange_free(&r);
    marker_free(m);
    return s;
}

Test(marker, atom_versions_fold_python_version)
{
    static const char *const cases[][2] = {
        {"python_version < '3.11'", "<3.11.0"},
        {"python_version <= '3.11'", "<3.12.0"},
        {"python_version > '3.11'", ">=3.12.0"},
        {"python_version >= '3.11'", ">=3.11.0"},
        {"python_version == '3.11'", ">=3.11.0,<3.12.0"},
        {"python_version != '3.11'", "<3.11.0 || >=3.12.0"},
        {"python_version == '3.*'", ">=3.0.0,<4.0.0"},
        {"python_version ~= '3.9'", ">=3.9.0,<4.0.0"},
        {"python_version < '3.11.2'", "<3.12.0"},       /* 3.11 < 3.11.2 */
        {"python_version == '3.11.2'", "none"},
        {"python_version < '0'", "none"},
        {"'3.8' < python_version", ">=3.9.0"},
        {"'3.8' >= python_version", "<3.9.0"},
        {"'3.8' == python_version", ">=3.8.0,<3.9.0"},
        {"python_version in '2.7 3.10'", ">=2.7.0,<2.8.0 || >=3.1.0,<3.2.0 || >=3.10.0,<3.11.0"},
        {"python_version not in '3.4'", "<3.4.0 || >=3.5.0"},
        {"python_full_version < '3.11.2'", "<3.11.2"},
        {"python_full_version <= '3.11.2'", "<3.11.3"},
        {"python_full_version > '3.11'", ">=3.11.1"},
        {"python_full_version == '3.11.*'", ">=3.11.0,<3.12.0"},
        {"python_full_version != '3.11.2'", "<3.11.2 || >=3.11.3"},
        {"implementation_version >= '7.3'", ">=7.3.0"},
        {"python_version < '3.*'", "(strings)"},
        {"python_version === '3.11'", "(strings)"},
        {"'3.8rc1' < python_version", "(strings)"},
        {"'3' in python_version", "(strings)"},
        {"os_name == 'nt'", "(strings)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = atom_versions(cases[i][0]);
        cr_expect_str_eq(s, cases[i][1], "%s", cases[i][0]);
        free(s);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Regions                                                                                      */

static marker_tri_t eval_region(const char *text, const marker_region_t *r, bool lock)
{
    marker_t *m;
    err_t *e = lock ? marker_parse_lock(text, &m, NULL) : marker_parse(text, &m, NULL);
    cr_assert_null(e, "parse '%s': %s", text, e ? e->msg : "");
    marker_tri_t t = 99;
    e = marker_eval_region(m, r, &t);
    cr_assert_null(e, "eval '%s': %s", text, e ? e->msg : "");
    marker_free(m);
    return t;
}

enum { F = MARKER_FALSE, T = MARKER_TRUE, M = MARKER_MAYBE };

Test(marker, region_python)
{
    marker_region_t r = {0};
    strcpy(r.python_lo, "3.11");
    strcpy(r.python_hi, "3.12");
    static const struct { const char *m; int want; } cases[] = {
        {"python_full_version >= '3.11.2'", M},
        {"python_full_version >= '3.11'", T},
        {"python_full_version < '3.12'", T},
        {"python_full_version < '3.11.0'", F},
        {"python_full_version == '3.11.*'", T},
        {"python_full_version == '3.11.4'", M},
        {"python_version == '3.11'", T},
        {"python_version != '3.11'", F},
        {"python_version >= '3.8'", T},
        {"python_version < '3.11'", F},
        {"python_version > '3.11'", F},
        {"python_version <= '3.11'", T},
        {"'3.8' < python_version", T},
        {"python_version in '3.10 3.11'", T},
        {"python_version not in '3.11'", F},
        {"python_version < '3.*'", F},          /* strings: "3.11" < "3.*" is false */
        {"python_version > '3.*'", T},
        {"python_version === '3.11'", T},
        {"implementation_version >= '3.11'", M}, /* implementation unknown */
        {"implementation_version >= '0'", T},    /* every version */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(eval_region(cases[i].m, &r, false), cases[i].want, "%s", cases[i].m);

    r.env.implementation_name = "cpython";
    cr_expect_eq(eval_region("implementation_version >= '3.11'", &r, false), T);
    cr_expect_eq(eval_region("implementation_version >= '3.11.1'", &r, false), M);
    cr_expect_eq(eval_region("implementation_version < '3.11'", &r, false), F);

    /* a range over several minors: python_version unknown, ranges still decide */
    strcpy(r.python_lo, "3.9");
    strcpy(r.python_hi, "3.13");
    cr_expect_eq(eval_region("python_version < '3.11'", &r, false), M);
    cr_expect_eq(eval_region("python_version >= '3.9'", &r, false), T);
    cr_expect_eq(eval_region("python_version >= '3.13'", &r, false), F);
    cr_expect_eq(eval_region("python_version < '3.*'", &r, false), M);
    char minor[16];
    cr_expect(!marker_region_python_version(&r, minor, sizeof minor));
    /* unbounded above */
    r.python_hi[0] = '\0';
    cr_expect_eq(eval_region("python_version >= '3.8'", &r, false), T);
    cr_expect_eq(eval_region("python_version >= '4'", &r, false), M);
    /* unknown Python */
    r.python_lo[0] = '\0';
    cr_expect_eq(eval_region("python_version >= '3.8'", &r, false), M);
    cr_expect_eq(eval_region("python_version >= '0'", &r, false), T);
}

Test(marker, region_strings_and_extra)
{
    marker_region_t r = {0};
    r.env.sys_platform = "linux";
    r.env.platform_release = "6.1.0";
    static const struct { const char *m; int want; } cases[] = {
        {"sys_platform == 'linux'", T},
        {"sys_platform != 'linux'", F},
        {"'lin' in sys_platform", T},
        {"sys_platform < 'm'", T},
        {"os_name == 'posix'", M},                  /* unknown */
        {"'' in os_name", T},                       /* whatever os_name is */
        {"'' not in os_name", F},
        {"platform_release >= '5'", T},             /* known: compared as versions */
        {"platform_version >= '5'", M},
        {"extra == 'x'", M},                        /* extra unknown */
        /* Kleene logic */
        {"os_name == 'nt' and sys_platform == 'win32'", F},
        {"os_name == 'nt' or sys_platform == 'linux'", T},
        {"os_name == 'nt' or sys_platform == 'win32'", M},
        {"os_name == 'nt' and sys_platform == 'linux'", M},
        {"sys_platform == 'linux' and os_name == 'nt'", M},     /* TRUE and MAYBE */
        {"sys_platform == 'win32' or os_name == 'nt'", M},      /* FALSE or MAYBE */
        {"sys_platform == 'linux' and sys_platform != 'win32'", T},
        {"sys_platform == 'win32' or sys_platform != 'linux'", F},
        {"(os_name == 'nt' or sys_platform == 'linux') and platform_release < '7'", T},
        /* Kleene is sound, not complete */
        {"os_name < 'a' or os_name >= 'a'", M},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(eval_region(cases[i].m, &r, false), cases[i].want, "%s", cases[i].m);

    r.env.extra = "";
    cr_expect_eq(eval_region("extra == 'x'", &r, false), F);
    cr_expect_eq(eval_region("extra != 'x'", &r, false), T);
    r.env.extra = "Foo_Bar";
    cr_expect_eq(eval_region("extra == 'foo.bar'", &r, false), T);
    cr_expect_eq(eval_region("extra == 'x'", &r, false), F);
}

Test(marker, region_sets)
{
    marker_region_t r = {0};
    cr_expect_eq(eval_region("'dev' in extras", &r, true), M);
    cr_expect_eq(eval_region("'dev' not in dependency_groups", &r, true), M);
    cr_expect_eq(eval_region("extras == 'dev'", &r, true), F);     /* false whatever the set */
    cr_expect_eq(eval_region("'dev' == extras", &r, true), F);
    const char *const none[] = {NULL};
    const char *const dev[] = {"Dev", NULL};
    r.env.extras = dev;
    r.env.dependency_groups = none;
    cr_expect_eq(eval_region("'dev' in extras", &r, true), T);
    cr_expect_eq(eval_region("'docs' in extras", &r, true), F);
    cr_expect_eq(eval_region("'dev' in dependency_groups", &r, true), F);
    cr_expect_eq(eval_region("'dev' not in dependency_groups", &r, true), T);
}

Test(marker, region_errors)
{
    marker_region_t r = {0};
    marker_t *m;
    cr_assert_null(marker_parse("os_name ~= 'posix'", &m, NULL));
    marker_tri_t t;
    err_t *e = marker_eval_region(m, &r, &t);
    cr_expect_null(e, "unknown os_name: no error");
    cr_expect_eq(t, M);
    r.env.os_name = "posix";
    e = marker_eval_region(m, &r, &t);
    cr_assert_not_null(e, "known os_name: the undefined comparison is an error");
    cr_expect(strstr(e->msg, "~="), "%s", e->msg);
    err_free(e);
    marker_free(m);

    cr_assert_null(marker_parse("python_version >= '3'", &m, NULL));
    r = (marker_region_t){0};
    strcpy(r.python_lo, "three");
    e = marker_eval_region(m, &r, &t);
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, "'three' is not a version"), "%s", e->msg);
    cr_expect_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    strcpy(r.python_lo, "3.12");
    strcpy(r.python_hi, "3.11");
    e = marker_eval_region(m, &r, &t);
    cr_assert_not_null(e, "empty range");
    cr_expect(strstr(e->msg, "holds no release"), "%s", e->msg);
    err_free(e);
    marker_free(m);
}

Test(marker, standard_regions)
{
    static const struct {
        marker_os_t os;
        marker_arch_t arch;
        const char *os_name, *sys_platform, *system, *machine;
    } cases[] = {
        {MARKER_OS_LINUX, MARKER_ARCH_X86_64, "posix", "linux", "Linux", "x86_64"},
        {MARKER_OS_LINUX, MARKER_ARCH_ARM64, "posix", "linux", "Linux", "aarch64"},
        {MARKER_OS_MACOS, MARKER_ARCH_X86_64, "posix", "darwin", "Darwin", "x86_64"},
        {MARKER_OS_MACOS, MARKER_ARCH_ARM64, "posix", "darwin", "Darwin", "arm64"},
        {MARKER_OS_WINDOWS, MARKER_ARCH_X86_64, "nt", "win32", "Windows", "AMD64"},
        {MARKER_OS_WINDOWS, MARKER_ARCH_ARM64, "nt", "win32", "Windows", "ARM64"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        marker_region_t r;
        memset(&r, 0x55, sizeof r);
        marker_region_target(cases[i].os, cases[i].arch, 3, 12, &r);
        cr_expect_str_eq(r.env.os_name, cases[i].os_name);
        cr_expect_str_eq(r.env.sys_platform, cases[i].sys_platform);
        cr_expect_str_eq(r.env.platform_system, cases[i].system);
        cr_expect_str_eq(r.env.platform_machine, cases[i].machine);
        cr_expect_str_eq(r.env.platform_python_implementation, "CPython");
        cr_expect_str_eq(r.env.implementation_name, "cpython");
        cr_expect_null(r.env.platform_release);
        cr_expect_null(r.env.platform_version);
        cr_expect_null(r.env.extra);
        cr_expect_null(r.env.extras);
        cr_expect_null(r.env.dependency_groups);
        cr_expect_str_eq(r.python_lo, "3.12");
        cr_expect_str_eq(r.python_hi, "3.13");
        char minor[16];
        cr_expect(marker_region_python_version(&r, minor, sizeof minor));
        cr_expect_str_eq(minor, "3.12");
        cr_expect_eq(eval_region("python_version == '3.12' and implementation_version >= '3.12'"
                                 " and platform_python_implementation == 'CPython'", &r, false),
                     T);
        cr_expect_eq(eval_region("platform_release >= '5'", &r, false), M);
    }
    cr_expect_str_eq(marker_os_name(MARKER_OS_MACOS), "macos");
    cr_expect_str_eq(marker_arch_name(MARKER_ARCH_ARM64), "arm64");
    marker_region_t r;
    marker_region_target(MARKER_OS_LINUX, MARKER_ARCH_X86_64, 3, 9, &r);
    cr_expect_str_eq(r.python_hi, "3.10");
    cr_expect_eq(eval_region("python_version < '3.10' and sys_platform == 'linux' and "
                             "platform_machine == 'x86_64'", &r, false), T);
}
