/* Unit tests for pkg/range: PEP 440 version sets, sentinels, specifier conversion, algebra,
 * rendering. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/range.h"
#include "pkg/version.h"
#include "util/xalloc.h"

static vrange_t R(const char *spec)
{
    vrange_t r;
    char *why = NULL;
    cr_assert(vrange_parse(spec, &r, &why), "vrange_parse(%s): %s", spec, why ? why : "");
    return r;
}

static version_t V(const char *s)
{
    version_t v;
    cr_assert(version_parse(s, &v), "version_parse(%s)", s);
    return v;
}

static bool in(const char *spec, const char *ver)
{
    vrange_t r = R(spec);
    version_t v = V(ver);
    bool b = vrange_contains(&r, &v);
    version_free(&v);
    vrange_free(&r);
    return b;
}

static void expect_str(const vrange_t *r, const char *want)
{
    char *t = vrange_str(r);
    cr_expect_str_eq(t, want);
    free(t);
}

static void expect_spec_str(const char *spec, const char *want)
{
    vrange_t r = R(spec);
    char *t = vrange_str(&r);
    cr_expect_str_eq(t, want, "vrange_str(%s) = %s, want %s", spec, t, want);
    free(t);
    vrange_free(&r);
}

/* Members and non-members of a specifier's range. */
typedef struct {
    const char *spec;
    const char *yes[8];
    const char *no[8];
} row_t;

static void check_rows(const row_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < 8 && rows[i].yes[k]; k++)
            cr_expect(in(rows[i].spec, rows[i].yes[k]), "%s should contain %s", rows[i].spec,
                      rows[i].yes[k]);
        for (size_t k = 0; k < 8 && rows[i].no[k]; k++)
            cr_expect(!in(rows[i].spec, rows[i].no[k]), "%s should not contain %s",
                      rows[i].spec, rows[i].no[k]);
    }
}

/* ---- Sentinels in version_cmp ------------------------------------------------------------ */

static version_t S(const char *s, int sentinel)
{
    version_t v = V(s);
    v.sentinel = sentinel;
    return v;
}

static int sgn(int c)
{
    return (c > 0) - (c < 0);
}

Test(range, sentinel_ordering)
{
    /* Each list is strictly increasing. */
    static const struct {
        const char *v;
        int s;
    } chain[] = {
        {"0.9.post3", 0}, {"0.9", VERSION_MAX}, {"1.0", VERSION_MIN}, {"1.0.dev0", 0},
        {"1.0.dev0+x", 0}, {"1.0.dev0", VERSION_LOCAL_MAX}, {"1.0.dev1", 0}, {"1.0a0.dev0", 0},
        {"1.0a1", 0}, {"1.0a1+x", 0}, {"1.0a1", VERSION_LOCAL_MAX}, {"1.0a1.post1", 0},
        {"1.0a1", VERSION_MAX}, {"1.0a2.dev0", 0}, {"1.0rc1", 0}, {"1.0rc1", VERSION_MAX},
        {"1.0", 0}, {"1.0+abc", 0}, {"1.0+999", 0}, {"1.0", VERSION_LOCAL_MAX},
        {"1.0.post0.dev0", 0}, {"1.0.post1", 0}, {"1.0.post1+x", 0},
        {"1.0.post1", VERSION_LOCAL_MAX}, {"1.0.post2.dev0", 0}, {"1.0", VERSION_MAX},
        {"1.0.0.1", VERSION_MIN}, {"1.0.0.1.dev0", 0}, {"1.1", VERSION_MIN}, {"1.1a1", 0},
        {"1!0.1", VERSION_MIN}, {"1!0.1", 0},
    };
    size_t n = sizeof chain / sizeof chain[0];
    for (size_t i = 0; i < n; i++) {
        version_t a = S(chain[i].v, chain[i].s);
        cr_expect_eq(version_cmp(&a, &a), 0, "%s", chain[i].v);
        for (size_t j = i + 1; j < n; j++) {
            version_t b = S(chain[j].v, chain[j].s);
            cr_expect_eq(sgn(version_cmp(&a, &b)), -1, "%s(%d) < %s(%d)", chain[i].v,
                         chain[i].s, chain[j].v, chain[j].s);
            cr_expect_eq(sgn(version_cmp(&b, &a)), 1, "%s(%d) > %s(%d)", chain[j].v,
                         chain[j].s, chain[i].v, chain[i].s);
            version_free(&b);
        }
        version_free(&a);
    }
}

