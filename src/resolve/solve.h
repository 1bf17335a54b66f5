/*
 * solve: Python dependency resolution for one target region (a platform, an architecture and a
 * Python minor: pkg/marker.h's marker_region_t), on top of the generic PubGrub solver
 * (resolve/pubgrub.h). The packaging rules live here; the data comes from a source (rs_source_t)
 * the caller implements over find-links folders, indexes, direct URLs and built projects.
 *
 * The rules (resolver issue, PEP 440/508/592, digest §4.3):
 *  - A requirement becomes a version range (pkg/range.h). Its marker is evaluated over the
 *    region with `extra` = "" (marker_eval_region): FALSE drops it; TRUE and MAYBE keep it (a
 *    MAYBE, such as `python_full_version >= "3.11.2"` in a 3.11 region, is kept: the lock
 *    writes the requirement's own marker, and the installer decides on the real interpreter).
 *  - Extras are proxy packages, as in uv: `foo[x]` at version v depends on `foo == v` and on the
 *    requirements of foo's metadata whose marker holds with extra = "x" (names normalized, PEP
 *    685). An extra the distribution does not provide is a warning and adds nothing.
 *  - Newest versions first; a preferred version (the lock's, or another region's pick) first of
 *    all when it is allowed.
 *  - Pre-releases only when a root requirement names one for that package, or when no final
 *    release is allowed (PEP 440; uv's "if-necessary").
 *  - Yanked versions (every file yanked: PEP 592) only for an exact `==` / `===` pin of that
 *    version, or when preferred (the lock holds it); a warning says so.
 *  - Requires-Python (the index's data-requires-python of a file, else METADATA's) must hold
 *    for the region's lowest Python; a version that fails it is unavailable, and the
 *    explanation says which Python it needs.
 *  - A version is installable in the region when one of its wheels is compatible with the
 *    region's tags (pkg/tags.h), or it has a source distribution and building is allowed.
 *  - Constraints (pip's -c) narrow a package's versions when something else asks for it; they
 *    never add a package.
 *  - Direct references (`name @ URL`) are the only candidate of their package.
 * When no solution exists the result carries PubGrub's explanation, naming where each
 * requirement came from ("at venv.yaml:6:20", "at requirements.txt:3").
 *
 * Ownership: an rs_result_t owns everything in it; rs_result_free() releases it. Pointers into
 * the source's data (rs_version_t, req_t) stay the source's and must outlive the result.
 */
#ifndef VENVSYNC_RESOLVE_SOLVE_H
#define VENVSYNC_RESOLVE_SOLVE_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/marker.h"
#include "pkg/range.h"
#include "pkg/req.h"
#include "pkg/tags.h"
#include "pkg/version.h"
#include "pkg/wheelname.h"
#include "util/err.h"

/* One file of a candidate version. */
typedef struct rs_file {
    const char *filename;
    const wheelname_t *wheel;       /* parsed wheel name; NULL for a source distribution */
    bool yanked;
    const char *yanked_reason;      /* PEP 592's reason, or NULL */
    const char *requires_python;    /* the index's data-requires-python, or NULL */
} rs_file_t;

/* One candidate version of a project. */
typedef struct rs_version {
    version_t version;              /* parsed (owned by the source) */
    const char *text;               /* as the files spell it */
    const rs_file_t *files;
    size_t nfiles;
    bool direct;                    /* from a direct reference: no index, no alternatives */
    void *data;                     /* the source's own (its files for the lock) */
} rs_version_t;

/* Every candidate version of a project, newest first. */
typedef struct rs_project {
    const char *key;                /* PEP 503 normalized */
    const char *name;               /* as the index spells it */
    const rs_version_t *versions;
    size_t n;
} rs_project_t;

/* The core metadata of a version that drives resolution. */
typedef struct rs_meta {
    req_t *const *requires;         /* Requires-Dist, parsed */
    size_t nrequires;
    const char *requires_python;    /* Requires-Python, or NULL */
    char *const *extras;            /* Provides-Extra, normalized */
    size_t nextras;
} rs_meta_t;

