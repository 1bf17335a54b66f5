/* Unit tests for resolve/pubgrub: the solver and its explanations, with an in-test provider
 * built from a table of packages, versions and dependencies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/range.h"
#include "pkg/version.h"
#include "resolve/pubgrub.h"
#include "util/err.h"
#include "util/xalloc.h"

static vrange_t R_(const char *spec)
{
    vrange_t r;
    char *why = NULL;
    cr_assert(vrange_parse(spec, &r, &why), "%s: %s", spec, why ? why : "");
    return r;
}

static unsigned long long rng;

static unsigned next_rand(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng >> 33) % n);
}

/* ---- The table provider ------------------------------------------------------------------ *
 *
 * Each line is "name version" optionally followed by ": dep; dep; ..." where a dep is
 * "name specifiers" with an optional "@label" (the why), or by "! reason" (the version is
 * unavailable) or "?" (asking for its dependencies fails). Package ids are given in order of
 * first mention; versions are kept sorted. The root is the package named "root".
 */

typedef struct tdep {
    int pkg;
    char *spec;
    vrange_t range;
    char *why;
} tdep_t;

typedef struct tver {
    version_t v;
    tdep_t *deps;
    size_t ndeps;
    char *unavailable;
    bool fail;
} tver_t;

typedef struct tpkg {
    char *name;
    tver_t *vers;               /* ascending */
    size_t nv, cap;
} tpkg_t;

typedef struct table {
    tpkg_t *pk;
    size_t npk, cap;
    bool widen;                 /* report Dart's widened ranges (pubgrub_deps_add_for) */
    bool fewest_first;          /* priority: fewest matching versions first (Dart) */
    int pending_calls;
    int *pending_seen;          /* per package: pending() calls */
    int choose_fail;            /* choose_version fails for this package (-1: none) */
} table_t;

static int pkg_id(table_t *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->npk; i++)
        if (strlen(t->pk[i].name) == len && strncmp(t->pk[i].name, name, len) == 0)
            return (int)i;
    XGROW(t->pk, t->cap, t->npk + 1);
    memset(&t->pk[t->npk], 0, sizeof t->pk[t->npk]);
    t->pk[t->npk].name = xstrndup(name, len);
    return (int)t->npk++;
}

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static void table_add(table_t *t, const char *line)
{
    char *buf = xstrdup(line), *rest = NULL, *p = buf;
    char *colon = strchr(buf, ':'), *bang = strchr(buf, '!'), *q = strchr(buf, '?');
    char *cut = NULL;
    char *marks[3] = {colon, bang, q};
    for (int k = 0; k < 3; k++)
        if (marks[k] && (!cut || marks[k] < cut))
            cut = marks[k];
    if (cut != colon)
        colon = NULL;
    if (cut != bang)
        bang = NULL;
    if (cut != q)
        q = NULL;
    if (cut) {
        rest = cut + 1;
        *cut = '\0';
    }
    p = trim(p);
    char *sp = strchr(p, ' ');
    cr_assert(sp, "bad table line '%s'", line);
    int id = pkg_id(t, p, (size_t)(sp - p));
    tpkg_t *pk = &t->pk[id];
    XGROW(pk->vers, pk->cap, pk->nv + 1);
    tver_t *v = &pk->vers[pk->nv];
    memset(v, 0, sizeof *v);
    cr_assert(version_parse(trim(sp + 1), &v->v), "bad version in '%s'", line);
    if (bang)
        v->unavailable = xstrdup(trim(rest));
    else if (q)
        v->fail = true;
    else if (colon) {
        for (char *d = strtok(rest, ";"); d; d = strtok(NULL, ";")) {
            d = trim(d);
            char *at = strchr(d, '@');
            char *why = NULL;
            if (at) {
                why = xstrdup(trim(at + 1));
                *at = '\0';
                d = trim(d);
            }
            size_t nl = strcspn(d, " ");
            tdep_t dep = {0};
            dep.why = why;
            dep.spec = xstrdup(trim(d + nl));
            char *err = NULL;
            cr_assert(vrange_parse(dep.spec, &dep.range, &err), "bad spec in '%s': %s", line,
                      err ? err : "");
            dep.pkg = pkg_id(t, d, nl);
            pk = &t->pk[id];
            v = &pk->vers[pk->nv];
            v->deps = xrealloc(v->deps, (v->ndeps + 1) * sizeof *v->deps);
            v->deps[v->ndeps++] = dep;
        }
    }
    pk = &t->pk[id];
    pk->nv++;
    /* Keep versions sorted (tables are tiny: insertion sort). */
    for (size_t i = pk->nv - 1; i > 0 && version_cmp(&pk->vers[i - 1].v, &pk->vers[i].v) > 0; i--) {
        tver_t tmp = pk->vers[i];
        pk->vers[i] = pk->vers[i - 1];
        pk->vers[i - 1] = tmp;
    }
    free(buf);
}

static table_t *table_new(const char *const *lines)
{
    table_t *t = xcalloc(1, sizeof *t);
    t->choose_fail = -1;
    pkg_id(t, "root", 4);
    for (size_t i = 0; lines[i]; i++)
        table_add(t, lines[i]);
    t->pending_seen = xcalloc(t->npk, sizeof *t->pending_seen);
    return t;
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->npk; i++) {
        tpkg_t *pk = &t->pk[i];
        for (size_t j = 0; j < pk->nv; j++) {
            tver_t *v = &pk->vers[j];
            for (size_t k = 0; k < v->ndeps; k++) {
                free(v->deps[k].spec);
                free(v->deps[k].why);
                vrange_free(&v->deps[k].range);
            }
            free(v->deps);
            free(v->unavailable);
            version_free(&v->v);
        }
        free(pk->vers);
        free(pk->name);
    }
    free(t->pk);
    free(t->pending_seen);
    free(t);
}