Test(range, sentinel_equality_and_text)
{
    version_t a = S("1.0", VERSION_MIN), b = S("1.0.0", VERSION_MIN), c = S("1.0", 0);
    cr_expect_eq(version_cmp(&a, &b), 0, "trailing zeros: 1.0.MIN == 1.0.0.MIN");
    cr_expect_neq(version_cmp(&a, &c), 0, "a sentinel never equals a version");
    char *t = version_str(&a);
    cr_expect_str_eq(t, "1.0.MIN");
    free(t);
    version_free(&a);
    version_free(&b);
    version_free(&c);
    a = S("1.0a1", VERSION_MAX);
    t = version_str(&a);
    cr_expect_str_eq(t, "1.0a1.MAX");
    free(t);
    version_free(&a);
    a = S("2.0", VERSION_LOCAL_MAX);
    t = version_str(&a);
    cr_expect_str_eq(t, "2.0+localMAX");
    free(t);
    version_free(&a);
    /* Parsed versions are normal. */
    a = V("1.0");
    cr_expect_eq(a.sentinel, VERSION_NORMAL);
    version_free(&a);
}

/* ---- The digest's specifier table and checklist ------------------------------------------ */

Test(range, digest_table)
{
    static const row_t rows[] = {
        /* ==V (no local): [V, V+localMAX] */
        {"==1.0", {"1.0", "1.0.0", "1.0+x", "1.0+ubuntu.1", "1.0.0+1"},
         {"1.0.post0", "1.0.dev1", "1.0rc1", "1.0.1", "0.9", "1!1.0"}},
        /* ==V+local: exactly that */
        {"==1.0+abc", {"1.0+abc", "1.0.0+abc", "1.0+ABC"}, {"1.0", "1.0+abd", "1.0+abc.1"}},
        /* ~=X.Y.Z: [X.Y.Z, X.(Y+1).dev0) */
        {"~=1.4.5", {"1.4.5", "1.4.5+x", "1.4.6", "1.4.99", "1.4.6a1", "1.4.5.post1"},
         {"1.4.4", "1.4.5rc1", "1.5.dev0", "1.5", "1.5a1", "2.0"}},
        {"~=2.2", {"2.2", "2.3", "2.99.post1", "2.3rc1"}, {"2.1", "3.0.dev0", "3.0", "3.0a1"}},
        /* ==X.Y.*: [X.Y.dev0, X.(Y+1).dev0) */
        {"==1.4.*", {"1.4.dev0", "1.4", "1.4a1", "1.4.0", "1.4.99.post3", "1.4+x"},
         {"1.3.99", "1.5.dev0", "1.5", "1.40", "1!1.4"}},
        {"==1.*", {"1.dev0", "1.0", "1.99", "1.0rc1"}, {"0.9", "2.dev0", "2.0"}},
        /* <V (V final): (-inf, V.MIN), below V's dev and pre-releases */
        {"<1.0", {"0.9", "0.9.post1", "0.9+x", "0.9rc1", "0"}, {0}},
        /* <=V: (-inf, V+localMAX] */
        {"<=1.0", {"1.0", "1.0+x", "0.1", "1.0rc1"}, {"1.0.post0.dev0", "1.0.post1", "1.0.1"}},
        /* >V (V final): (V.MAX, inf), above V.postN and V+local */
        {">1.0", {"1.0.1", "1.1", "1.0.0.1", "1.1a1", "2!0.1"},
         {"1.0", "1.0+x", "1.0.post1", "1.0.post1+x", "1.0.post999.dev1", "1.0rc1", "0.9"}},
        /* >=V */
        {">=1.0", {"1.0", "1.0+x", "1.0.post1", "2.0"}, {"1.0rc1", "1.0.dev0", "0.9"}},
        /* !=V: the complement of ==V */
        {"!=1.0", {"0.9", "1.0.post1", "1.0rc1", "1.1"}, {"1.0", "1.0+x", "1.0.0"}},
        {"!=1.0.*", {"0.9", "1.1.dev0", "2.0"}, {"1.0", "1.0.5", "1.0.dev0", "1.0a1"}},
        {"!=1.0+abc", {"1.0", "1.0+abd"}, {"1.0+abc"}},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
    /* <V excludes V's pre-releases (the first row's "no" list would not fit the struct). */
    cr_expect(!in("<1.0", "1.0rc1"));
    cr_expect(!in("<1.0", "1.0a1"));
    cr_expect(!in("<1.0", "1.0.dev1"));
    cr_expect(!in("<1.0", "1.0"));
    cr_expect(!in("<1.0", "1.0.0rc1"));
}

Test(range, digest_checklist_versions)
{
    /* §7: ==1.0 ∋ 1.0+x; >1.0 ∌ 1.0.post1, 1.0+x; <1.0 ∌ 1.0rc1; <=1.0 ∋ 1.0+x. */
    cr_expect(in("==1.0", "1.0+x"));
    cr_expect(!in(">1.0", "1.0.post1"));
    cr_expect(!in(">1.0", "1.0+x"));
    cr_expect(!in("<1.0", "1.0rc1"));
    cr_expect(in("<=1.0", "1.0+x"));
    /* Pre-releases are not removed by ranges: the caller's policy skips them. */
    cr_expect(in(">=1.0", "2.0rc1"));
    cr_expect(in("<2.0", "1.5a1"));
    cr_expect(in("", "3.0.dev4"));
}

Test(range, less_than_prerelease_and_post)
{
    static const row_t rows[] = {
        /* V a pre-release: plain (-inf, V) */
        {"<1.0rc1", {"1.0b9", "1.0rc1.dev5", "1.0.dev3", "0.9"}, {"1.0rc1", "1.0rc1+x", "1.0"}},
        {"<1.0.dev3", {"1.0.dev2", "1.0.dev2+x", "0.9"}, {"1.0.dev3", "1.0a1", "1.0"}},
        /* V = X.postN: below X's pre-releases, then X .. X.post(N-1) (documented approximation:
         * X.post(N-1).devM is kept) */
        {"<1.0.post2", {"0.9", "1.0", "1.0+x", "1.0.post0", "1.0.post1", "1.0.post1+x",
                        "1.0.post1.dev0"},
         {"1.0rc1", "1.0.dev0", "1.0.post2.dev0", "1.0.post2", "1.0.1"}},
        /* >V for post and dev releases: only V's local versions are skipped */
        {">1.0.post1", {"1.0.post2.dev0", "1.0.post2", "1.0.1"}, {"1.0.post1", "1.0.post1+x", "1.0"}},
        {">1.0.dev1", {"1.0.dev2", "1.0a1", "1.0"}, {"1.0.dev1", "1.0.dev1+x", "1.0.dev0"}},
        /* >V for a pre-release: above V's post-releases too */
        {">1.0a1", {"1.0a2.dev0", "1.0b1", "1.0", "1.0.post1"},
         {"1.0a1", "1.0a1+x", "1.0a1.post3", "1.0a1.post3.dev1"}},
    };
    check_rows(rows, sizeof rows / sizeof rows[0]);
}

Test(range, arbitrary_equality)
{
    /* ===S: exactly the version S parses to (approximation: spellings that compare equal are
     * included); a string that is not a version matches nothing. */
    cr_expect(in("===1.0", "1.0"));
    cr_expect(in("===1.0", "1.0.0"));
    cr_expect(!in("===1.0", "1.0+x"));
    cr_expect(!in("===1.0", "1.0.post1"));
    vrange_t r = R("===foobar");
    cr_expect(vrange_is_empty(&r));
    vrange_free(&r);
}

Test(range, specset_intersection)
{
    vrange_t r = R(">=1.0, <2.0, !=1.5.*");
    static const char *const yes[] = {"1.0", "1.4.99", "1.6.dev0", "1.9"};
    static const char *const no[] = {"0.9", "1.5", "1.5.3", "2.0", "2.0rc1"};
    for (size_t i = 0; i < 4; i++) {
        version_t v = V(yes[i]);
        cr_expect(vrange_contains(&r, &v), "%s", yes[i]);
        version_free(&v);
    }
    for (size_t i = 0; i < 5; i++) {
        version_t v = V(no[i]);
        cr_expect(!vrange_contains(&r, &v), "%s", no[i]);
        version_free(&v);
    }
    expect_str(&r, ">=1.0,!=1.5.*,<2.0");
    vrange_free(&r);
    /* The empty specifier set is every version; contradictory ones are empty. */
    r = R("");
    cr_expect(vrange_is_full(&r));
    vrange_free(&r);
    r = R(">=2,<1");
    cr_expect(vrange_is_empty(&r));
    vrange_free(&r);
    /* One specifier of a set. */
    specset_t *s;
    char *why;
    cr_assert(specset_parse(">=1.0,<2.0", &s, &why));
    r = vrange_from_specifier(s, 1);
    expect_str(&r, "<2.0");
    vrange_free(&r);
    specset_free(s);
}

Test(range, parse_error)
{
    vrange_t r;
    char *why = NULL;
    cr_expect(!vrange_parse(">=1.0,~=1", &r, &why));
    cr_expect(why != NULL);
    cr_expect(vrange_is_empty(&r));
    free(why);
}

/* ---- Canonical form ---------------------------------------------------------------------- */

static void expect_same(const char *a, const char *b)
{
    vrange_t x = R(a), y = R(b);
    char *sx = vrange_str(&x), *sy = vrange_str(&y);
    cr_expect(vrange_equal(&x, &y), "'%s' (%s) and '%s' (%s) should be equal", a, sx, b, sy);
    free(sx);
    free(sy);
    vrange_free(&x);
    vrange_free(&y);
}

Test(range, canonical)
{
    expect_same("==1.0", "==1.0.0");
    expect_same("<1.0", "<1.0.dev0");                  /* 1.0.MIN | 1.0.dev0 */
    expect_same(">=1.0.dev0,<2", "==1.*");
    expect_same(">1.0.dev1", ">=1.0.dev2");            /* 1.0.dev1+localMAX | 1.0.dev2 */
    expect_same(">1.0.post1", ">=1.0.post2.dev0");     /* 1.0.post1+localMAX | 1.0.post2.dev0 */
    expect_same("<=1.0", "<1.0.post0.dev0");           /* 1.0+localMAX | 1.0.post0.dev0 */
    expect_same(">1.0a1", ">=1.0a2.dev0");             /* 1.0a1.MAX | 1.0a2.dev0 */
    expect_same("~=1.4.5", ">=1.4.5,==1.4.*");
    expect_same(">=1.0,<=1.0", "==1.0");
    /* Nothing is below 0.MIN, the lowest position: "<0" is empty, ">=0.dev0" is everything. */
    expect_same(">=0.dev0", "");
    expect_same(">=0.0.0.dev0", "");
    expect_same("<0", ">=2,<1");
}

Test(range, canonical_adjacent_merge)
{
    /* Adjacent pieces merge into one interval. */
    vrange_t a = R("<1.0"), b = R(">=1.0.dev0"), u = vrange_union(&a, &b);
    cr_expect(vrange_is_full(&u));
    vrange_free(&u);
    vrange_free(&b);
    b = R("==1.*");
    u = vrange_union(&a, &b);
    vrange_t want = R("<2.0");
    cr_expect(vrange_equal(&u, &want));
    cr_expect_eq(vrange_count(&u), 1);
    vrange_free(&want);
    vrange_free(&u);
    vrange_free(&b);
    vrange_free(&a);
    /* (1.0, ...) and exactly 1.0 make [1.0, ...). */
    version_t one = V("1.0");
    a = vrange_between(&one, false, NULL, false);
    b = vrange_exact(&one);
    u = vrange_union(&a, &b);
    want = R(">=1.0");
    vrange_t plus = vrange_between(&one, true, NULL, false);
    cr_expect(vrange_equal(&u, &plus));
    cr_expect(vrange_equal(&u, &want));
    vrange_free(&plus);
    vrange_free(&want);
    vrange_free(&u);
    vrange_free(&b);
    vrange_free(&a);
    version_free(&one);
}

/* ---- A pool of interesting versions ------------------------------------------------------ */

/* Every combination of release, pre, post, dev and local from small lists: trailing zeros,
 * epochs, neighbours of every bound the specifiers below produce (V.MIN, V.MAX, V+localMAX). */
static version_t *pool;
static size_t npool;

static void pool_build(void)
{
    static const char *const rel[] = {"0", "0.9", "0.9.0.0.1", "1", "1.0", "1.0.0", "1.0.0.0.1",
                                      "1.0.1", "1.1", "1.1.0.0.1", "2", "2.0.0.0.1", "3",
                                      "1!1.0", "1!1.1"};
    static const char *const pre[] = {"", "a0", "a1", "a2", "rc1", "rc2"};
    static const char *const post[] = {"", ".post0", ".post1", ".post2"};
    static const char *const dev[] = {"", ".dev0", ".dev1", ".dev2"};
    static const char *const loc[] = {"", "+0a", "+abc", "+abd", "+zz", "+99"};
    size_t cap = 0;
    npool = 0;
    for (size_t a = 0; a < sizeof rel / sizeof *rel; a++)
        for (size_t b = 0; b < sizeof pre / sizeof *pre; b++)
            for (size_t c = 0; c < sizeof post / sizeof *post; c++)
                for (size_t d = 0; d < sizeof dev / sizeof *dev; d++)
                    for (size_t e = 0; e < sizeof loc / sizeof *loc; e++) {
                        char buf[64];
                        snprintf(buf, sizeof buf, "%s%s%s%s%s", rel[a], pre[b], post[c], dev[d],
                                 loc[e]);
                        XGROW(pool, cap, npool + 1);
                        pool[npool++] = V(buf);
                    }
}

static void pool_free(void)
{
    for (size_t i = 0; i < npool; i++)
        version_free(&pool[i]);
    free(pool);
    pool = NULL;
    npool = 0;
}

/* Specifiers over versions whose neighbours are all in the pool. */
static char **specs;
static size_t nspecs;

static void specs_build(void)
{
    static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", "~="};
    static const char *const vers[] = {"0.9", "1.0", "1.0.0", "1.0a1", "1.0rc1", "1.0.post1",
                                       "1.0.dev1", "1.0a1.post1", "1.0rc1.dev2", "1.1", "2",
                                       "1!1.0", "1.0.1", "1.0.post0"};
    static const char *const extra[] = {"==1.0+abc", "!=1.0+abc", "==1.*", "!=1.*", "==1.0.*",
                                        "!=1.0.*", "==0.*", "==1!1.*", "==1.0.0.*", "==2.*",
                                        "~=1.0.0", "===1.0", ">=1.0,<2", ">0.9,!=1.0.*,<=1.1"};
    size_t cap = 0;
    nspecs = 0;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        for (size_t j = 0; j < sizeof vers / sizeof *vers; j++) {
            if (strcmp(ops[i], "~=") == 0 && strcmp(vers[j], "2") == 0)
                continue;
            XGROW(specs, cap, nspecs + 1);
            specs[nspecs++] = xasprintf("%s%s", ops[i], vers[j]);
        }
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
        XGROW(specs, cap, nspecs + 1);
        specs[nspecs++] = xstrdup(extra[i]);
    }
}

