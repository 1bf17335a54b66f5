/* Unit tests for pkg/markeralg: the algebra of markers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/markeralg.h"

static markeralg_t *P(const char *text)
{
    markeralg_t *a = NULL;
    err_t *e = markeralg_parse(text, false, &a);
    cr_assert_null(e, "parse '%s': %s", text, e ? e->msg : "");
    return a;
}

static markeralg_t *PL(const char *text)
{
    markeralg_t *a = NULL;
    err_t *e = markeralg_parse(text, true, &a);
    cr_assert_null(e, "parse_lock '%s': %s", text, e ? e->msg : "");
    return a;
}

/* The rendering of a (exact), freed a. */
static char *S(markeralg_t *a)
{
    bool exact = false;
    char *s = markeralg_str(a, &exact);
    cr_expect(exact, "'%s' should render exactly", s);
    markeralg_free(a);
    return s;
}

static void expect_text(markeralg_t *a, const char *want, const char *what)
{
    char *s = S(a);
    cr_expect_str_eq(s, want, "%s: got [%s]", what, s);
    free(s);
}

static markeralg_t *AND(markeralg_t *a, markeralg_t *b)
{
    markeralg_t *r = markeralg_and(a, b);
    markeralg_free(a);
    markeralg_free(b);
    return r;
}

static markeralg_t *OR(markeralg_t *a, markeralg_t *b)
{
    markeralg_t *r = markeralg_or(a, b);
    markeralg_free(a);
    markeralg_free(b);
    return r;
}