static err_t *t_choose(void *ctx, int pkg, const vrange_t *allowed, const version_t **out)
{
    table_t *t = ctx;
    *out = NULL;
    if (pkg == t->choose_fail)
        return err_new(EXIT_APPLY, "index unreachable for %s", t->pk[pkg].name);
    const tpkg_t *pk = &t->pk[pkg];
    for (size_t i = pk->nv; i-- > 0;)
        if (vrange_contains(allowed, &pk->vers[i].v)) {
            *out = &pk->vers[i].v;
            break;
        }
    return NULL;
}

static bool same_dep(const tver_t *v, const tdep_t *d)
{
    for (size_t k = 0; k < v->ndeps; k++)
        if (v->deps[k].pkg == d->pkg && strcmp(v->deps[k].spec, d->spec) == 0)
            return true;
    return false;
}

static err_t *t_deps(void *ctx, int pkg, const version_t *version, pubgrub_deps_t *out)
{
    table_t *t = ctx;
    const tpkg_t *pk = &t->pk[pkg];
    size_t i = 0;
    while (i < pk->nv && &pk->vers[i].v != version)
        i++;
    cr_assert(i < pk->nv, "solver asked about a version the provider does not own");
    const tver_t *v = &pk->vers[i];
    if (v->fail)
        return err_new(EXIT_APPLY, "reading the metadata of %s: connection reset",
                       pk->name);
    if (v->unavailable) {
        pubgrub_deps_unavailable(out, v->unavailable, NULL);
        return NULL;
    }
    for (size_t k = 0; k < v->ndeps; k++) {
        const tdep_t *d = &v->deps[k];
        if (!t->widen) {
            pubgrub_deps_add(out, d->pkg, &d->range, d->why);
            continue;
        }
        /* Dart's package lister: the run of adjacent versions with this same dependency,
         * from its first version (unbounded if it is the oldest) to the first version after
         * it without the dependency (unbounded if none). */
        size_t lo = i, hi = i;
        while (lo > 0 && same_dep(&pk->vers[lo - 1], d))
            lo--;
        while (hi + 1 < pk->nv && same_dep(&pk->vers[hi + 1], d))
            hi++;
        vrange_t holds = vrange_between(lo == 0 ? NULL : &pk->vers[lo].v, true,
                                        hi + 1 == pk->nv ? NULL : &pk->vers[hi + 1].v, false);
        pubgrub_deps_add_for(out, d->pkg, &d->range, d->why, &holds);
        vrange_free(&holds);
    }
    return NULL;
}

static const char *t_name(void *ctx, int pkg)
{
    return ((table_t *)ctx)->pk[pkg].name;
}

static int t_priority(void *ctx, int pkg, const vrange_t *allowed)
{
    table_t *t = ctx;
    if (!t->fewest_first)
        return 0;
    int n = 0;
    for (size_t i = 0; i < t->pk[pkg].nv; i++)
        n += vrange_contains(allowed, &t->pk[pkg].vers[i].v);
    return -n;
}

static void t_pending(void *ctx, int pkg, const vrange_t *allowed)
{
    table_t *t = ctx;
    (void)allowed;
    t->pending_calls++;
    if ((size_t)pkg < t->npk)
        t->pending_seen[pkg]++;
}

static pubgrub_provider_t provider(table_t *t)
{
    pubgrub_provider_t p = {0};
    p.ctx = t;
    p.choose_version = t_choose;
    p.get_dependencies = t_deps;
    p.package_name = t_name;
    p.priority = t_priority;
    p.pending = t_pending;
    return p;
}

static const version_t *root_version(table_t *t)
{
    cr_assert(t->pk[0].nv == 1, "the table needs exactly one root version");
    return &t->pk[0].vers[0].v;
}

static pubgrub_result_t *solve_with(table_t *t, const pubgrub_provider_t *p)
{
    pubgrub_result_t *r = NULL;
    err_t *e = pubgrub_solve(p, 0, root_version(t), &r);
    cr_assert(e == NULL, "unexpected error: %s", e ? e->msg : "");
    cr_assert(r != NULL);
    return r;
}

static pubgrub_result_t *solve(table_t *t)
{
    pubgrub_provider_t p = provider(t);
    return solve_with(t, &p);
}

/* "bar 1.0.0, foo 1.0.0": the solution sorted by name. */
static char *solution_text(table_t *t, const pubgrub_result_t *r)
{
    size_t n = pubgrub_solution_count(r);
    char **items = xcalloc(n + 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        int pkg;
        const version_t *v;
        pubgrub_solution_item(r, i, &pkg, &v);
        char *vs = version_str(v);
        items[i] = xasprintf("%s %s", t->pk[pkg].name, vs);
        free(vs);
        cr_expect(pubgrub_solution_version(r, pkg) == v);
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
            char *tmp = items[j];
            items[j] = items[j - 1];
            items[j - 1] = tmp;
        }
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 2;
    char *out = xcalloc(len, 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, ", ");
        strcat(out, items[i]);
        free(items[i]);
    }
    free(items);
    return out;
}

static void expect_solution(const char *const *lines, const char *want)
{
    table_t *t = table_new(lines);
    t->fewest_first = true;
    pubgrub_result_t *r = solve(t);
    char *why = pubgrub_explain(r);
    cr_assert(pubgrub_solved(r), "expected a solution, got:\n%s", why ? why : "");
    cr_expect(why == NULL);
    char *got = solution_text(t, r);
    cr_expect_str_eq(got, want);
    free(got);
    pubgrub_result_free(r);
    table_free(t);
}