static void specs_free(void)
{
    for (size_t i = 0; i < nspecs; i++)
        free(specs[i]);
    free(specs);
    specs = NULL;
    nspecs = 0;
}

static void setup_pool(void)
{
    pool_build();
    specs_build();
}

static void teardown_pool(void)
{
    pool_free();
    specs_free();
}

/* The documented approximations (range.h): <X.postN, >V for pre/post/dev V, ===. */
static bool approximated(const char *spec)
{
    if (strchr(spec, ','))
        return false;
    if (strncmp(spec, "===", 3) == 0)
        return true;
    version_t v;
    bool approx = false;
    if (spec[0] == '<' && spec[1] != '=' && version_parse(spec + 1, &v)) {
        approx = !version_is_prerelease(&v) && v.post >= 0;
        version_free(&v);
    } else if (spec[0] == '>' && spec[1] != '=' && version_parse(spec + 1, &v)) {
        approx = v.pre_kind || v.post >= 0 || v.dev >= 0;
        version_free(&v);
    }
    return approx;
}

Test(range_pool, matches_specset_contains, .init = setup_pool, .fini = teardown_pool)
{
    size_t checked = 0;
    for (size_t i = 0; i < nspecs; i++) {
        if (approximated(specs[i]))
            continue;
        specset_t *s;
        char *why;
        cr_assert(specset_parse(specs[i], &s, &why), "%s", specs[i]);
        vrange_t r = vrange_from_specset(s);
        for (size_t k = 0; k < npool; k++) {
            bool want = specset_contains(s, &pool[k], true);
            if (vrange_contains(&r, &pool[k]) != want) {
                char *t = version_str(&pool[k]), *rs = vrange_str(&r);
                cr_expect(false, "%s (%s) on %s: range says %d, specset_contains says %d", specs[i], rs,
                        t, !want, want);
                free(t);
                free(rs);
            }
        }
        checked++;
        vrange_free(&r);
        specset_free(s);
    }
    cr_expect_gt(checked, 80);
}

