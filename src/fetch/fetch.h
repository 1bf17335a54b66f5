/*
 * fetch: everything a plan's package actions need before the environment changes.
 *
 *  - fetch_wheels(): for every install/upgrade/downgrade action, the wheel chosen from the local
 *    sources (the manifest's find-links and the requirements files' --find-links, or a direct
 *    wheel path), checked against the pin's hashes in hash-checking mode (fetch_check_hash), and
 *    its content unpacked into (or found in) the cache, verified against its RECORD. A source
 *    distribution or a local project is built into a wheel first (fetch_builder_t), which is
 *    then unpacked the same way; a failed build fails the set like a missing wheel.
 *
 * It only reads the environment; nothing is written outside the cache. A missing wheel, a hash
 * mismatch or a corrupt archive fails the whole set (EXIT_APPLY) so that the caller changes
 * nothing. A fetch_t owns its unpacked wheels; fetch_free() releases them.
 */
#ifndef VENVSYNC_FETCH_FETCH_H
#define VENVSYNC_FETCH_FETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "index/download.h"
#include "index/findlinks.h"
#include "manifest/manifest.h"
#include "resolve/want.h"
#include "plan/plan.h"
#include "python/interp.h"
#include "util/err.h"
#include "wheel/cache.h"

typedef struct fetched_pkg {
    const want_pkg_t *want;       /* borrowed from the want set */
    bool built;                   /* the wheel was built from want's sdist or directory */
    char *wheel_path;             /* the .whl installed (absolute) */
    char *url;                    /* direct_url.json URL for a direct wheel, else NULL */
    char sha256[65];              /* of the .whl */
    char sha256_url[65];          /* a built direct reference: the sdist's sha256 for
                                   * direct_url.json ("" for a directory); else unused */
    wheel_unpacked_t *wheel;      /* owned */
} fetched_pkg_t;

typedef struct fetch {
    fetched_pkg_t *items;         /* one per install/upgrade/downgrade action, in plan order */
    size_t n;
} fetch_t;

/* Builds the wheel of a WANT_SDIST or WANT_DIR want for py (the engine provides it: building
 * needs build environments, made with the lock and fetch stages). *wheel_path: a wheel file
 * (malloc'd path) that stays until the run ends; *sdist_sha256 (may be NULL) the verified hash
 * of the sdist it came from, for direct_url.json. */
typedef struct fetch_builder {
    void *ctx;
    err_t *(*wheel)(void *ctx, const want_pkg_t *w, const interp_t *py, char **wheel_path,
                    char sdist_sha256[65]);
} fetch_builder_t;

typedef struct fetch_opts {
    const config_t *cfg;          /* the index URL override and HTTP settings */
    const char *cache_dir;
    bool offline;                 /* only caches and local files (also VENVSYNC_OFFLINE) */
    http_progress_fn progress;    /* live progress of downloads, or NULL */
    void *progress_ctx;
    download_session_t **session; /* the run's index client, created on first need and kept
                                     so that connections and parsed pages serve every
                                     environment (free with download_session_free) */
    const fetch_builder_t *builder; /* sdists and local projects; NULL: they are errors */
} fetch_opts_t;

/* Chooses, verifies and unpacks the wheels plan p installs: from the local sources first, then,
 * for pins no local file fits, from the package indexes (index/download.h) when one is
 * configured, or when no local folder is (then the default index). *fl caches the scanned
 * local sources across environments (scanned on first use; free with findlinks_free). */
err_t *fetch_wheels(const manifest_t *m, const want_set_t *ws, const env_plan_t *p,
                    const interp_t *py, const fetch_opts_t *o, fl_set_t **fl, fetch_t *out);
/* Hash-checking mode (pip's rules): with hashes pinned (or the mode on, when a pin without any is
 * an error), the wheel at path satisfies w when any of w's hashes (sha256, sha384, sha512)
 * matches it. sha256 is the file's, known already; the other algorithms the pin names are
 * computed, in one read of path, only when no sha256 pin matched. EXIT_APPLY on a mismatch,
 * listing what was expected and what the file has. */
err_t *fetch_check_hash(const want_set_t *ws, const want_pkg_t *w, const char *path,
                        const char *sha256);
/* The fetched wheel for package key, or NULL. */
const fetched_pkg_t *fetch_find(const fetch_t *f, const char *key);
void fetch_free(fetch_t *f);

#endif
