/* Unit tests for pkg/marker: PEP 508 marker parsing and evaluation. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/marker.h"

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