/* Approximations differ from packaging only where range.h says. */
Test(range_pool, approximations_only_where_documented, .init = setup_pool, .fini = teardown_pool)
{
    static const struct {
        const char *spec;
        const char *differs[4];
    } cases[] = {
        {"<1.0.post2", {"1.0.post1.dev0", "1.0.post0.dev1"}},
        {">1.0a1", {"1.0.post1", "1.0a2+abc"}},
        {">1.0.post1", {"1.0.post2+abc"}},
        {"===1.0", {"1.0.0"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        specset_t *s;
        char *why;
        cr_assert(specset_parse(cases[i].spec, &s, &why));
        vrange_t r = vrange_from_specset(s);
        for (size_t k = 0; k < 4 && cases[i].differs[k]; k++) {
            version_t v = V(cases[i].differs[k]);
            cr_expect_neq(vrange_contains(&r, &v), specset_contains(s, &v, true), "%s on %s",
                          cases[i].spec, cases[i].differs[k]);
            version_free(&v);
        }
        vrange_free(&r);
        specset_free(s);
    }
}

/* ---- Algebraic laws over random ranges (fixed seed) -------------------------------------- */

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng_state >> 33) % n);
}

/* A random range: a specifier, or a union/intersection/difference/complement of smaller ones. */
static vrange_t random_range(int depth)
{
    unsigned k = depth > 0 ? rnd(6) : 0;
    if (k <= 1) {
        unsigned j = rnd((unsigned)nspecs + 2);
        if (j == nspecs)
            return vrange_empty();
        if (j == nspecs + 1)
            return vrange_full();
        return R(specs[j]);
    }
    vrange_t a = random_range(depth - 1), r;
    if (k == 5) {
        r = vrange_complement(&a);
    } else {
        vrange_t b = random_range(depth - 1);
        r = k == 2 ? vrange_union(&a, &b) : k == 3 ? vrange_intersect(&a, &b)
                                                   : vrange_difference(&a, &b);
        vrange_free(&b);
    }
    vrange_free(&a);
    return r;
}

