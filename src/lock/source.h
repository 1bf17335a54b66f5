/*
 * source: the resolver's view of the package sources (resolve/solve.h's rs_source_t), over the
 * local find-links folders (index/findlinks.h), the package indexes and remote find-links pages
 * (index/remote.h: first index that has a project wins), direct references (`name @ URL`,
 * wheel paths), and core metadata (index/metadata.h: local zips, PEP 658 files, HTTP ranges,
 * caches).
 *
 * What it does for the solver:
 *  - project(key): every file of the project from every source, grouped by version (parsed from
 *    the file names), newest first; a direct reference is its project's only candidate. Index
 *    lookups are batched: the keys the solver announced (prefetch) are looked up together, and
 *    the metadata of the version the solver will likely take of each is fetched in the same
 *    round: the preferred version (opts.prefer_*) when it is within the range the solver
 *    announced, else the newest final release there, not yanked (but for an exact pin), whose
 *    index Requires-Python one of opts.pythons meets. Nothing else is fetched ahead of time.
 *  - metadata(version): METADATA of one wheel of the version (uv assumes all wheels of a version
 *    share it): a local wheel first, else a remote one with a PEP 658 file, else any; parsed
 *    into requirements. A version with only a source distribution gets the metadata its build
 *    would have, from the builder (a local sdist first, else a remote one); without a builder it
 *    is unavailable (its explanation says why). A local project directory (a direct reference
 *    to a folder) is its project's only candidate, at the version its metadata gives.
 * And for the lock: every file of a chosen version with its URL or path, size and sha256 (local
 * files are hashed when asked: lock_source_files).
 *
 * Ownership: a lock_source_t borrows what it is given (remote_t, metadata_t, fl_set_t, the
 * root requirements) and owns everything it hands out; lock_source_free() releases it.
 */
#ifndef VENVSYNC_LOCK_SOURCE_H
#define VENVSYNC_LOCK_SOURCE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index/findlinks.h"
#include "index/metadata.h"
#include "index/remote.h"
#include "resolve/solve.h"
#include "util/err.h"

/* What the lock stage asks of the build stage. The engine provides it: making a build
 * environment needs this very stage (to resolve build-system.requires) and the fetch stage. */
typedef enum lock_build_kind {
    LOCK_BUILD_DIR,          /* a local project directory, built as a wheel */
    LOCK_BUILD_EDITABLE,     /* a local project directory, built editable (PEP 660) */
    LOCK_BUILD_SDIST,        /* a source distribution: a local file or a URL */
} lock_build_kind_t;

typedef struct lock_builder {
    void *ctx;
    /* The core metadata (METADATA text, *out malloc'd) a build of `path` would give: static
     * metadata where the standards allow it, else the backend's prepare hook. For an sdist,
     * filename is its real name and sha256 its hash (lowercase hex) when known, else NULL. A
     * failed build is an error (EXIT_APPLY), not a reason to try another version. */
    err_t *(*metadata)(void *ctx, lock_build_kind_t kind, const char *path, const char *filename,
                       const char *sha256, char **out);
    /* The project name of a local directory (pyproject.toml's [project] name, else the
     * backend's metadata), *name malloc'd. */
    err_t *(*project_name)(void *ctx, const char *dir, char **name);
} lock_builder_t;

/* One file of a candidate version, for the lock. */
typedef struct lock_file {
    char *filename;
    char *url;                  /* remote files: absolute, without the fragment; else NULL */
    char *path;                 /* local files: absolute; else NULL */
    char *index;                /* the index it came from, or NULL (find-links, direct) */
    char sha256[65];            /* "" while unknown (a local file not hashed yet) */
    int64_t size;               /* -1 unknown */
    bool core_metadata;
    char metadata_sha256[65];
    bool yanked;
    char *yanked_reason;        /* NULL when not yanked or no reason given */
    char *requires_python;
    wheelname_t *wheel;         /* NULL for a source distribution or a directory */
    bool is_dir;                /* a local project directory (path): no file, no hash */
    bool editable;              /* is_dir: installed editable */
} lock_file_t;

typedef struct lock_source lock_source_t;

typedef struct lock_source_opts {
    const fl_set_t *fl;                 /* local find-links, or NULL */
    remote_t *remote;                   /* NULL: no index at all (offline or --no-index) */
    const remote_sources_t *sources;    /* the indexes and remote find-links of remote */
    metadata_t *meta;                   /* required */
    const rs_requirement_t *direct;     /* requirements with a URL (`name @ ...`) */
    size_t ndirect;
    const char *base_dir;               /* for relative file: URLs */
    const lock_builder_t *builder;      /* NULL: directories and sdists cannot be used */
    char *const *pythons;               /* the targets' Pythons ("3.11.0"), NULL-terminated, or
                                         * NULL: a version the index says needs another Python
                                         * is not fetched ahead of time (see above) */
    char *const *prefer_keys;           /* the versions the solver prefers (the old lock's, not */
    const char *const *prefer_versions; /* upgraded): the likely picks (same order) */
    size_t nprefer;
} lock_source_opts_t;

lock_source_t *lock_source_new(const lock_source_opts_t *o);
void lock_source_free(lock_source_t *s);
/* The rs_source_t the solver calls. */
rs_source_t lock_source_solver(lock_source_t *s);
/* The files of a chosen version, every local one hashed (sha256 and size filled). */
err_t *lock_source_files(lock_source_t *s, const rs_version_t *v, lock_file_t **files,
                         size_t *n);
/* Statistics for -v: index pages read, metadata fetched, and how. */
void lock_source_stats(const lock_source_t *s, size_t *projects, metadata_stats_t *meta);

#endif