static void expect_failure(const char *const *lines, bool widen, const char *want)
{
    table_t *t = table_new(lines);
    t->widen = widen;
    t->fewest_first = true;
    pubgrub_result_t *r = solve(t);
    cr_assert(!pubgrub_solved(r), "expected a failure");
    cr_expect_eq(pubgrub_solution_count(r), 0);
    char *why = pubgrub_explain(r);
    cr_assert(why != NULL);
    cr_expect_str_eq(why, want, "explanation:\n%s\n--- want:\n%s", why, want);
    free(why);
    pubgrub_result_free(r);
    table_free(t);
}

/* ---- Dart's solver.md examples ----------------------------------------------------------- */

Test(pubgrub, dart_no_conflicts)
{
    static const char *const lines[] = {
        "root 1.0.0: foo >=1.0.0,<2.0.0",
        "foo 1.0.0: bar >=1.0.0,<2.0.0",
        "bar 1.0.0",
        "bar 2.0.0",
        NULL,
    };
    expect_solution(lines, "bar 1.0.0, foo 1.0.0");
}

Test(pubgrub, dart_avoiding_conflict_during_decision_making)
{
    static const char *const lines[] = {
        "root 1.0.0: foo >=1.0.0,<2.0.0; bar >=1.0.0,<2.0.0",
        "foo 1.1.0: bar >=2.0.0,<3.0.0",
        "foo 1.0.0",
        "bar 1.0.0",
        "bar 1.1.0",
        "bar 2.0.0",
        NULL,
    };
    expect_solution(lines, "bar 1.1.0, foo 1.0.0");
    /* foo 1.1.0 is examined but never decided: root, foo and bar are the only decisions. */
    table_t *t = table_new(lines);
    t->fewest_first = true;
    pubgrub_result_t *r = solve(t);
    pubgrub_stats_t st;
    pubgrub_stats(r, &st);
    cr_expect_eq(st.decisions, 3);
    cr_expect_eq(st.conflicts, 0);
    pubgrub_result_free(r);
    table_free(t);
}

Test(pubgrub, dart_performing_conflict_resolution)
{
    static const char *const lines[] = {
        "root 1.0.0: foo >=1.0.0",
        "foo 2.0.0: bar >=1.0.0,<2.0.0",
        "foo 1.0.0",
        "bar 1.0.0: foo >=1.0.0,<2.0.0",
        NULL,
    };
    expect_solution(lines, "foo 1.0.0");
    table_t *t = table_new(lines);
    pubgrub_result_t *r = solve(t);
    pubgrub_stats_t st;
    pubgrub_stats(r, &st);
    cr_expect_geq(st.conflicts, 1, "foo 2.0.0 is ruled out by conflict resolution");
    cr_expect(pubgrub_solution_version(r, 2) == NULL, "bar is not part of the solution");
    pubgrub_result_free(r);
    table_free(t);
}

Test(pubgrub, dart_conflict_resolution_with_partial_satisfier)
{
    static const char *const lines[] = {
        "root 1.0.0: foo >=1.0.0,<2.0.0; target >=2.0.0,<3.0.0",
        "foo 1.1.0: left >=1.0.0,<2.0.0; right >=1.0.0,<2.0.0",
        "foo 1.0.0",
        "left 1.0.0: shared >=1.0.0",
        "right 1.0.0: shared <2.0.0",
        "shared 2.0.0",
        "shared 1.0.0: target >=1.0.0,<2.0.0",
        "target 2.0.0",
        "target 1.0.0",
        NULL,
    };
    expect_solution(lines, "foo 1.0.0, target 2.0.0");
}

Test(pubgrub, dart_linear_error_reporting)
{
    static const char *const lines[] = {
        "root 1.0.0: foo >=1.0.0,<2.0.0; baz >=1.0.0,<2.0.0",
        "foo 1.0.0: bar >=2.0.0,<3.0.0",
        "bar 2.0.0: baz >=3.0.0,<4.0.0",
        "baz 1.0.0",
        "baz 3.0.0",
        NULL,
    };
    expect_failure(lines, true,
                   "Because every version of foo depends on bar >=2.0.0,<3.0.0 which depends on "
                   "baz >=3.0.0,<4.0.0, every version of foo requires baz >=3.0.0,<4.0.0.\n"
                   "So, because root depends on both foo >=1.0.0,<2.0.0 and baz >=1.0.0,<2.0.0, "
                   "version solving failed.");
}

Test(pubgrub, dart_branching_error_reporting)
{
    static const char *const lines[] = {
        "root 1.0.0: foo >=1.0.0,<2.0.0",
        "foo 1.0.0: a >=1.0.0,<2.0.0; b >=1.0.0,<2.0.0",
        "foo 1.1.0: x >=1.0.0,<2.0.0; y >=1.0.0,<2.0.0",
        "a 1.0.0: b >=2.0.0,<3.0.0",
        "b 1.0.0",
        "b 2.0.0",
        "x 1.0.0: y >=2.0.0,<3.0.0",
        "y 1.0.0",
        "y 2.0.0",
        NULL,
    };
    expect_failure(lines, true,
                   "    Because foo <1.1.0 depends on a >=1.0.0,<2.0.0 which depends on "
                   "b >=2.0.0,<3.0.0, foo <1.1.0 requires b >=2.0.0,<3.0.0.\n"
                   "(1) So, because foo <1.1.0 depends on b >=1.0.0,<2.0.0, foo <1.1.0 is "
                   "forbidden.\n"
                   "\n"
                   "    Because foo >=1.1.0 depends on x >=1.0.0,<2.0.0 which depends on "
                   "y >=2.0.0,<3.0.0, foo >=1.1.0 requires y >=2.0.0,<3.0.0.\n"
                   "    And because foo >=1.1.0 depends on y >=1.0.0,<2.0.0, foo >=1.1.0 is "
                   "forbidden.\n"
                   "    And because foo <1.1.0 is forbidden (1), foo is forbidden.\n"
                   "    So, because root depends on foo >=1.0.0,<2.0.0, version solving failed.");
}

