/*
 * cachedir: the layout of venvsync's cache directory (VENVSYNC_CACHE_DIR), in one place, and the
 * removal helpers `cache clean` / `cache prune` are built from.
 *
 *   <cache>/interpreters/   one facts file per interpreter, keyed by its real path (python/probe)
 *   <cache>/wheels-v2/      unpacked wheels by sha256, each with a COMPLETE marker (wheel/cache)
 *   <cache>/pages-v1/       index pages with their HTTP validators (index/http)
 *   <cache>/downloads-v1/   downloaded files named by their sha256 (index/http)
 *   <cache>/metadata-v1/    wheels' METADATA by the wheel's sha256, or url-<hash> (index/metadata)
 *   <cache>/builds-v1/      build environments, wheels built from sdists, failed builds' logs
 *                           (build/env, build/build)
 *   <cache>/locks/          one lock file per environment path (util/lock); never cleaned,
 *                           since a running sync may hold one
 *   <cache>/shell/          rc files `venvsync shell` starts shells with
 *   <cache>/discovery-v1.txt  what the last interpreter discovery found and the identity of
 *                           everything it looked at (python/discover); rewritten, never pruned
 *
 * Each owner reads and prunes its own part (probe_cache_prune, wheel_cache_prune); nothing else
 * spells these names.
 */
#ifndef VENVSYNC_UTIL_CACHEDIR_H
#define VENVSYNC_UTIL_CACHEDIR_H
#include "util/err.h"

#define CACHE_INTERPRETERS "interpreters"
#define CACHE_WHEELS "wheels-v2"
#define CACHE_PAGES "pages-v1"
#define CACHE_DOWNLOADS "downloads-v1"
#define CACHE_METADATA "metadata-v1"
#define CACHE_BUILDS "builds-v1"
#define CACHE_LOCKS "locks"
#define CACHE_SHELL "shell"
#define CACHE_DISCOVERY "discovery-v1.txt"

/* Bytes used below path (allocated blocks, links not followed; 0 when it is missing). */
unsigned long long cachedir_usage(const char *path);
/* Removes dir/name: renamed aside first (so a reader never sees half of it), then deleted.
 * *freed grows by its usage. A missing entry is success. */
err_t *cachedir_remove(const char *dir, const char *name, unsigned long long *freed);
/* Removes everything in the cache but the locks. A missing cache is success. */
err_t *cachedir_clean(const char *cache_dir, unsigned long long *freed);

#endif