typedef struct rs_source {
    void *ctx;
    /* The project's candidates (*out NULL when no source has the project: no versions). The
     * source keeps them alive until it is freed. An error aborts the solve. */
    err_t *(*project)(void *ctx, const char *key, const rs_project_t **out);
    /* The metadata of a candidate (kept alive by the source). An error aborts the solve; data
     * that cannot be used (malformed METADATA) should be reported as *why (malloc'd) with
     * *out NULL: the version is then unavailable, with a warning, and the solve moves on. */
    err_t *(*metadata)(void *ctx, const rs_project_t *p, const rs_version_t *v,
                       const rs_meta_t **out, char **why);
    /* Optional: the project will be needed soon, and the solver may take the versions in
     * `allowed` (the range first asked of it; NULL: any): start fetching its page, and the
     * metadata of the version it will likely take. */
    void (*prefetch)(void *ctx, const char *key, const vrange_t *allowed);
} rs_source_t;

/* A requirement with where it was written ("venv.yaml:6:20"). */
typedef struct rs_requirement {
    const req_t *req;
    const char *origin;
    bool editable;          /* a local project installed editable (the lock records it) */
} rs_requirement_t;

typedef struct rs_input {
    const char *root_name;              /* what the user calls the whole ("dev") */
    const rs_requirement_t *reqs;       /* the root's requirements */
    size_t nreqs;
    const rs_requirement_t *constraints;
    size_t nconstraints;
    const marker_region_t *region;
    const tagset_t *tags;               /* the region's wheel tags */
    const char *python;                 /* the region's lowest Python ("3.11.0") */
    const char *region_label;           /* "linux x86_64, Python 3.11" for messages */
    /* Preferred versions: a lock's, or what another region picked (same order as names). */
    char *const *prefer_keys;
    const char *const *prefer_versions;
    size_t nprefer;
    char *const *upgrade;               /* keys whose preference is ignored (--upgrade-package) */
    size_t nupgrade;
    bool upgrade_all;                   /* ignore every preference (--upgrade) */
    bool no_build;                      /* source distributions are not candidates */
    bool no_binary;                     /* wheels are not: every version builds from its sdist */
} rs_input_t;

/* A dependency edge of a picked package, for lock markers and the lock's `dependencies`. */
typedef struct rs_edge {
    char *key;                          /* the package depended on */
    const req_t *req;                   /* the requirement (the source's), NULL for extras' own
                                           dependency on their base package */
    char *extra;                        /* the extra it is active under, or NULL */
} rs_edge_t;

typedef struct rs_pick {
    char *key;
    char *name;                         /* as the index spells it */
    const rs_project_t *project;
    const rs_version_t *version;
    char **extras;                      /* the extras asked of it (normalized), NULL-terminated */
    rs_edge_t *deps;
    size_t ndeps;
    bool yanked;                        /* chosen although yanked (an exact pin) */
} rs_pick_t;

typedef struct rs_result {
    bool solved;
    rs_pick_t *picks;                   /* sorted by key */
    size_t n;
    rs_edge_t *root_deps;               /* the root's requirements that apply in the region */
    size_t nroot_deps;
    char *explanation;                  /* when !solved: why, for people */
    char **warnings;                    /* NULL-terminated, NULL when none */
    size_t decisions, conflicts, metadata_reads;
} rs_result_t;

/* Solves in->reqs for the region. A solve that finds no solution is not an error (see
 * out->solved); errors come from the source (network) or invalid input. */
err_t *rs_solve(const rs_source_t *src, const rs_input_t *in, rs_result_t *out);
void rs_result_free(rs_result_t *r);

/* The pick for key, or NULL. */
const rs_pick_t *rs_result_find(const rs_result_t *r, const char *key);

#endif