/* ---- Search ------------------------------------------------------------------------------ */

Test(pubgrub, backjumps_over_several_levels)
{
    /* a is decided first (first seen), then b and e; c needs d 1.0, which a 3.0 rules out:
     * the conflict on c sends the solver back over e's, b's and a's decisions at once. */
    static const char *const lines[] = {
        "root 1.0: a; b; e; c",
        "a 3.0: d ==3.0",
        "a 2.0: d ==2.0",
        "a 1.0: d ==1.0",
        "b 1.0", "b 2.0",
        "e 1.0", "e 2.0",
        "c 1.0: d ==1.0",
        "c 2.0: d ==1.0",
        "d 1.0", "d 2.0", "d 3.0",
        NULL,
    };
    table_t *t = table_new(lines);
    pubgrub_result_t *r = solve(t);
    cr_assert(pubgrub_solved(r));
    char *got = solution_text(t, r);
    cr_expect_str_eq(got, "a 1.0, b 2.0, c 2.0, d 1.0, e 2.0");
    free(got);
    pubgrub_stats_t st;
    pubgrub_stats(r, &st);
    cr_expect_geq(st.conflicts, 1);
    cr_expect_geq(st.max_backjump, 3, "from c's level back to before a's decision");
    cr_expect_gt(st.decisions, 6, "b and e were decided again after the backjump");
    cr_expect_geq(st.merged, 1, "c 1.0 and c 2.0 share one incompatibility");
    pubgrub_result_free(r);
    table_free(t);
}

Test(pubgrub, unavailable_version_is_skipped)
{
    static const char *const lines[] = {
        "root 1.0: foo >=1.0",
        "foo 2.0 ! its metadata could not be read: HTTP 404",
        "foo 1.0",
        NULL,
    };
    expect_solution(lines, "foo 1.0");
}

Test(pubgrub, unavailable_versions_explained)
{
    static const char *const lines[] = {
        "root 1.0: foo >=2.0",
        "foo 2.0 ! its metadata could not be read: HTTP 404",
        "foo 1.0",
        NULL,
    };
    expect_failure(lines, false,
                   "Because no versions of foo match >2.0 and foo 2.0 is unavailable (its "
                   "metadata could not be read: HTTP 404), foo >=2.0 is forbidden.\n"
                   "So, because root depends on foo >=2.0, version solving failed.");
}

Test(pubgrub, missing_package)
{
    static const char *const lines[] = {
        "root 1.0: nope @at venv.yaml:3:5",
        NULL,
    };
    table_t *t = table_new(lines);
    pubgrub_provider_t p = provider(t);
    p.root_depends_on = "you asked for";
    p.root_requires = "you need";
    pubgrub_result_t *r = solve_with(t, &p);
    cr_assert(!pubgrub_solved(r));
    char *why = pubgrub_explain(r);
    cr_expect_str_eq(why, "Because you asked for nope (at venv.yaml:3:5) which doesn't match any "
                          "versions, version solving failed.");
    free(why);
    pubgrub_result_free(r);
    table_free(t);
}

Test(pubgrub, no_version_in_range)
{
    static const char *const lines[] = {
        "root 1.0: werkzeug <3 @at venv.yaml:6:20; flask >=3.0",
        "flask 3.0: werkzeug >=3.0",
        "werkzeug 2.0", "werkzeug 3.0",
        NULL,
    };
    table_t *t = table_new(lines);
    t->widen = true;
    pubgrub_provider_t p = provider(t);
    p.root_depends_on = "you asked for";
    p.root_requires = "you need";
    pubgrub_result_t *r = solve_with(t, &p);
    cr_assert(!pubgrub_solved(r));
    char *why = pubgrub_explain(r);
    cr_expect_str_eq(why, "Because every version of flask depends on werkzeug >=3.0 and you asked "
                          "for werkzeug <3 (at venv.yaml:6:20), flask is incompatible with root.\n"
                          "So, because you asked for flask >=3.0, version solving failed.");
    free(why);
    pubgrub_result_free(r);
    table_free(t);
    static const char *const lines2[] = {
        "root 1.0: x >=9",
        "x 1.0", "x 2.0",
        NULL,
    };
    expect_failure(lines2, false,
                   "Because root depends on x >=9 which doesn't match any versions, version "
                   "solving failed.");
}

Test(pubgrub, cycles_resolve)
{
    static const char *const lines[] = {
        "root 1.0: a",
        "a 1.0: b >=1.0",
        "a 2.0: b >=2.0",
        "b 1.0: a >=1.0",
        "b 2.0: a <2.0",
        NULL,
    };
    /* a 2.0 needs b 2.0, which needs a < 2.0: a 1.0 with b 2.0 works. */
    expect_solution(lines, "a 1.0, b 2.0");
    static const char *const back_to_root[] = {
        "root 1.0: a",
        "a 1.0: root ==1.0",
        NULL,
    };
    expect_solution(back_to_root, "a 1.0");
    static const char *const wrong_root[] = {
        "root 1.0: a",
        "a 1.0: root >=2.0",
        NULL,
    };
    expect_failure(wrong_root, false,
                   "Because no versions of a match !=1.0 and a 1.0 depends on root >=2.0, every "
                   "version of a requires root >=2.0.\n"
                   "So, because root depends on a, version solving failed.");
}

