/*
 * pubgrub: the PubGrub version solver (Dart pub's doc/solver.md, pubgrub-rs), generic over what
 * a package is.
 *
 * Packages are non-negative integers chosen by the caller (keep them small: the solver indexes
 * arrays by them). Versions are `const version_t *` owned by the provider and valid until the
 * result is freed. One package (the root) is fixed at one version; the solver asks the provider
 * for everything else through the callbacks of pubgrub_provider_t and never enumerates versions
 * itself: choosing a version (preferences, newest first, pre-release and yanked policies) is
 * entirely the provider's job. No I/O, no global state: solves are independent and re-entrant.
 *
 * The result is a solution (a version for every package the root transitively needs) or a
 * failure carrying the derivation graph of the incompatibility that proves none exists, which
 * pubgrub_explain() renders in Dart's error-reporting style. pubgrub_solve returns an error only
 * when a provider callback does (a network failure...): nothing is half-solved then.
 *
 * Algorithm (digest §4.2): unit propagation from the changed package over incompatibilities
 * indexed by package, newest first, with a cache of incompatibilities already contradicted;
 * decisions by priority (provider hint, then packages that keep losing conflicts, then first
 * seen); conflict resolution with backjumping and learned incompatibilities (Dart's "previous
 * satisfier"). Identical dependencies of different versions of a package are merged into one
 * incompatibility over the union of their versions, and the provider may widen a fact to the
 * versions it also holds for (pubgrub_deps_add_for, pubgrub_deps_unavailable).
 */
#ifndef VENVSYNC_RESOLVE_PUBGRUB_H
#define VENVSYNC_RESOLVE_PUBGRUB_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/range.h"
#include "pkg/version.h"
#include "util/err.h"

/* What get_dependencies reports, filled through the pubgrub_deps_* functions below. */
typedef struct pubgrub_deps pubgrub_deps_t;

/* The provider: callbacks and their context. Callbacks must not call back into the solver. */
typedef struct pubgrub_provider {
    void *ctx;

    /* Required. A version of pkg inside `allowed` (never empty), or *out = NULL when there is
     * none the provider will use. An error aborts the solve. */
    err_t *(*choose_version)(void *ctx, int pkg, const vrange_t *allowed, const version_t **out);

    /* Required. The dependencies of pkg at version (called for the root too, and at most once
     * per package and version), reported into `out`, or pubgrub_deps_unavailable() when this
     * version cannot be used: the solver then rules it out and moves on. An error aborts the
     * solve. */
    err_t *(*get_dependencies)(void *ctx, int pkg, const version_t *version, pubgrub_deps_t *out);

    /* Required. The name of pkg for messages (provider-owned, valid while the result lives). */
    const char *(*package_name)(void *ctx, int pkg);

    /* Optional. Higher is decided first; called whenever pkg's allowed range may have changed.
     * Among equal hints, a package that lost several conflicts goes first and one that caused
     * them goes last (uv's conflict tracking), then the first seen (dependencies in the order
     * get_dependencies listed them, breadth first). uv's hints: the root's and URL requirements,
     * then == pins. */
    int (*priority)(void *ctx, int pkg, const vrange_t *allowed);

    /* Optional. Called once per package, when it first enters the partial solution, with the
     * range first required: the provider may start fetching its metadata. */
    void (*pending)(void *ctx, int pkg, const vrange_t *allowed);

    /* Optional phrases for the root's dependencies in explanations, e.g. "you asked for" and
     * "you need"; by default "<root name> depends on" and "<root name> requires". */
    const char *root_depends_on;
    const char *root_requires;
} pubgrub_provider_t;

/* Reports that the version depends on pkg within `range` (copied). `why` is an optional label
 * (e.g. "at venv.yaml:6:20") shown after the requirement in explanations; provider-owned, it
 * must outlive the result. A dependency on the package itself is allowed (ignored when the
 * version satisfies it). */
void pubgrub_deps_add(pubgrub_deps_t *d, int pkg, const vrange_t *range, const char *why);
/* Same, telling the solver that every version of the depending package in `holds_for` (copied;
 * it must contain the version asked about) has this very dependency, as Dart's package lister
 * does: one incompatibility then covers them all. */
void pubgrub_deps_add_for(pubgrub_deps_t *d, int pkg, const vrange_t *range, const char *why,
                          const vrange_t *holds_for);
/* Reports that the version cannot be used; `reason` (copied) completes "foo 1.0 is unavailable
 * (<reason>)". `holds_for` (copied; NULL: just this version) widens the fact to other versions
 * (uv widens a rejected version to the gap around it). Dependencies added before or after are
 * ignored. */
void pubgrub_deps_unavailable(pubgrub_deps_t *d, const char *reason, const vrange_t *holds_for);

typedef struct pubgrub_result pubgrub_result_t;

/* Solves for root at root_version (root >= 0). On success *out is a result (solved or failed)
 * to free with pubgrub_result_free. On a provider error (returned as is), or a provider that
 * breaks the contract (a negative package id, a chosen version outside `allowed`: "internal
 * error: ..."), *out is NULL and nothing is left allocated. */
err_t *pubgrub_solve(const pubgrub_provider_t *provider, int root, const version_t *root_version,
                     pubgrub_result_t **out);

bool pubgrub_solved(const pubgrub_result_t *r);

/* The solution, in decision order, root excluded (empty when the solve failed). */
size_t pubgrub_solution_count(const pubgrub_result_t *r);
void pubgrub_solution_item(const pubgrub_result_t *r, size_t i, int *pkg,
                           const version_t **version);
/* The version chosen for pkg, or NULL (not needed, the root, or a failed solve). */
const version_t *pubgrub_solution_version(const pubgrub_result_t *r, int pkg);

/* Why the solve failed, as numbered lines of text ending in "version solving failed.",
 * malloc'd; NULL for a solved result. Names come from the provider's package_name (the provider
 * must still be alive), ranges from vrange_str, single versions as "foo 1.0", the root without
 * its version. */
char *pubgrub_explain(const pubgrub_result_t *r);

typedef struct pubgrub_stats {
    size_t decisions;           /* versions decided (root included), backtracked ones too */
    size_t conflicts;           /* conflict resolutions */
    size_t backjumps;           /* backtracks (conflicts and the conflict-priority heuristic) */
    size_t max_backjump;        /* most decision levels undone by one backtrack */
    size_t incompatibilities;   /* created, learned and merged ones included */
    size_t merged;              /* dependencies merged into an existing incompatibility */
    size_t conflict_boosts;     /* packages moved up after losing repeated conflicts */
    size_t dependency_queries;  /* get_dependencies calls */
} pubgrub_stats_t;

void pubgrub_stats(const pubgrub_result_t *r, pubgrub_stats_t *out);

void pubgrub_result_free(pubgrub_result_t *r);

#endif
