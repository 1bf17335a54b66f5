/* request: every form of `python: ...`, the messages for garbage, and matching. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "python/request.h"

TestSuite(request);

typedef struct {
    const char *text;
    pyreq_kind_t kind;
    const char *impl;      /* NULL = any */
    int nparts;
    long parts[3];
    bool ft;
} parse_case_t;

static const parse_case_t good[] = {
    {"", PYREQ_ANY, NULL, 0, {0}, false},
    {"any", PYREQ_ANY, NULL, 0, {0}, false},
    {"  ANY ", PYREQ_ANY, NULL, 0, {0}, false},
    {"default", PYREQ_ANY, NULL, 0, {0}, false},
    {"3", PYREQ_VERSION, NULL, 1, {3}, false},
    {"3.12", PYREQ_VERSION, NULL, 2, {3, 12}, false},
    {"3.10", PYREQ_VERSION, NULL, 2, {3, 10}, false},
    {"3.12.1", PYREQ_VERSION, NULL, 3, {3, 12, 1}, false},
    {"2.7.18", PYREQ_VERSION, NULL, 3, {2, 7, 18}, false},
    {"3.13t", PYREQ_VERSION, NULL, 2, {3, 13}, true},
    {"3.13.0t", PYREQ_VERSION, NULL, 3, {3, 13, 0}, true},
    {">=3.10,<3.13", PYREQ_SPECS, NULL, 0, {0}, false},
    {"==3.12.*", PYREQ_SPECS, NULL, 0, {0}, false},
    {"~=3.11", PYREQ_SPECS, NULL, 0, {0}, false},
    {"!=3.12.0", PYREQ_SPECS, NULL, 0, {0}, false},
    {"cpython@3.12", PYREQ_VERSION, "cpython", 2, {3, 12}, false},
    {"CPython@3.12", PYREQ_VERSION, "cpython", 2, {3, 12}, false},
    {"pypy@3.10", PYREQ_VERSION, "pypy", 2, {3, 10}, false},
    {"graalpy@3.11", PYREQ_VERSION, "graalpy", 2, {3, 11}, false},
    {"cpython3.12", PYREQ_VERSION, "cpython", 2, {3, 12}, false},
    {"pypy3.10", PYREQ_VERSION, "pypy", 2, {3, 10}, false},
    {"pypy3.10-7.3.12", PYREQ_VERSION, "pypy", 2, {3, 10}, false},
    {"cp312", PYREQ_VERSION, "cpython", 2, {3, 12}, false},
    {"cp39", PYREQ_VERSION, "cpython", 2, {3, 9}, false},
    {"cp313t", PYREQ_VERSION, "cpython", 2, {3, 13}, true},
    {"pp310", PYREQ_VERSION, "pypy", 2, {3, 10}, false},
    {"cpython@3.13t", PYREQ_VERSION, "cpython", 2, {3, 13}, true},
    {"cpython@>=3.11", PYREQ_SPECS, "cpython", 0, {0}, false},
    {"python3.12", PYREQ_VERSION, NULL, 2, {3, 12}, false},
    {"python3", PYREQ_VERSION, NULL, 1, {3}, false},
    {"cpython", PYREQ_ANY, "cpython", 0, {0}, false},
    {"pypy", PYREQ_ANY, "pypy", 0, {0}, false},
    {"/usr/bin/python3", PYREQ_PATH, NULL, 0, {0}, false},
    {"tools/python", PYREQ_PATH, NULL, 0, {0}, false},
    {"~/.pyenv/versions/3.12.1/bin/python", PYREQ_PATH, NULL, 0, {0}, false},
};