static void expect_eq_ranges(const vrange_t *x, const vrange_t *y, const char *law)
{
    if (vrange_equal(x, y))
        return;
    char *a = vrange_str(x), *b = vrange_str(y);
    cr_expect(false, "%s: %s != %s", law, a, b);
    free(a);
    free(b);
}

Test(range_pool, algebraic_laws, .init = setup_pool, .fini = teardown_pool)
{
    rng_state = 20240601;
    vrange_t E = vrange_empty(), F = vrange_full();
    for (int iter = 0; iter < 400; iter++) {
        vrange_t a = random_range(2), b = random_range(2), c = random_range(1);
        vrange_t na = vrange_complement(&a), nb = vrange_complement(&b);
        vrange_t nna = vrange_complement(&na);
        expect_eq_ranges(&nna, &a, "complement twice");

        vrange_t u = vrange_union(&a, &b), x = vrange_intersect(&a, &b);
        vrange_t nu = vrange_complement(&u), nx = vrange_complement(&x);
        vrange_t na_x_nb = vrange_intersect(&na, &nb), na_u_nb = vrange_union(&na, &nb);
        expect_eq_ranges(&nu, &na_x_nb, "De Morgan: not(a|b) == not a & not b");
        expect_eq_ranges(&nx, &na_u_nb, "De Morgan: not(a&b) == not a | not b");

        vrange_t ue = vrange_union(&a, &E), xf = vrange_intersect(&a, &F);
        vrange_t xe = vrange_intersect(&a, &E), uf = vrange_union(&a, &F);
        vrange_t una = vrange_union(&a, &na), xna = vrange_intersect(&a, &na);
        expect_eq_ranges(&ue, &a, "a | empty == a");
        expect_eq_ranges(&xf, &a, "a & full == a");
        cr_expect(vrange_is_empty(&xe), "a & empty");
        cr_expect(vrange_is_full(&uf), "a | full");
        cr_expect(vrange_is_full(&una), "a | not a");
        cr_expect(vrange_is_empty(&xna), "a & not a");

        vrange_t ub = vrange_union(&b, &a), xb = vrange_intersect(&b, &a);
        expect_eq_ranges(&u, &ub, "union commutes");
        expect_eq_ranges(&x, &xb, "intersection commutes");

        /* Canonical form: the same set built two ways is structurally equal. */
        vrange_t ac = vrange_intersect(&a, &c), a_c = vrange_difference(&a, &c);
        vrange_t split = vrange_union(&ac, &a_c);
        expect_eq_ranges(&split, &a, "(a & c) | (a \\ c) == a");
        vrange_t absorb = vrange_union(&a, &ac);
        expect_eq_ranges(&absorb, &a, "a | (a & c) == a");
        vrange_t bc = vrange_union(&b, &c), a_bc = vrange_intersect(&a, &bc);
        vrange_t ab_ac = vrange_union(&x, &ac);
        expect_eq_ranges(&a_bc, &ab_ac, "a & (b | c) == (a & b) | (a & c)");

        vrange_t d = vrange_difference(&a, &b), d2 = vrange_intersect(&a, &nb);
        expect_eq_ranges(&d, &d2, "a \\ b == a & not b");

        bool sub = vrange_subset(&a, &b);
        cr_expect_eq(sub, vrange_equal(&x, &a), "subset iff a & b == a");
        cr_expect_eq(sub, vrange_equal(&u, &b), "subset iff a | b == b");
        cr_expect_eq(vrange_disjoint(&a, &b), vrange_is_empty(&x), "disjoint iff a & b empty");

        /* contains agrees with every operation, and the pool witnesses every difference. */
        bool witness_sub = false, witness_overlap = false, witness_neq = false;
        for (size_t k = iter % 5; k < npool; k += 5) {
            const version_t *v = &pool[k];
            bool ia = vrange_contains(&a, v), ib = vrange_contains(&b, v);
            cr_expect_eq(vrange_contains(&na, v), !ia);
            cr_expect_eq(vrange_contains(&u, v), ia || ib);
            cr_expect_eq(vrange_contains(&x, v), ia && ib);
            cr_expect_eq(vrange_contains(&d, v), ia && !ib);
            if (ia && !ib)
                witness_sub = true;
            if (ia && ib)
                witness_overlap = true;
            if (ia != ib)
                witness_neq = true;
        }
        for (size_t k = 0; k < npool && !(witness_sub && witness_overlap && witness_neq); k++) {
            bool ia = vrange_contains(&a, &pool[k]), ib = vrange_contains(&b, &pool[k]);
            witness_sub |= ia && !ib;
            witness_overlap |= ia && ib;
            witness_neq |= ia != ib;
        }
        char *sa = vrange_str(&a), *sb = vrange_str(&b);
        cr_expect_eq(!sub, witness_sub, "subset(%s, %s) = %d", sa, sb, sub);
        cr_expect_eq(!vrange_disjoint(&a, &b), witness_overlap, "disjoint(%s, %s)", sa, sb);
        cr_expect_eq(!vrange_equal(&a, &b), witness_neq, "equal(%s, %s)", sa, sb);
        free(sa);
        free(sb);

        vrange_t *all[] = {&a, &b, &c, &na, &nb, &nna, &u, &x, &nu, &nx, &na_x_nb, &na_u_nb,
                           &ue, &xf, &xe, &uf, &una, &xna, &ub, &xb, &ac, &a_c, &split, &absorb,
                           &bc, &a_bc, &ab_ac, &d, &d2};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++)
            vrange_free(all[k]);
    }
    vrange_free(&F);
}