Test(pubgrub, self_dependency)
{
    static const char *const lines[] = {
        "root 1.0: a",
        "a 2.0: a <2.0",
        "a 1.0: a >=1.0",
        NULL,
    };
    expect_solution(lines, "a 1.0");
}

Test(pubgrub, provider_errors_abort)
{
    static const char *const lines[] = {
        "root 1.0: a; b",
        "a 1.0",
        "b 1.0 ?",
        NULL,
    };
    table_t *t = table_new(lines);
    pubgrub_provider_t p = provider(t);
    pubgrub_result_t *r = (pubgrub_result_t *)&p;
    err_t *e = pubgrub_solve(&p, 0, root_version(t), &r);
    cr_assert(e != NULL);
    cr_expect_str_eq(e->msg, "reading the metadata of b: connection reset");
    cr_expect(r == NULL);
    err_free(e);
    t->choose_fail = 1;     /* a */
    e = pubgrub_solve(&p, 0, root_version(t), &r);
    cr_assert(e != NULL);
    cr_expect_str_eq(e->msg, "index unreachable for a");
    cr_expect(r == NULL);
    err_free(e);
    table_free(t);
}

/* Providers that break the contract. */
static err_t *oldest_choose(void *ctx, int pkg, const vrange_t *allowed, const version_t **out)
{
    (void)allowed;
    *out = &((table_t *)ctx)->pk[pkg].vers[0].v;
    return NULL;
}

static err_t *negative_deps(void *ctx, int pkg, const version_t *version, pubgrub_deps_t *out)
{
    (void)ctx;
    (void)pkg;
    (void)version;
    vrange_t all = vrange_full();
    pubgrub_deps_add(out, -3, &all, NULL);
    vrange_free(&all);
    return NULL;
}

Test(pubgrub, provider_contract_errors)
{
    static const char *const lines[] = {
        "root 1.0: foo >=2.0",
        "foo 1.0", "foo 2.0",
        NULL,
    };
    table_t *t = table_new(lines);
    pubgrub_provider_t p = provider(t);
    p.choose_version = oldest_choose;
    pubgrub_result_t *r = NULL;
    err_t *e = pubgrub_solve(&p, 0, root_version(t), &r);
    cr_assert(e != NULL);
    cr_expect_str_eq(e->msg, "internal error: version 1.0 chosen for foo is outside >=2.0");
    cr_expect(r == NULL);
    err_free(e);
    p = provider(t);
    p.get_dependencies = negative_deps;
    e = pubgrub_solve(&p, 0, root_version(t), &r);
    cr_assert(e != NULL);
    cr_expect_str_eq(e->msg, "internal error: negative package id -3");
    err_free(e);
    e = pubgrub_solve(&p, -1, root_version(t), &r);
    cr_assert(e != NULL);
    err_free(e);
    table_free(t);
}

Test(pubgrub, merges_identical_dependencies)
{
    /* Without the provider's widening, the solver still merges foo 1.0..1.2's identical
     * dependency into one incompatibility. */
    static const char *const lines[] = {
        "root 1.0: foo",
        "foo 1.0: bar >=2.0",
        "foo 1.1: bar >=2.0",
        "foo 1.2: bar >=2.0",
        "bar 1.0",
        NULL,
    };
    table_t *t = table_new(lines);
    pubgrub_result_t *r = solve(t);
    cr_assert(!pubgrub_solved(r));
    pubgrub_stats_t st;
    pubgrub_stats(r, &st);
    cr_expect_eq(st.merged, 2);
    char *why = pubgrub_explain(r);
    cr_expect_str_eq(why, "Because no versions of foo match !=1.0,!=1.1,!=1.2 and "
                          "foo ==1.0 || ==1.1 || ==1.2 depends on bar >=2.0, every version of foo "
                          "requires bar >=2.0.\n"
                          "So, because no versions of bar match >=2.0 and root depends on foo, "
                          "version solving failed.");
    free(why);
    pubgrub_result_free(r);
    table_free(t);
}

Test(pubgrub, pending_and_priority)
{
    static const char *const lines[] = {
        "root 1.0: a; b; c",
        "a 1.0: d", "b 1.0: d", "c 1.0",
        "d 1.0",
        NULL,
    };
    table_t *t = table_new(lines);
    pubgrub_result_t *r = solve(t);
    cr_assert(pubgrub_solved(r));
    cr_expect_eq(t->pending_calls, 4, "once per package, the root excluded");
    for (int pkg = 1; pkg <= 4; pkg++)
        cr_expect_eq(t->pending_seen[pkg], 1, "%s", t->pk[pkg].name);
    /* Equal hints: first-seen order, the order the root lists them. */
    int first, second, third;
    pubgrub_solution_item(r, 0, &first, NULL);
    pubgrub_solution_item(r, 1, &second, NULL);
    pubgrub_solution_item(r, 2, &third, NULL);
    cr_expect_str_eq(t->pk[first].name, "a");
    cr_expect_str_eq(t->pk[second].name, "b");
    cr_expect_str_eq(t->pk[third].name, "c");
    pubgrub_result_free(r);
    /* A hint wins over first-seen order (fewest matching versions: c has one, a two). */
    static const char *const lines2[] = {
        "root 1.0: a; c",
        "a 1.0", "a 2.0", "c 1.0",
        NULL,
    };
    table_free(t);
    t = table_new(lines2);
    t->fewest_first = true;
    r = solve(t);
    pubgrub_solution_item(r, 0, &first, NULL);
    cr_expect_str_eq(t->pk[first].name, "c");
    pubgrub_result_free(r);
    table_free(t);
}

