/*
 * range: sets of PEP 440 versions (the version sets PubGrub reasons with).
 *
 * A vrange_t is a value: a union of sorted, disjoint, non-adjacent intervals, each end unbounded,
 * inclusive or exclusive, possibly at a sentinel (version.h: V.MIN, V.MAX, V+localMAX). Every
 * function returns a new vrange_t that the caller owns and releases with vrange_free(); inputs
 * are never modified. A vrange_t holds one allocation (none when empty), so copying is cheap.
 * A zeroed vrange_t ({0}) is the empty set.
 *
 * Canonical form: two ranges that contain exactly the same (normal) versions have the same
 * representation, so vrange_equal is structural. Bounds are kept as "cuts" between versions:
 * "just below V", "just above V", or "at sentinel S" (a sentinel is never a member). Where a
 * sentinel and a version are neighbours with nothing in between (1.0.MIN and 1.0.dev0,
 * 1.0.dev1+localMAX and 1.0.dev2, 1.0+localMAX and 1.0.post0.dev0, 1.0a1.MAX and 1.0a2.dev0),
 * the cut is stored at the sentinel; a cut at 0.MIN, below every version, is -inf. Versions that
 * compare equal (1.0 and 1.0.0) are the same point.
 *
 * Specifier -> range (uv's version_ranges.rs, digest §4.3). Pre-releases stay inside ranges:
 * the policy that skips them belongs to whoever picks versions.
 *   ==V          [V, V+localMAX]          (matches V+anything)
 *   ==V+local    exactly V+local
 *   ==X.Y.*      [X.Y.dev0, X.(Y+1).dev0)
 *   !=...        the complement of the == range
 *   ~=X.Y.Z      [X.Y.Z, X.(Y+1).dev0)
 *   <V           V a pre-release: (-inf, V).  V final: (-inf, V.MIN), below V's dev and
 *                pre-releases. V = X.postN: (-inf, X.MIN) U [X, X.postN.dev0) (*)
 *   <=V          (-inf, V+localMAX]
 *   >V           V without post or dev part: (V.MAX, inf), above V's post-releases and local
 *                versions. V a post or dev release: (V+localMAX, inf) (*)
 *   >=V          [V, inf)
 *   ===S         S parsed as a version: exactly that version; the empty set when S is not a
 *                version (*)
 * (*) Approximations. packaging compares `<V` and `>V` by base version (epoch and release), so
 *     `<1.0.post2` also rejects 1.0.post1.dev0 and `>1.0a1` also rejects 1.0.post1 and 1.0a2+x;
 *     those sets are not finite unions of intervals and are not reproduced. `===` is string
 *     equality in PEP 440: the range also contains spellings that compare equal (1.0.0 for
 *     ===1.0). For every other specifier a version is in the range exactly when
 *     specset_contains(..., allow_pre=true) accepts it.
 */
#ifndef VENVSYNC_PKG_RANGE_H
#define VENVSYNC_PKG_RANGE_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/version.h"

struct vcut;

typedef struct vrange {
    size_t n;               /* private: number of cuts (even) */
    struct vcut *cuts;      /* private: one allocation, or NULL when n == 0 */
} vrange_t;

/* ---- Construction ---------------------------------------------------------------------- */

vrange_t vrange_empty(void);
vrange_t vrange_full(void);
/* Exactly v (a normal version; its local label, if any, is part of it: exact(1.0) does not
 * contain 1.0+x). */
vrange_t vrange_exact(const version_t *v);
/* The interval between lo and hi; NULL means unbounded on that side. Either bound may be a
 * sentinel (its inclusiveness is then irrelevant). Empty when lo is above hi. */
vrange_t vrange_between(const version_t *lo, bool lo_incl, const version_t *hi, bool hi_incl);
/* Specifier i of s (0 <= i < specset_count(s)), by the table above. */
vrange_t vrange_from_specifier(const specset_t *s, size_t i);
/* The intersection of every specifier of s (full for the empty set ""). */
vrange_t vrange_from_specset(const specset_t *s);
/* Parses text as a specifier set (specset_parse) and converts it. On failure returns false and
 * sets *why (malloc'd) like specset_parse; *out is then empty. */
bool vrange_parse(const char *text, vrange_t *out, char **why);
vrange_t vrange_copy(const vrange_t *r);
void vrange_free(vrange_t *r);              /* leaves *r empty; NULL-safe */

/* ---- Operations (pure) ----------------------------------------------------------------- */

vrange_t vrange_union(const vrange_t *a, const vrange_t *b);
vrange_t vrange_intersect(const vrange_t *a, const vrange_t *b);
vrange_t vrange_complement(const vrange_t *a);
vrange_t vrange_difference(const vrange_t *a, const vrange_t *b);     /* a \ b */

/* Whether normal version v is in r. (A sentinel is never a member: false.) */
bool vrange_contains(const vrange_t *r, const version_t *v);
bool vrange_is_empty(const vrange_t *r);
bool vrange_is_full(const vrange_t *r);
bool vrange_subset(const vrange_t *a, const vrange_t *b);             /* a ⊆ b */
bool vrange_disjoint(const vrange_t *a, const vrange_t *b);           /* a ∩ b = ∅ */
bool vrange_equal(const vrange_t *a, const vrange_t *b);
/* The version when r holds exactly one version (vrange_exact's result), else NULL. The pointer
 * is into r. */
const version_t *vrange_singleton(const vrange_t *r);

/* ---- Inspection ------------------------------------------------------------------------ */

/* Number of disjoint intervals (0 for empty). */
size_t vrange_count(const vrange_t *r);

typedef struct vbound {
    const version_t *v;     /* NULL: unbounded; may be a sentinel; points into the range */
    bool inclusive;         /* meaningful for a normal version only */
} vbound_t;

/* Interval i (0 <= i < vrange_count(r)), lowest first. */
void vrange_interval(const vrange_t *r, size_t i, vbound_t *lo, vbound_t *hi);

/*
 * Text for messages, malloc'd: PEP 440 specifier syntax without spaces, intervals joined by
 * " || ". Conventions:
 *   "*"                   every version;          "none"   the empty set
 *   "==1.0"               a single version, or 1.0 with its local variants (the ==1.0 range)
 *   "==1.*"               a wildcard range;       "!=1.0", "!=1.*"   the complement of one
 *   ">=1.0,<2.0"          one interval;           "<1.0 || >=2.0"    a union
 * Sentinel bounds render as the specifier that produces them: "<2.0" for (-inf, 2.0.MIN),
 * "<=2.0" for (-inf, 2.0+localMAX], ">2.0" for (2.0.MAX, inf). A bound PEP 440 cannot spell
 * uses the operator's plain ordering meaning (">1.0" after removing exactly 1.0, "<1.0" for
 * the complement of ">=1.0", which keeps 1.0's pre-releases; "<=1.0" for the complement of
 * ">1.0" and ">1.0" for the complement of "<=1.0", which keep 1.0's post-releases).
 */
char *vrange_str(const vrange_t *r);

#endif
