/* Unit tests for pkg/req: PEP 508 requirement strings. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/req.h"

static req_t *parse_ok(const char *text)
{
    req_t *r = NULL;
    err_t *e = req_parse(text, &r, NULL);
    cr_assert_null(e, "'%s': %s", text, e ? e->msg : "");
    cr_assert_not_null(r);
    return r;
}

static char *specs_text(const req_t *r)
{
    char buf[256] = "";
    for (size_t i = 0; i < specset_count(r->specs); i++) {
        const char *op, *ver;
        specset_item(r->specs, i, &op, &ver);
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s%s", i ? "," : "", op, ver);
    }
    return strdup(buf);
}

Test(req, valid_forms)
{
    static const struct {
        const char *text, *name, *key, *extras, *specs, *url, *marker;
    } cases[] = {
        {"requests", "requests", "requests", "", "", NULL, NULL},
        {"requests==2.32.3", "requests", "requests", "", "==2.32.3", NULL, NULL},
        {"Requests>=2.31,<3", "Requests", "requests", "", ">=2.31,<3", NULL, NULL},
        {"requests [socks, Security] >= 2.0 ; python_version >= \"3.8\"", "requests", "requests",
         "socks,security", ">=2.0", NULL, "python_version >= \"3.8\""},
        {"requests[socks,security]>=2.0;python_version>='3.8'", "requests", "requests",
         "socks,security", ">=2.0", NULL, "python_version >= \"3.8\""},
        {"requests (>=2.0, <3)", "requests", "requests", "", ">=2.0,<3", NULL, NULL},
        {"requests( >=2.0 )", "requests", "requests", "", ">=2.0", NULL, NULL},
        {"requests[]", "requests", "requests", "", "", NULL, NULL},
        {" \tfoo ", "foo", "foo", "", "", NULL, NULL},
        {"foo==1.0.*", "foo", "foo", "", "==1.0.*", NULL, NULL},
        {"foo==1.0+local", "foo", "foo", "", "==1.0+local", NULL, NULL},
        {"foo === abc-def", "foo", "foo", "", "===abc-def", NULL, NULL},
        {"foo == 1.0 , != 1.0.1", "foo", "foo", "", "==1.0,!=1.0.1", NULL, NULL},
        {"foo>=1.0,", "foo", "foo", "", ">=1.0", NULL, NULL},
        {"foo ; os_name == \"nt\"", "foo", "foo", "", "", NULL, "os_name == \"nt\""},
        {"foo;os_name=='nt'", "foo", "foo", "", "", NULL, "os_name == \"nt\""},
        {"foo ()", "foo", "foo", "", "", NULL, NULL},
        {"foo (==1.0) ; os_name=='a'", "foo", "foo", "", "==1.0", NULL, "os_name == \"a\""},
        {"Foo.Bar_baz[X]==1; extra=='Y'", "Foo.Bar_baz", "foo-bar-baz", "x", "==1", NULL,
         "extra == \"y\""},
        {"foo[Bar_Baz, bar-baz, bar.baz]", "foo", "foo", "bar-baz", "", NULL, NULL},
        {"foo @ https://example.com/foo-1.0-py3-none-any.whl", "foo", "foo", "", "",
         "https://example.com/foo-1.0-py3-none-any.whl", NULL},
        {"foo@file:///tmp/foo.whl ; python_version < '3.11'", "foo", "foo", "", "",
         "file:///tmp/foo.whl", "python_version < \"3.11\""},
        {"foo[x] @ https://h/foo.whl   ", "foo", "foo", "x", "", "https://h/foo.whl", NULL},
        /* without whitespace, ';' is part of the URL (PEP 508) */
        {"foo @ https://h/foo.whl;python_version<'3'", "foo", "foo", "", "",
         "https://h/foo.whl;python_version<'3'", NULL},
        {"A", "A", "a", "", "", NULL, NULL},
        {"v1>=v1.0", "v1", "v1", "", ">=v1.0", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_t *r = parse_ok(cases[i].text);
        cr_expect_str_eq(r->name, cases[i].name, "%s", cases[i].text);
        cr_expect_str_eq(r->key, cases[i].key, "%s", cases[i].text);
        char extras[256] = "";
        for (size_t k = 0; k < r->nextras; k++)
            snprintf(extras + strlen(extras), sizeof extras - strlen(extras), "%s%s",
                     k ? "," : "", r->extras[k]);
        cr_expect_null(r->extras ? r->extras[r->nextras] : NULL);
        cr_expect_str_eq(extras, cases[i].extras, "%s", cases[i].text);
        char *sp = specs_text(r);
        cr_expect_str_eq(sp, cases[i].specs, "%s", cases[i].text);
        free(sp);
        if (cases[i].url)
            cr_expect(r->url && strcmp(r->url, cases[i].url) == 0, "%s: url %s", cases[i].text,
                      r->url ? r->url : "(null)");
        else
            cr_expect_null(r->url, "%s", cases[i].text);
        if (cases[i].marker) {
            cr_assert_not_null(r->marker, "%s", cases[i].text);
            char *m = marker_str(r->marker);
            cr_expect_str_eq(m, cases[i].marker);
            free(m);
        } else {
            cr_expect_null(r->marker, "%s", cases[i].text);
        }
        /* req_str parses back to the same canonical text */
        char *s = req_str(r);
        req_t *again = parse_ok(s);
        char *s2 = req_str(again);
        cr_expect_str_eq(s2, s, "round trip of '%s'", cases[i].text);
        free(s);
        free(s2);
        req_free(again);
        req_free(r);
    }
}

