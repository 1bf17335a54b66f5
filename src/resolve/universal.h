/*
 * universal: a resolution that holds on many targets at once, for lock files that a team on
 * Linux, macOS and Windows shares (PEP 751 universal locks, as uv writes them).
 *
 * A target is a platform, an architecture and a CPython minor (ru_targets() builds the standard
 * ones: Linux (glibc), macOS and Windows on x86-64 and arm64, for each allowed minor). Each is
 * solved on its own (resolve/solve.h), every solve preferring what the lock already holds and
 * then what earlier targets picked, so that targets agree wherever they can. The picks are then
 * merged into one entry per (package, version), and each entry gets the marker that says where
 * it is installed, computed with pkg/markeralg.h: within each target, a package is installed
 * where it is reachable from the root through requirements whose markers hold (a fixed point
 * over the dependency graph, the requirement markers kept as written, so a marker the target
 * cannot decide, such as `python_full_version >= "3.11.2"`, still decides at install time);
 * over all targets, the union of (target AND reachability). Markers are simplified within the
 * covered targets, so a package needed everywhere has none.
 *
 * A target without a solution is left out of the lock (its `environments` do not cover it) with
 * a warning, unless it is `required` (the machine the lock is made on): then the whole
 * resolution fails with that target's explanation.
 *
 * Ownership: ru_target_t and ru_result_t own their contents (ru_targets_free,
 * ru_result_free); a result points into the source's candidates (rs_version_t), which must
 * outlive it.
 */
#ifndef VENVSYNC_RESOLVE_UNIVERSAL_H
#define VENVSYNC_RESOLVE_UNIVERSAL_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/marker.h"
#include "pkg/markeralg.h"
#include "pkg/tags.h"
#include "resolve/solve.h"
#include "util/err.h"

typedef struct ru_target {
    marker_region_t region;
    tagset_t *tags;
    char python[16];            /* the lowest Python of the target, "3.11.0" */
    char *label;                /* "linux x86_64, Python 3.11" */
    markeralg_t *marker;        /* the target as a marker */
    bool required;              /* a failure here fails the resolution */
} ru_target_t;

/* The standard targets for the CPython minors 3.<minors[i]> (each OS x arch), in a stable
 * order. A target whose marker is disjoint from every marker of `only` (the manifest's
 * narrowing markers; NULL or empty: none) is left out; an invalid marker there is an error.
 * required_os/arch/minor (minor < 0: none) marks the target of this machine as required. */
err_t *ru_targets(const int *minors, size_t nminors, char *const *only, int required_os,
                  int required_arch, int required_minor, ru_target_t **out, size_t *n);
void ru_targets_free(ru_target_t *t, size_t n);

/* One entry of the lock. */
typedef struct ru_package {
    char *key, *name;
    const rs_project_t *project;
    const rs_version_t *version;
    char *marker;               /* PEP 508 text; NULL when it is installed everywhere covered */
    char **deps;                /* the keys it depends on somewhere (audit), sorted */
    bool yanked;
} ru_package_t;

typedef struct ru_result {
    bool solved;
    char *explanation;          /* !solved: why, naming the target */
    ru_package_t *pkgs;         /* sorted by key, then version (newest first) */
    size_t n;
    char *environments;         /* the covered targets as one marker (NULL: all of them) */
    char *requires_python;      /* ">=3.X" of the lowest covered minor */
    char **uncovered;           /* labels of targets left out, NULL-terminated, NULL if none */
    char **warnings;            /* NULL-terminated, NULL when none */
    size_t solves, metadata_reads;
} ru_result_t;

/* Resolves base (its region, tags, python and label fields are ignored: each target sets them)
 * on every target. */
err_t *ru_resolve(const rs_source_t *src, const rs_input_t *base, const ru_target_t *targets,
                  size_t ntargets, ru_result_t *out);
void ru_result_free(ru_result_t *r);

#endif