Test(pubgrub, root_unavailable)
{
    static const char *const lines[] = {
        "root 1.0 ! the manifest cannot be read",
        NULL,
    };
    expect_failure(lines, false,
                   "Because root is unavailable (the manifest cannot be read), version solving "
                   "failed.");
}

Test(pubgrub, loser_of_repeated_conflicts)
{
    /* b k needs d k, d k needs c (31 - k), and a (decided first) pins c to 30: b's versions
     * fall one conflict at a time until b 1 (d 1, c 30). d loses every one of them, which
     * triggers the conflict-priority heuristic along the way; the result must not change. */
    static const char *lines[3 * 30 + 2];
    char *owned[3 * 30];
    size_t n = 0;
    lines[n++] = "root 1.0: a; b";
    for (int k = 1; k <= 30; k++) {
        owned[3 * (k - 1)] = xasprintf("a %d.0: c ==%d.0", k, k);
        owned[3 * (k - 1) + 1] = xasprintf("b %d.0: d ==%d.0", k, k);
        owned[3 * (k - 1) + 2] = xasprintf("d %d.0: c ==%d.0", k, 31 - k);
    }
    for (int k = 0; k < 90; k++)
        lines[n++] = owned[k];
    lines[n] = NULL;
    table_t *t = table_new(lines);
    for (int k = 1; k <= 30; k++) {
        char *c = xasprintf("c %d.0", k);
        table_add(t, c);
        free(c);
    }
    pubgrub_result_t *r = solve(t);
    cr_assert(pubgrub_solved(r));
    char *got = solution_text(t, r);
    cr_expect_str_eq(got, "a 30.0, b 1.0, c 30.0, d 1.0");
    free(got);
    pubgrub_stats_t st;
    pubgrub_stats(r, &st);
    cr_expect_geq(st.conflicts, 5);
    cr_expect_geq(st.conflict_boosts, 1, "d lost enough conflicts to be moved up");
    pubgrub_result_free(r);
    table_free(t);
    for (int k = 0; k < 90; k++)
        free(owned[k]);
}

Test(pubgrub, deterministic)
{
    static const char *const lines[] = {
        "root 1.0.0: foo >=1.0.0,<2.0.0",
        "foo 1.0.0: a >=1.0.0,<2.0.0; b >=1.0.0,<2.0.0",
        "foo 1.1.0: x >=1.0.0,<2.0.0; y >=1.0.0,<2.0.0",
        "a 1.0.0: b >=2.0.0,<3.0.0",
        "b 1.0.0", "b 2.0.0",
        "x 1.0.0: y >=2.0.0,<3.0.0",
        "y 1.0.0", "y 2.0.0",
        NULL,
    };
    char *first = NULL;
    pubgrub_stats_t st0 = {0};
    for (int run = 0; run < 3; run++) {
        table_t *t = table_new(lines);
        pubgrub_result_t *r = solve(t);
        char *why = pubgrub_explain(r);
        pubgrub_stats_t st;
        pubgrub_stats(r, &st);
        if (!first) {
            first = why;
            st0 = st;
        } else {
            cr_expect_str_eq(why, first);
            cr_expect(memcmp(&st, &st0, sizeof st) == 0);
            free(why);
        }
        pubgrub_result_free(r);
        table_free(t);
    }
    free(first);
}

/* ---- A large synthetic graph ------------------------------------------------------------- *
 *
 * 300 packages x 200 versions ("1.0" .. "200.0"). The root needs every package at >=50.0.
 * Package i at version k needs i+1 >= k-40 and i+3 <= k+50. Every seventh package's versions
 * above 180 also need x_i 1.0, which needs i+2 < 20.0, below the root's floor: the solver must
 * decide i, find the conflict two levels down, learn that i >180.0 is impossible and go back.
 * Solution: every seventh package at 180.0, the others at 200.0.
 */
#define BIG_N 300
#define BIG_V 200

typedef struct big {
    version_t vers[BIG_V];
    char names[BIG_N + BIG_N / 7 + 1][16];
    int queries;
} big_t;

static bool big_is_x(int pkg)
{
    return pkg >= BIG_N;
}

static err_t *big_choose(void *ctx, int pkg, const vrange_t *allowed, const version_t **out)
{
    big_t *b = ctx;
    *out = NULL;
    int top = big_is_x(pkg) ? 1 : BIG_V;
    for (int k = top; k-- > 0;)
        if (vrange_contains(allowed, &b->vers[k])) {
            *out = &b->vers[k];
            break;
        }
    return NULL;
}

static err_t *big_deps(void *ctx, int pkg, const version_t *v, pubgrub_deps_t *out)
{
    big_t *b = ctx;
    b->queries++;
    int k = (int)(v - b->vers) + 1;     /* 1-based version number */
    vrange_t r;
    if (pkg == 0) {
        r = vrange_between(&b->vers[49], true, NULL, false);
        for (int p = 1; p < BIG_N; p++)
            pubgrub_deps_add(out, p, &r, NULL);
        vrange_free(&r);
        return NULL;
    }
    if (big_is_x(pkg)) {
        int i = (pkg - BIG_N) * 7;
        r = vrange_between(NULL, false, &b->vers[19], false);
        pubgrub_deps_add(out, i + 2, &r, NULL);
        vrange_free(&r);
        return NULL;
    }
    int i = pkg;
    if (i + 1 < BIG_N) {
        r = vrange_between(&b->vers[k - 41 < 0 ? 0 : k - 41], true, NULL, false);
        pubgrub_deps_add(out, i + 1, &r, NULL);
        vrange_free(&r);
    }
    if (i + 3 < BIG_N) {
        r = vrange_between(NULL, false, &b->vers[k + 49 >= BIG_V ? BIG_V - 1 : k + 49], true);
        pubgrub_deps_add(out, i + 3, &r, NULL);
        vrange_free(&r);
    }
    if (i % 7 == 0 && i + 2 < BIG_N && k > 180) {
        r = vrange_exact(&b->vers[0]);
        vrange_t holds = vrange_between(&b->vers[180], true, NULL, false);
        pubgrub_deps_add_for(out, BIG_N + i / 7, &r, NULL, &holds);
        vrange_free(&holds);
        vrange_free(&r);
    }
    return NULL;
}