Test(range_pool, associativity, .init = setup_pool, .fini = teardown_pool)
{
    rng_state = 7;
    for (int iter = 0; iter < 200; iter++) {
        vrange_t a = random_range(1), b = random_range(1), c = random_range(1);
        vrange_t ab = vrange_union(&a, &b), bc = vrange_union(&b, &c);
        vrange_t l = vrange_union(&ab, &c), r = vrange_union(&a, &bc);
        expect_eq_ranges(&l, &r, "union associates");
        vrange_t xab = vrange_intersect(&a, &b), xbc = vrange_intersect(&b, &c);
        vrange_t xl = vrange_intersect(&xab, &c), xr = vrange_intersect(&a, &xbc);
        expect_eq_ranges(&xl, &xr, "intersection associates");
        vrange_t cp = vrange_copy(&a);
        expect_eq_ranges(&cp, &a, "copy");
        vrange_t *all[] = {&a, &b, &c, &ab, &bc, &l, &r, &xab, &xbc, &xl, &xr, &cp};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++)
            vrange_free(all[k]);
    }
}

/* ---- Construction helpers and inspection ------------------------------------------------- */

Test(range, exact_and_singleton)
{
    version_t v = V("1.0"), w = V("1.0+abc"), d = V("1.0.dev0");
    vrange_t r = vrange_exact(&v);
    cr_expect(vrange_contains(&r, &v));
    cr_expect(!vrange_contains(&r, &w), "exact(1.0) does not contain 1.0+abc");
    const version_t *s = vrange_singleton(&r);
    cr_assert(s != NULL);
    cr_expect_eq(version_cmp(s, &v), 0);
    expect_str(&r, "==1.0");
    vrange_free(&r);
    /* A singleton whose lower cut is stored at a sentinel (1.0.dev0 follows 1.0.MIN). */
    r = vrange_exact(&d);
    s = vrange_singleton(&r);
    cr_assert(s != NULL);
    cr_expect_eq(version_cmp(s, &d), 0);
    vrange_free(&r);
    /* ==1.0 is not a singleton (it holds the local variants). */
    r = R("==1.0");
    cr_expect(vrange_singleton(&r) == NULL);
    vrange_free(&r);
    r = R("==1.0+abc");
    cr_expect(vrange_singleton(&r) != NULL);
    vrange_free(&r);
    /* A sentinel is never a member. */
    version_t m = S("1.0", VERSION_MIN);
    r = vrange_full();
    cr_expect(!vrange_contains(&r, &m));
    m.sentinel = VERSION_NORMAL;
    vrange_t e = vrange_exact(&m);
    m.sentinel = VERSION_MIN;
    vrange_t e2 = vrange_exact(&m);
    cr_expect(vrange_is_empty(&e2));
    cr_expect(!vrange_is_empty(&e));
    vrange_free(&e);
    vrange_free(&e2);
    vrange_free(&r);
    version_free(&m);
    version_free(&v);
    version_free(&w);
    version_free(&d);
}