Test(req, canonical_string)
{
    static const char *const cases[][2] = {
        {"requests [Socks] (>= 2.0 , <3) ; python_version>='3.8'",
         "requests[socks]>=2.0,<3; python_version >= \"3.8\""},
        {"foo @ file:///x.whl ; os_name=='nt'", "foo @ file:///x.whl ; os_name == \"nt\""},
        {"foo@file:///x.whl", "foo @ file:///x.whl"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_t *r = parse_ok(cases[i][0]);
        char *s = req_str(r);
        cr_expect_str_eq(s, cases[i][1]);
        free(s);
        req_free(r);
    }
}

Test(req, errors_with_column)
{
    static const struct { const char *text; size_t pos; const char *what; } cases[] = {
        {"", 0, "expected a package name"},
        {"-foo", 0, "not a valid name"},
        {"foo-", 0, "not a valid name"},
        {"foo_ >=1", 0, "not a valid name"},
        {"foo>=1.0 abc", 9, "expected the end or ';' (after the version specifier)"},
        {"foo>=1.0abc", 3, "'1.0abc' is not a valid version"},
        {"foo=1.0", 3, "did you mean '=='"},
        {"foo==", 5, "expected a version after '=='"},
        {"foo>=1.0.*", 3, "'.*' suffix is only allowed with == and !="},
        {"foo>=1.0+local", 3, "local version label"},
        {"foo~=1", 3, "at least two release numbers"},
        {"foo bar", 4, "after the name and no valid version specifier"},
        {"foo @ ", 6, "expected a URL after '@'"},
        {"foo @ https://h/foo.whl x", 24, "expected the end or ';' (after the URL"},
        {"foo[bar baz]", 8, "expected ',' between extra names"},
        {"foo[bar,]", 8, "expected an extra name after ','"},
        {"foo[bar", 7, "expected ']' to close the '[' at column 4"},
        {"foo[-bar]", 4, "not a valid name"},
        {"foo (>=1.0", 10, "expected ')' to close the '(' at column 5"},
        {"foo (>=1.0;", 10, "expected ')'"},
        {"foo>=1.0,,<2", 9, "expected the end or ';'"},
        {"foo; python_version < '3' and", 29, "expected a marker variable"},
        {"foo; python_ver < '3'", 5, "unknown marker variable"},
        {"foo>=1; ", 8, "expected a marker variable"},
        {"foo>=99999999999999999999", 3, "not a valid version"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_t *r = (req_t *)1;
        size_t pos = 999;
        err_t *e = req_parse(cases[i].text, &r, &pos);
        cr_assert_not_null(e, "'%s' should not parse", cases[i].text);
        cr_expect_null(r);
        cr_expect_eq(pos, cases[i].pos, "'%s': pos %zu want %zu (%s)", cases[i].text, pos,
                     cases[i].pos, e->msg);
        cr_expect(strstr(e->msg, cases[i].what), "'%s': '%s' lacks '%s'", cases[i].text, e->msg,
                  cases[i].what);
        char col[32];
        snprintf(col, sizeof col, "at column %zu", cases[i].pos + 1);
        cr_expect(strstr(e->msg, col), "'%s': '%s' lacks '%s'", cases[i].text, e->msg, col);
        cr_expect(strstr(e->msg, "invalid requirement"), "%s", e->msg);
        cr_expect_eq(e->exit_code, EXIT_USAGE);
        err_free(e);
    }
}

Test(req, pinned)
{
    static const struct { const char *text; const char *pin; } cases[] = {
        {"requests==2.32.3", "2.32.3"}, {"requests === 2.32.3", "2.32.3"},
        {"requests (==1.0+local)", "1.0+local"}, {"requests==2.*", NULL},
        {"requests>=2", NULL}, {"requests==2,!=2.1", NULL}, {"requests", NULL},
        {"requests @ https://h/r.whl", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_t *r = parse_ok(cases[i].text);
        const char *v = NULL;
        bool pinned = req_pinned(r, &v);
        cr_expect_eq(pinned, cases[i].pin != NULL, "%s", cases[i].text);
        if (cases[i].pin && pinned)
            cr_expect_str_eq(v, cases[i].pin);
        req_free(r);
    }
}

Test(req, applies_and_contains)
{
    marker_env_t env = {.python_version = "3.10", .python_full_version = "3.10.13",
                        .sys_platform = "linux", .os_name = "posix"};
    req_t *r = parse_ok("tomli==2.0.1; python_version < '3.11'");
    bool ok = false;
    cr_assert_null(req_applies(r, &env, &ok));
    cr_expect(ok);
    env.python_version = "3.12";
    cr_assert_null(req_applies(r, &env, &ok));
    cr_expect(!ok);
    cr_expect(specset_contains_str(r->specs, "2.0.1", false));
    cr_expect(!specset_contains_str(r->specs, "2.0.2", false));
    req_free(r);

    r = parse_ok("requests");
    cr_assert_null(req_applies(r, &env, &ok));
    cr_expect(ok);
    cr_expect_eq(specset_count(r->specs), 0);
    cr_expect(specset_contains_str(r->specs, "1.0", false));
    req_free(r);
}