static const char *big_name(void *ctx, int pkg)
{
    return ((big_t *)ctx)->names[pkg];
}

static big_t *big_new(void)
{
    big_t *b = xcalloc(1, sizeof *b);
    for (int k = 0; k < BIG_V; k++) {
        char s[16];
        snprintf(s, sizeof s, "%d.0", k + 1);
        cr_assert(version_parse(s, &b->vers[k]));
    }
    for (int p = 0; p < BIG_N + BIG_N / 7 + 1; p++)
        snprintf(b->names[p], sizeof b->names[p], p < BIG_N ? "p%d" : "x%d", p < BIG_N ? p : p - BIG_N);
    return b;
}

static void big_free(big_t *b)
{
    for (int k = 0; k < BIG_V; k++)
        version_free(&b->vers[k]);
    free(b);
}

static pubgrub_result_t *big_solve(big_t *b, double *seconds)
{
    pubgrub_provider_t p = {0};
    p.ctx = b;
    p.choose_version = big_choose;
    p.get_dependencies = big_deps;
    p.package_name = big_name;
    pubgrub_result_t *r = NULL;
    clock_t t0 = clock();
    err_t *e = pubgrub_solve(&p, 0, &b->vers[0], &r);
    *seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
    cr_assert(e == NULL);
    return r;
}

Test(pubgrub, large_graph)
{
    big_t *b = big_new();
    double secs;
    pubgrub_result_t *r = big_solve(b, &secs);
    cr_assert(pubgrub_solved(r));
    cr_expect_eq(pubgrub_solution_count(r), BIG_N - 1, "every package, no x");
    for (int p = 1; p < BIG_N; p++) {
        const version_t *v = pubgrub_solution_version(r, p);
        cr_assert(v != NULL, "p%d", p);
        int want = (p % 7 == 0 && p + 2 < BIG_N) ? 180 : 200;
        cr_expect_eq((int)(v - b->vers) + 1, want, "p%d", p);
    }
    pubgrub_stats_t st;
    pubgrub_stats(r, &st);
    cr_expect_gt(st.conflicts, 0);
    cr_log_info("large graph: %.3f s, %zu decisions, %zu conflicts, %zu incompatibilities, "
                "%zu dependency queries", secs, st.decisions, st.conflicts,
                st.incompatibilities, st.dependency_queries);

    /* Determinism on a large input: the same decisions and the same solution again. */
    big_t *b2 = big_new();
    double secs2;
    pubgrub_result_t *r2 = big_solve(b2, &secs2);
    pubgrub_stats_t st2;
    pubgrub_stats(r2, &st2);
    cr_expect(memcmp(&st, &st2, sizeof st) == 0);
    for (size_t i = 0; i < pubgrub_solution_count(r); i++) {
        int p1, p2;
        const version_t *v1, *v2;
        pubgrub_solution_item(r, i, &p1, &v1);
        pubgrub_solution_item(r2, i, &p2, &v2);
        cr_expect_eq(p1, p2);
        cr_expect_eq(v1 - b->vers, v2 - b2->vers);
    }
    pubgrub_result_free(r2);
    big_free(b2);
    pubgrub_result_free(r);
    big_free(b);
}

/* ---- Random universes against brute force ------------------------------------------------ *
 *
 * Small random universes (root + 5 packages x 3 versions, random dependencies, some versions
 * unavailable). Brute force decides whether any selection satisfies every dependency of every
 * selected version (the root selected); the solver must agree, and its solution must be valid.
 */

#ifndef RU_PKGS
#define RU_PKGS 5
#endif
#define RU_VERS 3
#ifndef RU_ITERS
#define RU_ITERS 300
#endif
#ifndef RU_SEED
#define RU_SEED 12345
#endif

typedef struct ru {
    /* dep[p][v][q]: 0 none, else a specifier index; p = 0 is the root (one version). */
    int dep[RU_PKGS + 1][RU_VERS][RU_PKGS + 1];
    bool unavailable[RU_PKGS + 1][RU_VERS];
} ru_t;

static const char *const RU_SPECS[] = {NULL, "", ">=2.0", "<2.0", "==1.0", "!=2.0", ">=3.0",
                                       "<3.0,!=1.0", "==2.0", ">=4.0"};

static bool ru_spec_ok_slow(int spec, int version_index)
{
    vrange_t r = R_(RU_SPECS[spec]);
    char vs[16];
    snprintf(vs, sizeof vs, "%d.0", version_index + 1);
    version_t v;
    cr_assert(version_parse(vs, &v));
    bool ok = vrange_contains(&r, &v);
    version_free(&v);
    vrange_free(&r);
    return ok;
}

static bool ru_spec_ok(int spec, int version_index)
{
    static signed char memo[sizeof RU_SPECS / sizeof *RU_SPECS][RU_VERS];
    if (!memo[spec][version_index])
        memo[spec][version_index] = ru_spec_ok_slow(spec, version_index) ? 1 : -1;
    return memo[spec][version_index] > 0;
}

