/*
 * builder: the build stage (build/) wired into a run. It is what the lock stage calls to read a
 * local project's or an sdist's metadata (lock_builder_t) and what the fetch stage calls to turn
 * them into wheels (fetch_builder_t). It lives in the engine because a build needs every stage
 * below it: the build environment's requirements are resolved by the lock stage (for this
 * machine's interpreter only, from the same sources as the environment), fetched by the fetch
 * stage, and installed into a cached build environment (build/env.h).
 *
 * For one source (build/build.h's sequence):
 *  1. open it: a project directory as it is; an sdist from its local path, else downloaded into
 *     the download cache and checked against its sha256;
 *  2. metadata: static when the standards allow it (no environment, no process); else the
 *     build environment for build-system.requires (plus what get_requires_for_build_* adds)
 *     and the backend's prepare hook;
 *  3. wheel: an sdist's comes from the built-wheel cache (by sdist sha256 and interpreter), else
 *     is built once and cached; a project directory's is built into the run's scratch folder
 *     (editable or not), never cached.
 * Build environments are memoised for the run by their requirements; a build requirement that
 * itself needs a build nests (at most BUILDER_MAX_DEPTH deep). The name of a project without a
 * [project] table (setup.py, setup.cfg, [tool.poetry]) comes from its backend's metadata and is
 * remembered in <cache>/builds-v1/names/<hash of its real path and build fingerprint>, so that
 * reading the manifest's inputs (every sync, plan, check) starts no Python once it is known.
 *
 * Settings: VENVSYNC_BUILD_TIMEOUT (seconds per hook, default 900; 0 for none; from config_t),
 * the backend's output to the log with -v, the user's environment (config_t.environ).
 *
 * Ownership: engine_builder_t borrows the engine; builder_free() releases its memo and scratch
 * folder. Not thread-safe (a run builds one thing at a time).
 */
#ifndef VENVSYNC_ENGINE_BUILDER_H
#define VENVSYNC_ENGINE_BUILDER_H
#include <stdbool.h>

#include "fetch/fetch.h"
#include "lock/source.h"
#include "pkg/reqfile.h"
#include "python/interp.h"
#include "util/err.h"

#define BUILDER_MAX_DEPTH 4

struct engine;

typedef struct builder_env {
    char *key;                   /* the sorted requirements and the interpreter */
    char *dir;                   /* the build environment */
} builder_env_t;

typedef struct engine_builder {
    lock_builder_t lock;         /* for lock_ctx_t.builder (ctx: this) */
    fetch_builder_t fetch;       /* for fetch_opts_t.builder (ctx: this) */
    struct engine *en;
    const interp_t *py;          /* the interpreter builds are for: the caller sets it */
    const rf_options_t *opts;    /* the sources of the environment being built for (its
                                  * requirements files' options), or NULL: the caller sets it */
    int depth;
    int timeout_ms;
    char *scratch;               /* the run's folder for project wheels, made on first need */
    builder_env_t *envs;         /* build environments made in this run */
    size_t nenvs, cap;
} engine_builder_t;

/* Reads the settings (a malformed VENVSYNC_BUILD_TIMEOUT is an EXIT_USAGE error). */
err_t *builder_init(engine_builder_t *b, struct engine *en);
void builder_free(engine_builder_t *b);

/* The identity of a build of the project at dir (INSTALLED_SOURCE_FILE's line): its file: URL,
 * "editable" or "wheel", and its build fingerprint (build_fingerprint). *out malloc'd. */
err_t *builder_source_id(const char *dir, bool editable, char **out);

#endif