Test(request, parses_every_form)
{
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        const parse_case_t *c = &good[i];
        pyreq_t *r = NULL;
        char *why = NULL;
        cr_assert(pyreq_parse(c->text, &r, &why), "'%s' should parse: %s", c->text,
                  why ? why : "");
        cr_assert_null(why);
        cr_assert_eq(r->kind, c->kind, "'%s': kind %d, want %d", c->text, r->kind, c->kind);
        if (c->impl)
            cr_assert_str_eq(r->impl, c->impl, "'%s'", c->text);
        else
            cr_assert_null(r->impl, "'%s': impl %s", c->text, r->impl);
        cr_assert_eq(r->freethreaded, c->ft, "'%s'", c->text);
        if (c->kind == PYREQ_VERSION) {
            cr_assert_eq(r->nparts, c->nparts, "'%s'", c->text);
            for (int k = 0; k < c->nparts; k++)
                cr_assert_eq(r->parts[k], c->parts[k], "'%s' part %d", c->text, k);
        }
        if (c->kind == PYREQ_SPECS)
            cr_assert_not_null(r->specs, "'%s'", c->text);
        else
            cr_assert_null(r->specs);
        if (c->kind == PYREQ_PATH)
            cr_assert_str_eq(r->path, c->text);
        cr_assert_not_null(r->text);
        pyreq_free(r);
    }
}

Test(request, text_is_kept_trimmed)
{
    pyreq_t *r;
    char *why;
    cr_assert(pyreq_parse("  3.12\n", &r, &why));
    cr_assert_str_eq(r->text, "3.12");
    pyreq_free(r);
    cr_assert(pyreq_parse(NULL, &r, &why));
    cr_assert_eq(r->kind, PYREQ_ANY);
    pyreq_free(r);
}

typedef struct {
    const char *text;
    const char *why;       /* the start of the message */
} bad_case_t;

static const bad_case_t bad[] = {
    {"3.x", "'3.x': 'x' is not a number"},
    {"x3", "'x3': unknown implementation 'x' (known: cpython, pypy, graalpy)"},
    {"python3.12.1.5", "'python3.12.1.5': a version has at most three parts (major.minor.patch)"},
    {"3.12.1.5", "'3.12.1.5': a version has at most three parts"},
    {"@3", "'@3': missing an implementation name before '@' (e.g. cpython@3)"},
    {"cpython@", "'cpython@': missing a version after '@' (e.g. cpython@3.12)"},
    {"3.", "'3.': missing a number after '.'"},
    {"3..12", "'3..12': missing a number after '.'"},
    {"3.12.*", "'3.12.*': a wildcard needs an operator (==3.12.*)"},
    {"3.14.0rc1", "'3.14.0rc1': for a pre-release, write a specifier like ==3.14.0rc1"},
    {"3.12 x", "'3.12 x': unexpected ' x' after the version"},
    {"jython@2.7", "'jython@2.7': unknown implementation 'jython'"},
    {">=3.10,<<3", "'>=3.10,<<3': "},
    {"3.12t5", "'3.12t5': unexpected 't5' after the version"},
    {"99999999", "'99999999': version number too large"},
};

Test(request, garbage_has_clear_messages)
{
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pyreq_t *r = (pyreq_t *)0x1;
        char *why = NULL;
        cr_assert_not(pyreq_parse(bad[i].text, &r, &why), "'%s' should not parse", bad[i].text);
        cr_assert_null(r);
        cr_assert_not_null(why, "'%s'", bad[i].text);
        cr_assert_eq(strncmp(why, bad[i].why, strlen(bad[i].why)), 0, "'%s': got \"%s\"",
                     bad[i].text, why);
        /* every message says what would have been valid */
        cr_assert(strstr(why, "valid forms are 3, 3.12"), "%s", why);
        free(why);
    }
    /* why may be NULL */
    pyreq_t *r;
    cr_assert_not(pyreq_parse("3.x", &r, NULL));
}

typedef struct {
    const char *req;
    const char *impl;
    const char *version;
    bool ft;
    bool want;
} match_case_t;