Test(range, between_and_intervals)
{
    version_t a = V("1.0"), b = V("2.0");
    vrange_t r = vrange_between(&a, true, &b, false);
    expect_str(&r, ">=1.0,<2.0");
    cr_expect(!in(">=1.0,<2.0", "2.0"));
    vrange_free(&r);
    r = vrange_between(&b, true, &a, true);
    cr_expect(vrange_is_empty(&r), "lo above hi");
    vrange_free(&r);
    r = vrange_between(&a, false, &a, true);
    cr_expect(vrange_is_empty(&r), "(1.0, 1.0]");
    vrange_free(&r);
    r = vrange_between(NULL, false, NULL, false);
    cr_expect(vrange_is_full(&r));
    vrange_free(&r);
    /* Sentinel bounds: [.., 2.0.MIN) is <2.0. */
    version_t m = S("2.0", VERSION_MIN);
    r = vrange_between(NULL, false, &m, true);
    vrange_t want = R("<2.0");
    cr_expect(vrange_equal(&r, &want));
    vrange_free(&want);
    vrange_free(&r);
    version_free(&m);

    vrange_t lo = R("<1.0"), hi = R(">=2.0,<=3.0");
    r = vrange_union(&lo, &hi);
    cr_assert_eq(vrange_count(&r), 2);
    vbound_t l0, h0, l1, h1;
    vrange_interval(&r, 0, &l0, &h0);
    vrange_interval(&r, 1, &l1, &h1);
    cr_expect(l0.v == NULL, "first interval unbounded below");
    cr_assert(h0.v != NULL);
    cr_expect_eq(h0.v->sentinel, VERSION_MIN, "<1.0 ends at 1.0.MIN");
    cr_assert(l1.v != NULL);
    cr_expect_eq(version_cmp(l1.v, &b), 0);
    cr_expect(l1.inclusive);
    cr_assert(h1.v != NULL);
    cr_expect_eq(h1.v->sentinel, VERSION_LOCAL_MAX, "<=3.0 ends at 3.0+localMAX");
    vrange_free(&r);
    vrange_free(&lo);
    vrange_free(&hi);
    r = vrange_empty();
    cr_expect_eq(vrange_count(&r), 0);
    vrange_free(&r);
    vrange_free(NULL);
    version_free(&a);
    version_free(&b);
}