static markeralg_t *NOT(markeralg_t *a)
{
    markeralg_t *r = markeralg_not(a);
    markeralg_free(a);
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Normalization                                                                                */

Test(markeralg, normalizes_real_metadata)
{
    static const char *const cases[][2] = {
        {"python_version < \"3.8\"", "python_version < \"3.8\""},
        {"platform_python_implementation != \"PyPy\"", "platform_python_implementation != \"PyPy\""},
        {"sys_platform == \"win32\" and python_version >= \"3.7\"",
         "python_version >= \"3.7\" and sys_platform == \"win32\""},
        {"extra == \"socks\"", "extra == \"socks\""},
        {"extra == 'Socks_Proxy'", "extra == \"socks-proxy\""},
        {"os_name == \"nt\" or sys_platform == \"win32\"",
         "os_name == \"nt\" or sys_platform == \"win32\""},
        {"python_version<'3.10' and python_version>='3.7'",
         "python_version >= \"3.7\" and python_version < \"3.10\""},
        {"python_version <= \"3.11\"", "python_version < \"3.12\""},
        {"python_version > \"3.8\"", "python_version >= \"3.9\""},
        {"python_version == \"3.11\"", "python_version == \"3.11\""},
        {"python_version == \"3.11.*\"", "python_version == \"3.11\""},
        {"python_full_version == \"3.11.*\"", "python_version == \"3.11\""},
        {"python_version != \"3.11\"", "python_version != \"3.11\""},
        {"python_full_version >= \"3.8.1\"", "python_full_version >= \"3.8.1\""},
        {"python_full_version >= \"3.8.0\"", "python_version >= \"3.8\""},
        {"python_full_version > \"3.8.1\"", "python_full_version >= \"3.8.2\""},
        {"python_full_version == \"3.8.1\"", "python_full_version == \"3.8.1\""},
        {"python_full_version != \"3.8.0\"", "python_full_version != \"3.8.0\""},
        {"python_version ~= \"3.8\"", "python_version >= \"3.8\" and python_version < \"4.0\""},
        {"'3.8' < python_version", "python_version >= \"3.9\""},
        {"python_version in '2.7 3.4'", "python_version == \"2.7\" or python_version == \"3.4\""},
        {"implementation_version == '7.3.*'", "implementation_version == \"7.3.*\""},
        {"implementation_version >= '7.3'", "implementation_version >= \"7.3\""},
        {"platform_machine == 'x86_64' or platform_machine == 'AMD64' or "
         "platform_machine == 'x86_64'",
         "platform_machine == \"AMD64\" or platform_machine == \"x86_64\""},
        {"os_name != 'nt' and os_name != 'java'", "os_name != \"java\" and os_name != \"nt\""},
        {"'win' in sys_platform", "\"win\" in sys_platform"},
        {"'win' not in sys_platform", "\"win\" not in sys_platform"},
        {"sys_platform in 'linux darwin'", "sys_platform in \"linux darwin\""},
        {"'a' < os_name", "os_name > \"a\""},
        {"os_name >= 'q'", "os_name >= \"q\""},
        {"platform_release >= '5.10'", "platform_release >= \"5.10\""},
        {"(sys_platform == 'linux' or sys_platform == 'darwin') and python_version < '3.9'",
         "python_version < \"3.9\" and (sys_platform == \"darwin\" or sys_platform == \"linux\")"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_text(P(cases[i][0]), cases[i][1], cases[i][0]);
}

Test(markeralg, contradictions_vanish_and_tautologies_collapse)
{
    static const char *const falses[] = {
        "python_version < '3.8' and python_version >= '3.9'",
        "sys_platform == 'linux' and sys_platform == 'win32'",
        "sys_platform == 'linux' and sys_platform != 'linux'",
        "'win' in sys_platform and sys_platform == 'linux'",  /* decided on the known value */
        "extra == 'a' and extra == 'b'",
        "os_name < 'q' and os_name >= 'q'",
        "python_version < '0'",
        "os_name ~= 'posix'",                               /* undefined: false */
        "python_version == '3.11.2'",                       /* python_version is X.Y */
    };
    for (size_t i = 0; i < sizeof falses / sizeof falses[0]; i++) {
        markeralg_t *a = P(falses[i]);
        cr_expect(markeralg_is_false(a), "%s", falses[i]);
        cr_expect(!markeralg_is_true(a), "%s", falses[i]);
        expect_text(a, MARKERALG_FALSE_TEXT, falses[i]);
    }
    static const char *const trues[] = {
        "python_version < \"3.10\" or python_version >= \"3.10\"",
        "python_version < '3.10' or python_full_version >= '3.10.0'",
        "sys_platform == 'linux' or sys_platform != 'linux'",
        "os_name < 'q' or os_name >= 'q'",
        "'win' in sys_platform or 'win' not in sys_platform",
        "python_version < '3.8' or python_version > '3.7'",
        "python_version >= '0'",
        "python_version < '3.9' and os_name == 'nt' or python_version >= '3.9' or os_name != 'nt'",
    };
    for (size_t i = 0; i < sizeof trues / sizeof trues[0]; i++) {
        markeralg_t *a = P(trues[i]);
        cr_expect(markeralg_is_true(a), "%s", trues[i]);
        cr_expect(!markeralg_is_false(a), "%s", trues[i]);
        expect_text(a, "", trues[i]);
    }
}

Test(markeralg, merges_and_drops_subsumed)
{
    static const char *const cases[][2] = {
        {"sys_platform == 'linux' or sys_platform == 'darwin'",
         "sys_platform == \"darwin\" or sys_platform == \"linux\""},
        {"python_version < '3.9' or python_version < '3.11'", "python_version < \"3.11\""},
        {"python_version < '3.9' and os_name == 'nt' or os_name == 'nt'", "os_name == \"nt\""},
        {"python_version == '3.9' or python_version == '3.10' or python_version == '3.11'",
         "python_version >= \"3.9\" and python_version < \"3.12\""},
        {"sys_platform == 'linux' and python_version < '3.9' or "
         "sys_platform == 'linux' and python_version >= '3.9'",
         "sys_platform == \"linux\""},
        {"os_name != 'nt' or os_name != 'posix'", ""},
        {"os_name != 'nt' and os_name == 'posix'", "os_name == \"posix\""},
        {"python_version < '3.8' or python_version >= '3.10' and python_version < '3.12' or "
         "python_version >= '3.12'",
         "python_version < \"3.8\" or python_version >= \"3.10\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_text(P(cases[i][0]), cases[i][1], cases[i][0]);
}

Test(markeralg, rendering_omits_redundant_primes)
{
    /* The canonical form holds the consensus python_version < "3.8" and os_name == "nt" too;
     * the text leaves it out, and still means the same. */
    const char *text = "sys_platform == 'linux' and python_version < '3.8' or "
                       "sys_platform != 'linux' and os_name == 'nt'";
    markeralg_t *a = P(text);
    markeralg_t *consensus = P("python_version < '3.8' and os_name == 'nt'");
    cr_expect(markeralg_implies(consensus, a));
    markeralg_free(consensus);
    char *s = markeralg_str(a, NULL);
    cr_expect_str_eq(s, "python_version < \"3.8\" and sys_platform == \"linux\" or "
                        "os_name == \"nt\" and sys_platform != \"linux\"");
    markeralg_t *back = P(s);
    cr_expect(markeralg_equal(back, a));
    free(s);
    markeralg_free(back);
    markeralg_free(a);
}

Test(markeralg, lock_set_atoms)
{
    expect_text(PL("'Dev_X' in extras"), "\"dev-x\" in extras", "in");
    expect_text(PL("'dev' not in extras and 'test' in dependency_groups"),
                "\"dev\" not in extras and \"test\" in dependency_groups", "and");
    markeralg_t *a = PL("extras == 'dev'");
    cr_expect(markeralg_is_false(a));
    markeralg_free(a);
    a = PL("'dev' in extras or 'dev' not in extras");
    cr_expect(markeralg_is_true(a));
    markeralg_free(a);
    /* lock syntax refuses extra, Requires-Dist syntax refuses the sets */
    markeralg_t *x = (markeralg_t *)1;
    err_t *e = markeralg_parse("extra == 'a'", true, &x);
    cr_expect_not_null(e);
    cr_expect_null(x);
    err_free(e);
    e = markeralg_parse("'a' in extras", false, &x);
    cr_expect_not_null(e);
    err_free(e);
}

Test(markeralg, false_sentinel_parses_back_to_false)
{
    markeralg_t *f = markeralg_false();
    char *s = markeralg_str(f, NULL);
    cr_expect_str_eq(s, MARKERALG_FALSE_TEXT);
    markeralg_t *again = P(s);
    cr_expect(markeralg_equal(again, f));
    /* and marker_eval agrees it is false */
    marker_t *m;
    cr_assert_null(marker_parse(s, &m, NULL));
    marker_env_t env = {.python_version = "3.12", .python_full_version = "3.12.1"};
    bool r = true;
    cr_assert_null(marker_eval(m, &env, &r));
    cr_expect(!r);
    marker_free(m);
    free(s);
    markeralg_free(again);
    markeralg_free(f);
    markeralg_t *t = markeralg_true();
    s = markeralg_str(t, NULL);
    cr_expect_str_eq(s, "");
    free(s);
    cr_expect(markeralg_is_true(t));
    markeralg_free(t);
}

Test(markeralg, inexact_negation_is_reported)
{
    /* platform_release >= "5.10" compares as versions when the value is one: its negation is
     * not platform_release < "5.10" (5.10rc1 satisfies neither) */
    markeralg_t *n = NOT(P("platform_release >= '5.10'"));
    bool exact = true;
    char *s = markeralg_str(n, &exact);
    cr_expect_str_eq(s, "platform_release < \"5.10\"");
    cr_expect(!exact);
    /* the value itself is the exact negation */
    marker_env_t env = {.platform_release = "5.10rc1"};
    bool r = false;
    cr_assert_null(markeralg_eval(n, &env, &r));
    cr_expect(r, "5.10rc1 is not >= 5.10, so the negation holds");
    free(s);
    markeralg_free(n);
    /* string comparisons negate exactly */
    n = NOT(P("os_name < 'q'"));
    s = markeralg_str(n, &exact);
    cr_expect(exact);
    cr_expect_str_eq(s, "os_name >= \"q\"");
    free(s);
    markeralg_free(n);
}

/* ------------------------------------------------------------------------------------------ */
/* Brute force: random expressions against marker_eval on a grid of environments               */

static const char *const POOL_DIST[] = {
    "python_version < '3.8'", "python_version >= '3.8'", "python_version <= '3.11'",
    "python_version > '3.9'", "python_version == '3.11'", "python_version != '3.10'",
    "python_version == '3.*'", "python_version ~= '3.9'", "'3.8' < python_version",
    "'3.11' >= python_version", "python_version in '2.7 3.10'",
    "python_version not in '3.11 3.12'", "python_full_version >= '3.11.2'",
    "python_full_version < '3.8.1'", "python_full_version == '3.10.*'",
    "python_full_version != '3.11.2'", "python_full_version > '3.10.0'",
    "python_full_version ~= '3.11.1'", "python_version < '3.*'", "python_version === '3.12'",
    "implementation_version >= '3.10'", "implementation_version < '7'",
    "sys_platform == 'linux'", "sys_platform != 'win32'", "sys_platform == 'darwin'",
    "'win' in sys_platform", "sys_platform in 'linux darwin'", "os_name == 'nt'",
    "os_name != 'posix'", "'nt' == os_name", "platform_system == 'Windows'",
    "platform_machine == 'x86_64'", "platform_machine in 'x86_64 AMD64'",
    "platform_machine != 'aarch64'", "platform_python_implementation == 'CPython'",
    "platform_python_implementation != 'PyPy'", "implementation_name == 'cpython'",
    "os_name < 'p'", "'m' > sys_platform", "platform_release >= '6'",
    "platform_release == '10'", "platform_release < '5.5'",
    "extra == 'socks'", "extra != 'test-x'", "extra == 'Test.X'", "'so' in extra",
};

/* No string variable here has both a value set and an opaque atom: canonical forms are unique
 * per function, so the laws hold structurally. */
static const char *const POOL_CLEAN[] = {
    "python_version < '3.8'", "python_version >= '3.8'", "python_version <= '3.11'",
    "python_version > '3.9'", "python_version == '3.11'", "python_version != '3.10'",
    "python_version ~= '3.9'", "'3.8' < python_version", "python_version in '2.7 3.10'",
    "python_full_version >= '3.11.2'", "python_full_version < '3.8.1'",
    "python_full_version != '3.11.2'", "python_version < '3.*'", "python_version === '3.12'",
    "implementation_version >= '3.10'", "implementation_version < '7'",
    "sys_platform == 'linux'", "sys_platform != 'win32'", "sys_platform == 'darwin'",
    "os_name == 'nt'", "os_name != 'posix'", "platform_system == 'Windows'",
    "platform_machine == 'x86_64'", "platform_machine != 'aarch64'",
    "platform_python_implementation != 'PyPy'", "implementation_name == 'cpython'",
    "platform_release >= '6'", "platform_release < '5.5'", "'gen' in platform_version",
    "extra == 'socks'", "extra != 'test-x'",
};

static const char *const POOL_LOCK[] = {
    "python_version < '3.9'", "python_version >= '3.11'", "python_full_version < '3.11.2'",
    "python_version == '3.10'", "sys_platform == 'linux'", "sys_platform == 'win32'",
    "platform_machine == 'x86_64'", "platform_machine != 'AMD64'", "os_name == 'nt'",
    "'dev' in extras", "'dev' not in extras", "'Test' in dependency_groups",
    "'docs' in extras", "extras == 'dev'", "implementation_name != 'pypy'",
};

typedef struct genv {
    marker_env_t env;
    char minor[8];
} genv_t;

static const char *const PYS[] = {"2.7.18", "3.6.0",  "3.7.1",  "3.8.0",  "3.8.10",
                                  "3.9.7",  "3.10.0", "3.10.12", "3.11.0", "3.11.2",
                                  "3.11.9", "3.12.0", "3.12.4", "3.13.1", "4.0.0"};
static const char *const PLATS[][3] = {{"posix", "linux", "Linux"},
                                       {"posix", "darwin", "Darwin"},
                                       {"nt", "win32", "Windows"},
                                       {"posix", "cygwin", "CYGWIN_NT-10.0"}};
static const char *const MACHS[] = {"x86_64", "aarch64", "AMD64"};
static const char *const RELS[] = {"6.1.0-18-amd64", "10", "5.4.2"};
static const char *const EXTRAS[] = {"", "socks", "Test_X"};
static const char *const SET_DEV[] = {"dev", NULL};
static const char *const SET_NONE[] = {NULL};
static const char *const SET_TEST[] = {"test", NULL};

/* The grid (lock: vary extras/dependency_groups instead of extra). */
static genv_t *make_grid(bool lock, size_t *n)
{
    size_t cap = 15 * 4 * 3 * 2 * 3 * 3;
    genv_t *g = calloc(cap, sizeof *g);
    size_t k = 0;
    for (size_t p = 0; p < 15; p++)
        for (size_t pl = 0; pl < 4; pl++)
            for (size_t m = 0; m < 3; m++)
                for (size_t impl = 0; impl < 2; impl++)
                    for (size_t rel = 0; rel < 3; rel++)
                        for (size_t x = 0; x < 3; x++) {
                            genv_t *e = &g[k++];
                            snprintf(e->minor, sizeof e->minor, "%.*s",
                                     (int)(strchr(PYS[p] + 2, '.') - PYS[p]), PYS[p]);
                            e->env.python_full_version = PYS[p];
                            e->env.python_version = e->minor;
                            e->env.os_name = PLATS[pl][0];
                            e->env.sys_platform = PLATS[pl][1];
                            e->env.platform_system = PLATS[pl][2];
                            e->env.platform_machine = MACHS[m];
                            e->env.platform_python_implementation = impl ? "PyPy" : "CPython";
                            e->env.implementation_name = impl ? "pypy" : "cpython";
                            e->env.implementation_version = impl ? "7.3.12" : PYS[p];
                            e->env.platform_release = RELS[rel];
                            e->env.platform_version = "#1 SMP";
                            if (lock) {
                                e->env.extras = x == 1 ? SET_DEV : x == 2 ? SET_NONE : NULL;
                                e->env.dependency_groups = rel == 1 ? SET_TEST : NULL;
                            } else {
                                e->env.extra = EXTRAS[x];
                            }
                        }
    *n = k;
    return g;
}

/* A random expression tree over the pool. */
typedef struct expr {
    int kind;               /* 0 atom, 1 and, 2 or, 3 not */
    int atom;
    struct expr *l, *r;
} expr_t;

#ifndef SEED
#define SEED 88172645463325252UL
#endif
static unsigned long rng_state = SEED;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static expr_t *gen(int depth, size_t npool, bool allow_not)
{
    expr_t *e = calloc(1, sizeof *e);
    unsigned k = depth <= 0 ? 0 : rnd(allow_not ? 10 : 8);
    if (k < 3) {
        e->atom = (int)rnd((unsigned)npool);
    } else if (k < 8) {
        e->kind = k < 5 ? 1 : 2;
        e->l = gen(depth - 1, npool, allow_not);
        e->r = gen(depth - 1, npool, allow_not);
    } else {
        e->kind = 3;
        e->l = gen(depth - 1, npool, allow_not);
    }
    return e;
}

static void expr_free(expr_t *e)
{
    if (!e)
        return;
    expr_free(e->l);
    expr_free(e->r);
    free(e);
}

static bool truth(const expr_t *e, const bool *atoms)
{
    switch (e->kind) {
    case 0: return atoms[e->atom];
    case 1: return truth(e->l, atoms) && truth(e->r, atoms);
    case 2: return truth(e->l, atoms) || truth(e->r, atoms);
    default: return !truth(e->l, atoms);
    }
}

static markeralg_t *build(const expr_t *e, markeralg_t *const *atoms)
{
    switch (e->kind) {
    case 0: return markeralg_copy(atoms[e->atom]);
    case 1: return AND(build(e->l, atoms), build(e->r, atoms));
    case 2: return OR(build(e->l, atoms), build(e->r, atoms));
    default: return NOT(build(e->l, atoms));
    }
}

/* PEP 508 text of a not-free expression. */
static void text_of(const expr_t *e, const char *const *pool, char *buf, size_t n)
{
    if (e->kind == 0) {
        snprintf(buf, n, "%s", pool[e->atom]);
        return;
    }
    char *l = malloc(n), *r = malloc(n);
    text_of(e->l, pool, l, n);
    text_of(e->r, pool, r, n);
    snprintf(buf, n, "(%s) %s (%s)", l, e->kind == 1 ? "and" : "or", r);
    free(l);
    free(r);
}

static void brute_force(const char *const *pool, size_t npool, bool lock, int rounds)
{
    size_t ng;
    genv_t *grid = make_grid(lock, &ng);
    /* atom truth tables from marker_eval, and atom values */
    bool *table = calloc(ng * npool, sizeof *table);
    markeralg_t **atoms = calloc(npool, sizeof *atoms);
    for (size_t a = 0; a < npool; a++) {
        marker_t *m;
        err_t *e = lock ? marker_parse_lock(pool[a], &m, NULL) : marker_parse(pool[a], &m, NULL);
        cr_assert_null(e, "%s", pool[a]);
        atoms[a] = markeralg_from_marker(m);
        for (size_t g = 0; g < ng; g++) {
            e = marker_eval(m, &grid[g].env, &table[g * npool + a]);
            cr_assert_null(e, "pool atom '%s' must evaluate without error", pool[a]);
            bool alg;
            cr_assert_null(markeralg_eval(atoms[a], &grid[g].env, &alg));
            cr_assert_eq(alg, table[g * npool + a], "atom '%s' at python %s %s %s", pool[a],
                         grid[g].env.python_full_version, grid[g].env.sys_platform,
                         grid[g].env.platform_release);
        }
        marker_free(m);
    }
    size_t exact_renders = 0;
    for (int round = 0; round < rounds; round++) {
        bool allow_not = round % 2 == 0;
        expr_t *x = gen(1 + round % 4, npool, allow_not);
        markeralg_t *v = build(x, atoms);
        bool exact;
        char *text = markeralg_str(v, &exact);
        markeralg_t *back = NULL;
        marker_t *rm = NULL;
        if (markeralg_is_true(v)) {
            cr_expect_str_eq(text, "");
        } else {
            err_t *e = lock ? marker_parse_lock(text, &rm, NULL) : marker_parse(text, &rm, NULL);
            cr_assert_null(e, "rendering must parse: '%s': %s", text, e ? e->msg : "");
            back = markeralg_from_marker(rm);
        }
        if (exact) {
            exact_renders++;
            markeralg_t *again = back ? back : markeralg_true();
            cr_expect(markeralg_equal(again, v), "round trip of '%s'", text);
            if (!back)
                markeralg_free(again);
        }
        for (size_t g = 0; g < ng; g++) {
            bool want = truth(x, &table[g * npool]);
            bool got;
            cr_assert_null(markeralg_eval(v, &grid[g].env, &got));
            cr_assert_eq(got, want, "round %d: '%s' at python %s %s %s %s %s extra=%s: algebra "
                         "%d, marker_eval %d", round, text, grid[g].env.python_full_version,
                         grid[g].env.sys_platform, grid[g].env.platform_machine,
                         grid[g].env.implementation_name, grid[g].env.platform_release,
                         grid[g].env.extra ? grid[g].env.extra : "-", got, want);
            if (rm && exact) {
                bool r;
                cr_assert_null(marker_eval(rm, &grid[g].env, &r));
                cr_assert_eq(r, want, "rendered '%s' at python %s %s", text,
                             grid[g].env.python_full_version, grid[g].env.sys_platform);
            }
        }
        if (!allow_not) {
            /* the whole expression as text converts to the same canonical value */
            char buf[8192];
            text_of(x, pool, buf, sizeof buf);
            markeralg_t *direct = lock ? PL(buf) : P(buf);
            cr_expect(markeralg_equal(direct, v), "from text: %s", buf);
            markeralg_free(direct);
        }
        markeralg_free(back);
        marker_free(rm);
        free(text);
        markeralg_free(v);
        expr_free(x);
    }
    cr_expect(exact_renders > (size_t)rounds / 2, "most renderings are exact (%zu)",
              exact_renders);
    for (size_t a = 0; a < npool; a++)
        markeralg_free(atoms[a]);
    free(atoms);
    free(table);
    free(grid);
}

Test(markeralg, random_expressions_match_marker_eval, .timeout = 120)
{
    brute_force(POOL_DIST, sizeof POOL_DIST / sizeof POOL_DIST[0], false, 160);
}

Test(markeralg, random_lock_expressions_match_marker_eval, .timeout = 120)
{
    brute_force(POOL_LOCK, sizeof POOL_LOCK / sizeof POOL_LOCK[0], true, 80);
}

/* The laws, structurally on canonical forms, over random values. */
Test(markeralg, boolean_laws, .timeout = 120)
{
    size_t npool = sizeof POOL_CLEAN / sizeof POOL_CLEAN[0];
    markeralg_t **atoms = calloc(npool, sizeof *atoms);
    for (size_t a = 0; a < npool; a++)
        atoms[a] = P(POOL_CLEAN[a]);
#ifndef LAW_ROUNDS
#define LAW_ROUNDS 150
#endif
#ifndef LAW_DEPTH
#define LAW_DEPTH 3
#endif
    for (int round = 0; round < LAW_ROUNDS; round++) {
        expr_t *xa = gen(LAW_DEPTH, npool, true), *xb = gen(LAW_DEPTH, npool, true),
               *xc = gen(1, npool, true);
        markeralg_t *a = build(xa, atoms), *b = build(xb, atoms), *c = build(xc, atoms);
        markeralg_t *x, *y;
        /* commutativity, idempotence, double negation */
        x = markeralg_and(a, b), y = markeralg_and(b, a);
        cr_expect(markeralg_equal(x, y));
        markeralg_free(x), markeralg_free(y);
        x = markeralg_or(a, b), y = markeralg_or(b, a);
        cr_expect(markeralg_equal(x, y));
        markeralg_free(x), markeralg_free(y);
        x = markeralg_or(a, a);
        cr_expect(markeralg_equal(x, a));
        markeralg_free(x);
        x = NOT(markeralg_not(a));
        cr_expect(markeralg_equal(x, a), "double negation");
        markeralg_free(x);
        /* excluded middle, contradiction */
        x = markeralg_or(a, y = markeralg_not(a));
        cr_expect(markeralg_is_true(x), "excluded middle");
        markeralg_free(x);
        x = markeralg_and(a, y);
        cr_expect(markeralg_is_false(x));
        markeralg_free(x), markeralg_free(y);
        /* De Morgan */
        x = NOT(markeralg_and(a, b));
        y = OR(markeralg_not(a), markeralg_not(b));
        if (!markeralg_equal(x, y)) {
            char *sa = markeralg_str(a, NULL), *sb = markeralg_str(b, NULL);
            char *sx = markeralg_str(x, NULL), *sy = markeralg_str(y, NULL);
            cr_expect_fail("de morgan: a = %s\nb = %s\nnot(a and b) = %s\nnot a or not b = %s",
                           sa, sb, sx, sy);
            free(sa), free(sb), free(sx), free(sy);
        }
        markeralg_free(x), markeralg_free(y);
        /* distributivity */
        x = AND(markeralg_copy(a), markeralg_or(b, c));
        y = OR(markeralg_and(a, b), markeralg_and(a, c));
        cr_expect(markeralg_equal(x, y), "distributivity");
        markeralg_free(x), markeralg_free(y);
        /* absorption, implication, disjointness */
        x = OR(markeralg_copy(a), markeralg_and(a, b));
        cr_expect(markeralg_equal(x, a), "absorption");
        markeralg_free(x);
        x = markeralg_and(a, b);
        cr_expect(markeralg_implies(x, a));
        cr_expect(markeralg_implies(x, b));
        y = markeralg_or(a, b);
        cr_expect(markeralg_implies(a, y));
        cr_expect_eq(markeralg_implies(y, a), markeralg_implies(b, a));
        cr_expect_eq(markeralg_implies(a, b), markeralg_equal(x, a), "a => b iff a and b = a");
        markeralg_free(x), markeralg_free(y);
        y = markeralg_not(a);
        cr_expect(markeralg_disjoint(a, y));
        cr_expect_eq(markeralg_disjoint(a, b), markeralg_implies(b, y));
        markeralg_free(y);
        cr_expect_eq(markeralg_cmp(a, b) == 0, markeralg_equal(a, b));
        cr_expect_eq(markeralg_cmp(a, b) < 0, markeralg_cmp(b, a) > 0);
        markeralg_free(a), markeralg_free(b), markeralg_free(c);
        expr_free(xa), expr_free(xb), expr_free(xc);
    }
    for (size_t a = 0; a < npool; a++)
        markeralg_free(atoms[a]);
    free(atoms);
}

/* With opaque atoms and value sets on the same variable, forms may differ, but every
 * true answer of implies / disjoint / equal / is_true / is_false holds on the grid. */
Test(markeralg, mixed_answers_are_sound, .timeout = 120)
{
    size_t npool = sizeof POOL_DIST / sizeof POOL_DIST[0];
    markeralg_t **atoms = calloc(npool, sizeof *atoms);
    for (size_t a = 0; a < npool; a++)
        atoms[a] = P(POOL_DIST[a]);
    size_t ng;
    genv_t *grid = make_grid(false, &ng);
    size_t proven = 0;
    for (int round = 0; round < 80; round++) {
        expr_t *xa = gen(3, npool, true), *xb = gen(3, npool, true);
        markeralg_t *a = build(xa, atoms), *b = build(xb, atoms);
        markeralg_t *ab = markeralg_and(a, b), *nb = markeralg_not(b), *anb = markeralg_or(a, nb);
        bool imp = markeralg_implies(a, b), dis = markeralg_disjoint(a, b);
        bool eq = markeralg_equal(a, b), t = markeralg_is_true(anb), f = markeralg_is_false(ab);
        proven += imp + dis + eq + t + f;
        for (size_t g = 0; g < ng; g++) {
            bool va, vb;
            cr_assert_null(markeralg_eval(a, &grid[g].env, &va));
            cr_assert_null(markeralg_eval(b, &grid[g].env, &vb));
            if (imp)
                cr_expect(!va || vb, "implies");
            if (dis || f)
                cr_expect(!(va && vb), "disjoint");
            if (eq)
                cr_expect_eq(va, vb, "equal");
            if (t)
                cr_expect(va || !vb, "is_true(a or not b)");
        }
        markeralg_free(a), markeralg_free(b), markeralg_free(ab), markeralg_free(nb);
        markeralg_free(anb);
        expr_free(xa), expr_free(xb);
    }
    cr_expect(proven > 20, "%zu answers proven", proven);
    for (size_t a = 0; a < npool; a++)
        markeralg_free(atoms[a]);
    free(atoms);
    free(grid);
}

Test(markeralg, implies_and_disjoint)
{
    static const struct { const char *a, *b; int implies, disjoint; } cases[] = {
        {"python_version >= '3.10'", "python_version >= '3.8'", 1, 0},
        {"python_version >= '3.8'", "python_version >= '3.10'", 0, 0},
        {"python_version < '3.8'", "python_version >= '3.8'", 0, 1},
        {"sys_platform == 'linux'", "sys_platform != 'win32'", 1, 0},
        {"sys_platform == 'linux'", "os_name == 'nt'", 0, 0},
        {"sys_platform == 'linux'", "'lin' in sys_platform", 1, 0},
        {"sys_platform == 'linux'", "'win' in sys_platform", 0, 1},
        {"python_version == '3.11' and os_name == 'nt'", "python_version >= '3.9' or "
                                                         "sys_platform == 'linux'", 1, 0},
        {"extra == 'a'", "extra == 'b'", 0, 1},
        {"python_version < '3.9' and os_name == 'nt'",
         "python_version < '3.9' and sys_platform == 'win32' or os_name == 'nt'", 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        markeralg_t *a = P(cases[i].a), *b = P(cases[i].b);
        cr_expect_eq(markeralg_implies(a, b), cases[i].implies, "%s => %s", cases[i].a,
                     cases[i].b);
        cr_expect_eq(markeralg_disjoint(a, b), cases[i].disjoint, "%s # %s", cases[i].a,
                     cases[i].b);
        markeralg_free(a);
        markeralg_free(b);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* within                                                                                       */

Test(markeralg, within_drops_what_the_universe_guarantees)
{
    static const char *const cases[][3] = {
        {"python_version >= '3.8'", "python_version >= '3.9'", ""},
        {"python_version >= '3.8' and os_name == 'nt'", "python_version >= '3.9'",
         "os_name == \"nt\""},
        {"python_version >= '3.8' and python_version < '3.13'", "python_version >= '3.9'",
         "python_version < \"3.13\""},
        {"python_version < '3.8'", "python_version >= '3.9'", MARKERALG_FALSE_TEXT},
        {"os_name == 'nt' and sys_platform == 'win32'",
         "os_name == 'nt' and sys_platform == 'win32' or "
         "os_name == 'posix' and sys_platform == 'linux'",
         "sys_platform == \"win32\""},
        {"sys_platform != 'win32'", "sys_platform == 'linux' or sys_platform == 'win32'",
         "sys_platform != \"win32\""},
        {"sys_platform == 'linux' or sys_platform == 'darwin'",
         "sys_platform == 'linux' or sys_platform == 'darwin' or sys_platform == 'win32'",
         "sys_platform != \"win32\""},
        {"extra == 'x' and python_version >= '3.7'", "python_version >= '3.8'",
         "extra == \"x\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        markeralg_t *a = P(cases[i][0]), *u = P(cases[i][1]);
        markeralg_t *w = markeralg_within(a, u);
        markeralg_t *lhs = markeralg_and(w, u), *rhs = markeralg_and(a, u);
        cr_expect(markeralg_equal(lhs, rhs), "postcondition: %s within %s", cases[i][0],
                  cases[i][1]);
        expect_text(w, cases[i][2], cases[i][0]);
        markeralg_free(lhs);
        markeralg_free(rhs);
        markeralg_free(a);
        markeralg_free(u);
    }
}

static markeralg_t *target(marker_os_t os, marker_arch_t arch, int minor)
{
    marker_region_t r;
    marker_region_target(os, arch, 3, minor, &r);
    markeralg_t *m;
    cr_assert_null(markeralg_from_region(&r, &m));
    return m;
}

Test(markeralg, within_the_standard_targets)
{
    markeralg_t *u = markeralg_false(), *linux311 = markeralg_false(), *old = markeralg_false(),
                *not_win_arm = markeralg_false();
    for (int os = 0; os < 3; os++)
        for (int arch = 0; arch < 2; arch++)
            for (int minor = 9; minor <= 13; minor++) {
                u = OR(u, target(os, arch, minor));
                if (os == MARKER_OS_LINUX && minor == 11)
                    linux311 = OR(linux311, target(os, arch, minor));
                if (minor < 11)
                    old = OR(old, target(os, arch, minor));
                if (os != MARKER_OS_WINDOWS || arch != MARKER_ARCH_ARM64)
                    not_win_arm = OR(not_win_arm, target(os, arch, minor));
            }
    /* the union of every target merges to one cube per OS */
    markeralg_t *w = markeralg_within(u, u);
    expect_text(w, "", "u within u");
    struct { markeralg_t *m; const char *want; } cases[] = {
        {linux311, "python_version == \"3.11\" and sys_platform == \"linux\""},
        {old, "python_version < \"3.11\""},
        {not_win_arm, "platform_machine != \"ARM64\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        w = markeralg_within(cases[i].m, u);
        markeralg_t *lhs = markeralg_and(w, u), *rhs = markeralg_and(cases[i].m, u);
        cr_expect(markeralg_equal(lhs, rhs));
        expect_text(w, cases[i].want, cases[i].want);
        markeralg_free(lhs);
        markeralg_free(rhs);
        markeralg_free(cases[i].m);
    }
    markeralg_free(u);
}

Test(markeralg, within_random, .timeout = 120)
{
    size_t npool = sizeof POOL_DIST / sizeof POOL_DIST[0];
    markeralg_t **atoms = calloc(npool, sizeof *atoms);
    for (size_t a = 0; a < npool; a++)
        atoms[a] = P(POOL_DIST[a]);
    for (int round = 0; round < 60; round++) {
        expr_t *xa = gen(3, npool, true), *xu = gen(2, npool, true);
        markeralg_t *a = build(xa, atoms), *u = build(xu, atoms);
        markeralg_t *w = markeralg_within(a, u);
        markeralg_t *lhs = markeralg_and(w, u), *rhs = markeralg_and(a, u);
        cr_expect(markeralg_equal(lhs, rhs), "round %d", round);
        markeralg_free(lhs), markeralg_free(rhs);
        markeralg_free(w), markeralg_free(a), markeralg_free(u);
        expr_free(xa), expr_free(xu);
    }
    for (size_t a = 0; a < npool; a++)
        markeralg_free(atoms[a]);
    free(atoms);
}

/* ------------------------------------------------------------------------------------------ */
/* Regions                                                                                      */

Test(markeralg, from_region)
{
    marker_region_t r;
    marker_region_target(MARKER_OS_WINDOWS, MARKER_ARCH_ARM64, 3, 12, &r);
    markeralg_t *m;
    cr_assert_null(markeralg_from_region(&r, &m));
    expect_text(m, "python_version == \"3.12\" and implementation_name == \"cpython\" and "
                   "platform_python_implementation == \"CPython\" and os_name == \"nt\" and "
                   "sys_platform == \"win32\" and platform_system == \"Windows\" and "
                   "platform_machine == \"ARM64\"", "windows arm64 3.12");
    r = (marker_region_t){0};
    strcpy(r.python_lo, "3.11.4");
    r.env.extra = "Foo_Bar";
    cr_assert_null(markeralg_from_region(&r, &m));
    expect_text(m, "python_full_version >= \"3.11.4\" and extra == \"foo-bar\"", "partial");
    /* a value no PEP 508 string can hold */
    r = (marker_region_t){0};
    r.env.platform_version = "say \"hi\" it's";
    cr_assert_null(markeralg_from_region(&r, &m));
    bool exact = true;
    char *s = markeralg_str(m, &exact);
    cr_expect(!exact, "%s", s);
    free(s);
    markeralg_free(m);
    strcpy(r.python_lo, "x");
    m = (markeralg_t *)1;
    err_t *e = markeralg_from_region(&r, &m);
    cr_assert_not_null(e);
    cr_expect_null(m);
    err_free(e);
}

static marker_tri_t alg_region(const char *text, const marker_region_t *r)
{
    markeralg_t *a = P(text);
    marker_tri_t t = 99;
    cr_assert_null(markeralg_eval_region(a, r, &t));
    markeralg_free(a);
    return t;
}

Test(markeralg, eval_region)
{
    marker_region_t r;
    marker_region_target(MARKER_OS_LINUX, MARKER_ARCH_X86_64, 3, 11, &r);
    static const struct { const char *m; int want; } cases[] = {
        {"python_full_version >= '3.11.2'", MARKER_MAYBE},
        {"python_version == '3.11' and sys_platform == 'linux'", MARKER_TRUE},
        {"sys_platform == 'win32' or python_version < '3.11'", MARKER_FALSE},
        {"platform_release >= '5'", MARKER_MAYBE},
        {"platform_release >= '5' or platform_machine == 'x86_64'", MARKER_TRUE},
        /* decided here, MAYBE for marker_eval_region's Kleene logic */
        {"python_full_version >= '3.11.2' or python_full_version < '3.11.2'", MARKER_TRUE},
        {"os_name < 'a' or os_name >= 'a'", MARKER_TRUE},
        {"platform_version < 'a' or platform_version >= 'a'", MARKER_TRUE},
        {"python_full_version >= '3.11.2' and platform_release >= '5' and "
         "python_full_version < '3.11.2'", MARKER_FALSE},
        {"implementation_version >= '3.11'", MARKER_TRUE},
        {"implementation_version >= '3.11.3'", MARKER_MAYBE},
        {"'lin' in sys_platform and python_version < '3.*'", MARKER_FALSE},
        {"extra == 'x'", MARKER_MAYBE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(alg_region(cases[i].m, &r), cases[i].want, "%s", cases[i].m);
    r.env.extra = "";
    cr_expect_eq(alg_region("extra == 'x'", &r), MARKER_FALSE);
    cr_expect_eq(alg_region("extra != 'x' and sys_platform == 'linux'", &r), MARKER_TRUE);
}

/* Region evaluation of the algebra never contradicts marker_eval_region and is at least as
 * decisive; both agree with the grid environments inside the region. */
Test(markeralg, eval_region_consistent_with_marker_and_grid, .timeout = 120)
{
    size_t npool = sizeof POOL_DIST / sizeof POOL_DIST[0];
    size_t ng;
    genv_t *grid = make_grid(false, &ng);
    marker_region_t regions[8];
    size_t nr = 0;
    for (int os = 0; os < 3; os++)
        marker_region_target(os, os == 1 ? MARKER_ARCH_ARM64 : MARKER_ARCH_X86_64, 3, 8 + os * 2,
                             &regions[nr++]);
    regions[nr] = (marker_region_t){0};
    regions[nr].env.sys_platform = "linux";
    strcpy(regions[nr++].python_lo, "3.10");
    regions[nr] = (marker_region_t){0};
    strcpy(regions[nr].python_lo, "3.8.5");
    strcpy(regions[nr++].python_hi, "3.11.3");
    regions[nr] = (marker_region_t){0};
    regions[nr].env.extra = "socks";
    regions[nr].env.platform_release = "10";
    regions[nr++].env.implementation_name = "pypy";
    /* which grid environments lie in each region */
    bool *inside = calloc(nr * ng, sizeof *inside);
    for (size_t ri = 0; ri < nr; ri++) {
        const marker_region_t *r = &regions[ri];
        vrange_t py;
        char *why = NULL;
        cr_assert(marker_region_python(r, &py, &why));
        for (size_t g = 0; g < ng; g++) {
            const marker_env_t *env = &grid[g].env;
            bool in = true;
            for (int v = 0; v <= MARKER_VAR_EXTRA && in; v++) {
                if (v == MARKER_VAR_PYTHON_VERSION || v == MARKER_VAR_PYTHON_FULL_VERSION ||
                    v == MARKER_VAR_IMPLEMENTATION_VERSION)
                    continue;
                const char *want = marker_env_get(&r->env, v);
                const char *have = marker_env_get(env, v);
                in = !want || (have && strcmp(want, have) == 0);
            }
            version_t pv;
            cr_assert(version_parse(env->python_full_version, &pv));
            in = in && vrange_contains(&py, &pv);
            if (in && r->env.implementation_name &&
                strcmp(r->env.implementation_name, "cpython") == 0)
                in = strcmp(env->implementation_version, env->python_full_version) == 0;
            version_free(&pv);
            inside[ri * ng + g] = in;
        }
        vrange_free(&py);
    }
    size_t decided_more = 0, checked = 0;
    for (int round = 0; round < 150; round++) {
        expr_t *x = gen(1 + round % 4, npool, false);
        char buf[8192];
        text_of(x, POOL_DIST, buf, sizeof buf);
        marker_t *m;
        cr_assert_null(marker_parse(buf, &m, NULL));
        markeralg_t *a = markeralg_from_marker(m);
        for (size_t ri = 0; ri < nr; ri++) {
            const marker_region_t *r = &regions[ri];
            marker_tri_t k = 99, t = 99;
            err_t *e = marker_eval_region(m, r, &k);
            cr_assert_null(e, "%s", e ? e->msg : "");
            cr_assert_null(markeralg_eval_region(a, r, &t));
            if (k != MARKER_MAYBE)
                cr_expect_eq(t, k, "region %zu: '%s': algebra %d, marker %d", ri, buf, t, k);
            else if (t != MARKER_MAYBE)
                decided_more++;
            for (size_t g = 0; g < ng && t != MARKER_MAYBE; g++) {
                if (!inside[ri * ng + g])
                    continue;
                const marker_env_t *env = &grid[g].env;
                bool val;
                cr_assert_null(marker_eval(m, env, &val));
                checked++;
                cr_expect_eq(val, t == MARKER_TRUE, "region %zu says %d for '%s' but python %s "
                             "%s gives %d", ri, t, buf, env->python_full_version,
                             env->sys_platform, val);
            }
        }
        markeralg_free(a);
        marker_free(m);
        expr_free(x);
    }
    free(inside);
    cr_expect(checked > 1000, "%zu environments checked", checked);
    cr_expect(decided_more > 0, "the algebra decides some that Kleene logic leaves MAYBE");
    free(grid);
}

/* ------------------------------------------------------------------------------------------ */
/* Reachability fixed point                                                                     */

Test(markeralg, reachability_fixed_point_on_a_cycle)
{
    /* root -> a (always), a -> b (linux), b -> a (py < 3.10), b -> c (win32: never with
     * linux), a -> c (py >= 3.12), c -> b (os_name == nt), c -> d (extra == x) */
    enum { ROOT, A, B, C, D, N };
    static const struct { int from, to; const char *m; } edges[] = {
        {ROOT, A, ""},
        {A, B, "sys_platform == 'linux'"},
        {B, A, "python_version < '3.10'"},
        {B, C, "sys_platform == 'win32'"},
        {A, C, "python_version >= '3.12'"},
        {C, B, "os_name == 'nt'"},
        {C, D, "extra == 'x'"},
    };
    size_t ne = sizeof edges / sizeof edges[0];
    markeralg_t *em[16], *mk[N];
    for (size_t i = 0; i < ne; i++)
        em[i] = P(edges[i].m);
    for (int p = 0; p < N; p++)
        mk[p] = p == ROOT ? markeralg_true() : markeralg_false();
    /* the documented pattern: m <- m or step(m) until step(m) implies m; and, since these
     * markers are canonical, plain recomputation must reach the same values */
    int iterations = 0;
    bool changed = true;
    while (changed) {
        cr_assert_lt(++iterations, 20, "the iteration must reach a fixed point");
        changed = false;
        for (int p = 1; p < N; p++) {
            markeralg_t *step = markeralg_false();
            for (size_t i = 0; i < ne; i++)
                if (edges[i].to == p)
                    step = OR(step, markeralg_and(mk[edges[i].from], em[i]));
            if (!markeralg_implies(step, mk[p])) {
                changed = true;
                mk[p] = OR(mk[p], step);
            } else {
                markeralg_free(step);
            }
        }
    }
    for (int p = 1; p < N; p++) {
        markeralg_t *again = markeralg_false();
        for (size_t i = 0; i < ne; i++)
            if (edges[i].to == p)
                again = OR(again, markeralg_and(mk[edges[i].from], em[i]));
        cr_expect(markeralg_equal(again, mk[p]), "node %d is a fixed point", p);
        markeralg_free(again);
    }
    expect_text(markeralg_copy(mk[A]), "", "a");
    expect_text(markeralg_copy(mk[B]),
                "python_version >= \"3.12\" and os_name == \"nt\" or sys_platform == \"linux\"",
                "b");
    expect_text(markeralg_copy(mk[C]), "python_version >= \"3.12\"", "c");
    expect_text(markeralg_copy(mk[D]), "python_version >= \"3.12\" and extra == \"x\"", "d");
    /* against paths on the grid */
    size_t ng;
    genv_t *grid = make_grid(false, &ng);
    for (size_t g = 0; g < ng; g++) {
        bool reach[N] = {[ROOT] = true};
        for (int round = 0; round < N; round++)
            for (size_t i = 0; i < ne; i++) {
                bool ok;
                cr_assert_null(markeralg_eval(em[i], &grid[g].env, &ok));
                if (reach[edges[i].from] && ok)
                    reach[edges[i].to] = true;
            }
        for (int p = 0; p < N; p++) {
            bool got;
            cr_assert_null(markeralg_eval(mk[p], &grid[g].env, &got));
            cr_expect_eq(got, reach[p], "node %d at %s %s", p, grid[g].env.python_full_version,
                         grid[g].env.sys_platform);
        }
    }
    free(grid);
    for (size_t i = 0; i < ne; i++)
        markeralg_free(em[i]);
    for (int p = 0; p < N; p++)
        markeralg_free(mk[p]);
}

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                   */

Test(markeralg, eval_needs_versions)
{
    markeralg_t *a = P("python_version >= '3.8'");
    marker_env_t env = {.python_version = "3.11"};
    bool r = true;
    err_t *e = markeralg_eval(a, &env, &r);
    cr_assert_not_null(e);
    cr_expect(!r);
    cr_expect(strstr(e->msg, "python_full_version '' is not a version"), "%s", e->msg);
    err_free(e);
    env.python_full_version = "3.11.4";
    cr_assert_null(markeralg_eval(a, &env, &r));
    cr_expect(r);
    /* a pre-release interpreter counts as its final release (documented model) */
    env.python_full_version = "3.8.0rc1";
    cr_assert_null(markeralg_eval(a, &env, &r));
    cr_expect(r);
    markeralg_free(a);
    /* no version needed when nothing constrains it */
    a = P("os_name == 'nt'");
    env = (marker_env_t){.os_name = "nt"};
    cr_assert_null(markeralg_eval(a, &env, &r));
    cr_expect(r);
    markeralg_free(a);
}