/* sel[p]: -1 not selected, else the version index. */
static bool ru_valid(const ru_t *u, const int sel[RU_PKGS + 1])
{
    for (int p = 0; p <= RU_PKGS; p++) {
        if (sel[p] < 0)
            continue;
        if (u->unavailable[p][sel[p]])
            return false;
        for (int q = 0; q <= RU_PKGS; q++) {
            int spec = u->dep[p][sel[p]][q];
            if (spec && (sel[q] < 0 || !ru_spec_ok(spec, sel[q])))
                return false;
        }
    }
    return true;
}

static bool ru_brute(const ru_t *u)
{
    int sel[RU_PKGS + 1];
    int total = 1;
    for (int p = 0; p < RU_PKGS; p++)
        total *= RU_VERS + 1;
    for (int code = 0; code < total; code++) {
        int c = code;
        sel[0] = 0;
        for (int p = 1; p <= RU_PKGS; p++) {
            sel[p] = c % (RU_VERS + 1) - 1;
            c /= RU_VERS + 1;
        }
        if (ru_valid(u, sel))
            return true;
    }
    return false;
}

/* Numbered lines are numbered 1, 2, ... in order, and every "(n)" reference inside a line
 * points back to an earlier numbered line. Returns the number of references. */
static int check_references(const char *why, int iter)
{
    int defined = 0, refs = 0;
    for (const char *line = why; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int own = 0;
        size_t i = 0;
        if (line[0] == '(' && sscanf(line, "(%d)", &own) == 1) {
            cr_expect_eq(own, defined + 1, "universe %d: line numbers out of order", iter);
            i = strcspn(line, ")") + 1;
        }
        for (; i + 2 < len; i++) {
            int k;
            if (line[i] == ' ' && line[i + 1] == '(' && line[i + 2] >= '0' && line[i + 2] <= '9' &&
                sscanf(line + i + 1, "(%d)", &k) == 1) {
                cr_expect(k >= 1 && k <= defined, "universe %d: reference (%d) to no earlier "
                          "line:\n%s", iter, k, why);
                refs++;
            }
        }
        if (own)
            defined = own;
        line = end ? end + 1 : NULL;
    }
    return refs;
}

Test(pubgrub, random_universes_match_brute_force)
{
    static const char *const names[] = {"root", "a", "b", "c", "d", "e", "f", "g", "h"};
    rng = RU_SEED;
    int solved = 0, failed = 0, references = 0;
    for (int iter = 0; iter < RU_ITERS; iter++) {
        ru_t u;
        memset(&u, 0, sizeof u);
        for (int p = 0; p <= RU_PKGS; p++)
            for (int v = 0; v < (p ? RU_VERS : 1); v++) {
                if (p && next_rand(10) == 0)
                    u.unavailable[p][v] = true;
                for (int q = 1; q <= RU_PKGS; q++) {
                    if (q == p || next_rand(p ? 4 : 2) != 0)
                        continue;
                    u.dep[p][v][q] = 1 + (int)next_rand(sizeof RU_SPECS / sizeof *RU_SPECS - 1);
                }
            }
        /* The table: every version listed, dependencies in package order. */
        char *lines[1 + RU_PKGS * RU_VERS + 1];
        size_t n = 0;
        for (int p = 0; p <= RU_PKGS; p++)
            for (int v = 0; v < (p ? RU_VERS : 1); v++) {
                char buf[512];
                int len = snprintf(buf, sizeof buf, "%s %d.0", names[p], v + 1);
                if (u.unavailable[p][v]) {
                    snprintf(buf + len, sizeof buf - len, " ! broken");
                } else {
                    const char *sep = ": ";
                    for (int q = 1; q <= RU_PKGS; q++)
                        if (u.dep[p][v][q]) {
                            len += snprintf(buf + len, sizeof buf - len, "%s%s %s", sep,
                                            names[q], RU_SPECS[u.dep[p][v][q]]);
                            sep = "; ";
                        }
                }
                lines[n++] = xstrdup(buf);
            }
        lines[n] = NULL;
        table_t *t = table_new((const char *const *)lines);
        t->widen = iter % 2;
        t->fewest_first = iter % 3 == 0;
        pubgrub_result_t *r = solve(t);
        bool want = ru_brute(&u);
        cr_expect_eq(pubgrub_solved(r), want, "universe %d: solver %d, brute force %d", iter,
                     pubgrub_solved(r), want);
        if (pubgrub_solved(r)) {
            solved++;
            int sel[RU_PKGS + 1];
            sel[0] = 0;
            for (int p = 1; p <= RU_PKGS; p++) {
                int id = -1;
                for (size_t k = 0; k < t->npk; k++)
                    if (strcmp(t->pk[k].name, names[p]) == 0)
                        id = (int)k;
                const version_t *v = id >= 0 ? pubgrub_solution_version(r, id) : NULL;
                sel[p] = -1;
                if (v) {
                    char *vs = version_str(v);
                    sel[p] = atoi(vs) - 1;
                    free(vs);
                }
            }
            cr_expect(ru_valid(&u, sel), "universe %d: the solution is not valid", iter);
        } else {
            failed++;
            char *why = pubgrub_explain(r);
            cr_expect(why && strstr(why, "version solving failed."), "universe %d", iter);
            references += check_references(why, iter);
            free(why);
        }
        pubgrub_result_free(r);
        table_free(t);
        for (size_t k = 0; k < n; k++)
            free(lines[k]);
    }
    cr_expect_gt(solved, 30);
    cr_expect_gt(failed, 30);
    cr_expect_gt(references, 0, "some explanations refer back to numbered lines");
}