/* ---- Rendering --------------------------------------------------------------------------- */

Test(range, render_specifiers)
{
    static const char *const cases[][2] = {
        {"", "*"}, {">=3,<1", "none"}, {"==1.0", "==1.0"}, {"==1.0+abc", "==1.0+abc"},
        {"!=1.0", "!=1.0"}, {"==1.0.*", "==1.0.*"}, {"==1.*", "==1.*"}, {"!=2.*", "!=2.*"},
        {">=1.0,<2.0", ">=1.0,<2.0"}, {"<2.0", "<2.0"}, {"<=2.0", "<=2.0"}, {">2.0", ">2.0"},
        {">=2.0", ">=2.0"}, {"~=1.4.5", ">=1.4.5,<1.5"}, {"~=2.2", ">=2.2,<3"},
        {"<1.0rc1", "<1.0rc1"}, {">1.0a1", ">1.0a1"}, {">1.0.post1", ">1.0.post1"},
        {">=1.0,!=1.5", ">=1.0,!=1.5"}, {">=1.0,!=1.5,!=1.7.*,<2", ">=1.0,!=1.5,!=1.7.*,<2"},
        {"!=1.0,!=2.0", "!=1.0,!=2.0"}, {">=1.0.dev0,<2", "==1.*"}, {"===1.0", "==1.0"},
        {"<=1.0.post1", "<=1.0.post1"}, {"==1!1.0", "==1!1.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_spec_str(cases[i][0], cases[i][1]);
}

Test(range, render_complements_and_unions)
{
    static const char *const cases[][2] = {
        {"<1.0", ">=1.0.dev0"},          /* exact: 1.0's pre-releases are above <1.0 */
        {">=1.0", "<1.0"},               /* plain order: keeps 1.0's pre-releases */
        {"<=1.0", ">1.0"},               /* plain order: keeps 1.0's post-releases */
        {">1.0", "<=1.0"},               /* plain order: keeps 1.0's post-releases */
        {">1.0a1", "<1.0a2.dev0"},
        {">=1.0,<2.0", "<1.0 || >=2.0.dev0"},
        {"==1.0", "!=1.0"},
        {"!=1.0.*", "==1.0.*"},
        {"*", "none"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vrange_t r = strcmp(cases[i][0], "*") == 0 ? vrange_full() : R(cases[i][0]);
        vrange_t c = vrange_complement(&r);
        char *t = vrange_str(&c);
        cr_expect_str_eq(t, cases[i][1], "not %s: %s", cases[i][0], t);
        free(t);
        vrange_free(&c);
        vrange_free(&r);
    }
    /* A single version removed from an interval: one clause with "!=". */
    version_t v = V("1.5");
    vrange_t a = R(">=1.0,<2.0"), one = vrange_exact(&v), d = vrange_difference(&a, &one);
    expect_str(&d, ">=1.0,!=1.5,<2.0");
    vrange_free(&d);
    vrange_free(&one);
    vrange_free(&a);
    version_free(&v);
    /* Disjoint pieces. */
    vrange_t x = R("<1.0"), y = R("==1.5"), z = R(">=2.0");
    vrange_t xy = vrange_union(&x, &y), xyz = vrange_union(&xy, &z);
    expect_str(&xyz, "<1.0 || ==1.5 || >=2.0");
    vrange_free(&x);
    vrange_free(&y);
    vrange_free(&z);
    vrange_free(&xy);
    vrange_free(&xyz);
    /* Bounds at dev releases keep their spelling through the gap rule. */
    expect_spec_str(">1.0.dev1", ">1.0.dev1");
    expect_spec_str(">=1.0.dev2", ">1.0.dev1");
    expect_spec_str(">=1.0.dev0", ">=1.0.dev0");
    expect_spec_str("<1.0.dev0", "<1.0");
    /* An exact spelling is kept where it is short. */
    expect_spec_str(">=1.0.post0.dev0", ">1.0");
    expect_spec_str(">=1.0a1.post0.dev0", ">1.0a1");
}