static const match_case_t matches[] = {
    /* version prefixes match by components */
    {"3", "cpython", "3.11.2", false, true},
    {"3", "cpython", "2.7.18", false, false},
    {"3.12", "cpython", "3.12.1", false, true},
    {"3.12", "cpython", "3.12.0rc1", false, true},
    {"3.12", "cpython", "3.1.2", false, false},
    {"3.1", "cpython", "3.12.1", false, false},
    {"3.12", "cpython", "3.13.0", false, false},
    {"3.12.1", "cpython", "3.12.1", false, true},
    {"3.12.1", "cpython", "3.12.10", false, false},
    {"3.12.1", "cpython", "3.12", false, false},
    {"3.10", "cpython", "3.10.14", false, true},
    /* free-threading: t only matches free-threaded builds, the rest only GIL builds */
    {"3.13t", "cpython", "3.13.0", true, true},
    {"3.13t", "cpython", "3.13.0", false, false},
    {"3.13", "cpython", "3.13.0", true, false},
    {"3", "cpython", "3.13.0", true, false},
    {">=3.13", "cpython", "3.13.0", true, false},
    {"any", "cpython", "3.13.0", true, true},
    {"", "cpython", "3.13.0", false, true},
    /* implementations */
    {"cpython@3.12", "cpython", "3.12.4", false, true},
    {"cpython@3.12", "pypy", "3.12.4", false, false},
    {"pypy@3.10", "pypy", "3.10.14", false, true},
    {"pypy3.10", "cpython", "3.10.14", false, false},
    {"cp312", "cpython", "3.12.4", false, true},
    {"3.10", "pypy", "3.10.14", false, true},
    {"pypy", "pypy", "3.9.1", false, true},
    {"pypy", "cpython", "3.9.1", false, false},
    /* specifier sets */
    {">=3.10,<3.13", "cpython", "3.12.1", false, true},
    {">=3.10,<3.13", "cpython", "3.13.0", false, false},
    {">=3.10,<3.13", "cpython", "3.9.18", false, false},
    {"==3.12.*", "cpython", "3.12.7", false, true},
    {"==3.12.*", "cpython", "3.11.7", false, false},
    {"~=3.11", "cpython", "3.13.1", false, true},
    {"~=3.11", "cpython", "4.0.0", false, false},
    {"~=3.11.2", "cpython", "3.11.9", false, true},
    {"~=3.11.2", "cpython", "3.12.0", false, false},
    /* pre-releases only when the specifier names one */
    {">=3.12", "cpython", "3.14.0a1", false, false},
    {">=3.14.0a1", "cpython", "3.14.0a2", false, true},
    {">=3.14.0a1", "cpython", "3.14.0a1+", false, true},
};

Test(request, matching)
{
    for (size_t i = 0; i < sizeof matches / sizeof *matches; i++) {
        const match_case_t *c = &matches[i];
        pyreq_t *r;
        char *why = NULL;
        cr_assert(pyreq_parse(c->req, &r, &why), "'%s': %s", c->req, why ? why : "");
        pyfacts_t f = {c->impl, c->version, c->ft, "/usr/bin/python3", NULL};
        cr_assert_eq(pyreq_matches(r, &f), c->want, "'%s' vs %s %s%s: want %s", c->req, c->impl,
                     c->version, c->ft ? " (free-threaded)" : "", c->want ? "match" : "no match");
        pyreq_free(r);
    }
}

Test(request, path_matching)
{
    pyreq_t *r;
    char *why;
    cr_assert(pyreq_parse("/opt/py/bin/python3.12", &r, &why));
    pyfacts_t f = {"cpython", "3.12.1", false, "/opt/py/bin/python3.12", NULL};
    cr_assert(pyreq_matches(r, &f));
    f.path = "/usr/bin/python3";
    cr_assert_not(pyreq_matches(r, &f));
    f.realpath = "/opt/py/bin/python3.12";     /* the caller resolved a link to it */
    cr_assert(pyreq_matches(r, &f));
    f.freethreaded = true;                      /* a path is a path, whatever it runs */
    cr_assert(pyreq_matches(r, &f));
    pyreq_free(r);
}

Test(request, missing_facts)
{
    pyreq_t *r;
    char *why;
    cr_assert(pyreq_parse("3.12", &r, &why));
    pyfacts_t f = {NULL, NULL, false, NULL, NULL};
    cr_assert_not(pyreq_matches(r, &f));
    pyreq_free(r);
    cr_assert(pyreq_parse("cpython", &r, &why));
    cr_assert_not(pyreq_matches(r, &f));
    pyreq_free(r);
    /* NULL request: anything */
    cr_assert(pyreq_matches(NULL, &f));
    pyreq_free(NULL);
}
