/*
 * engine: the manifest -> observe -> plan -> apply pipeline for a set of environments, shared by
 * sync, plan, check, list and run. It owns the I/O around the pure planner: observing, finding
 * interpreters (only for environments whose plan needs one: a no-op starts no Python), locking,
 * re-observing under the lock, and applying.
 *
 * An engine_t borrows the manifest and owns everything else; engine_free() releases it.
 */
#ifndef VENVSYNC_ENGINE_ENGINE_H
#define VENVSYNC_ENGINE_ENGINE_H
#include <stdbool.h>
#include <stdio.h>
#include "engine/builder.h"
#include "engine/report.h"
#include "fetch/fetch.h"
#include "lock/lock.h"
#include "manifest/manifest.h"
#include "plan/observe.h"
#include "plan/plan.h"
#include "python/discover.h"
#include "util/err.h"
#include "venv/copytree.h"

typedef enum {
    LOCK_NONE,                 /* no packages declared: no lock */
    LOCK_FRESH,                /* the lock on disk was made from these inputs */
    LOCK_RELOCKED,             /* resolved anew in this run and written */
    LOCK_WOULD_RELOCK,         /* plan: resolved anew, not written */
    LOCK_STALE,                /* check: the inputs changed since the lock was made */
    LOCK_MISSING,              /* check: there is no lock yet */
    LOCK_FROZEN,               /* sync --frozen: used as it is although stale */
    LOCK_GIVEN,                /* `pylock:`: another tool's lock, always used as it is */
} lock_state_t;

typedef struct engine_env {
    const mf_env_t *env;
    const pyreq_t *request;    /* in force: env's, else .python-version's, else NULL (any) */
    char *request_real;        /* PYREQ_PATH: realpath of the requested executable, or NULL */
    observed_env_t obs;
    env_plan_t plan;
    interp_t *py;              /* resolved for plan.python_need, owned; NULL if none needed */
    python_need_t py_need;     /* the need py was resolved for */
    bool python_download;      /* no interpreter matches and the policy downloads one: the plan
                                  starts with ACT_DOWNLOAD_PYTHON, engine_apply does it */
    interp_t *facts;           /* the interpreter the environment has (or copies), from the probe
                                  cache: for markers and the package scheme; owned, may be NULL */
    want_set_t *wants;         /* the desired packages, NULL when not computed; owned */
    pkg_want_t *wview;         /* the planner's view of wants; owned */
    fetch_t fetch;             /* wheels verified for the plan's package actions (engine_apply) */
    env_result_t result;       /* after engine_apply */
    err_t *error;              /* why planning or applying this environment failed */
    char **dep_problems;       /* check_deps: what `pip check` would say, NULL when fine */
    /* The lock (lock/lock.h), for an environment that declares packages. */
    pylock_t *lock;            /* the lock in force (read, or resolved in this run); owned */
    char *lock_name;           /* "pylock.dev.toml" */
    char *lock_here;           /* the interpreter (real path) a relock in this run was for */
    lock_state_t lock_state;
    char **lock_changes;       /* what a relock changed ("+ idna 3.10"), NULL when nothing */
    char **lock_warnings;      /* the resolver's notes */
    struct seed *seed;         /* the pip wheel it is seeded from (fetch/seed.h), when looked up;
                                  owned */
    pkg_want_t seed_view;      /* the planner's view of the seed (desired_env_t.seeds) */
    char *seed_note;           /* seeded by default but no pip wheel was found: why (a warning
                                  in the report; `seed: true` makes it an error); owned */
} engine_env_t;

typedef struct engine {
    const manifest_t *m;
    engine_env_t *envs;
    size_t n;
    pyreq_t *version_file_req; /* parsed .python-version, owned */
    interp_list_t interps;     /* discovered lazily */
    fl_set_t *fl;              /* local wheel sources, scanned on first use */
    download_session_t *dl;    /* the index client, created on first need */
    bool discovered;
    const config_t *cfg;       /* the environment, read once (config/config.h) */
    const char *cache_dir;     /* cfg->cache_dir */
    FILE *log;                 /* -v notes and lock waits; NULL for silence */
    bool compile;              /* byte-compile installed packages in every environment (--compile) */
    bool verify;               /* check installed files against RECORD (--verify, --deep) */
    bool check_deps;           /* check installed distributions' Requires-Dist (check) */
    bool no_resolve;           /* check: never resolve; a stale or missing lock is drift */
    bool dry;                  /* plan: a relock is shown, not written */
    bool locked;               /* sync --locked: a stale or missing lock is an error */
    bool frozen;               /* sync --frozen: the lock as it is, never resolve */
    lock_ctx_t lockc;          /* what locking shares across environments */
    engine_builder_t builder;  /* local projects and sdists (engine/builder.h) */
    bool build_given;          /* --no-build / --no-binary: `build` for every environment */
    mf_build_t build;
    bool offline;              /* --offline: only caches and local files */
    http_progress_fn progress; /* live download progress (a terminal without -q/--no-progress) */
    void *progress_ctx;
    int verbosity;
    mf_link_mode_t link_mode;  /* --link-mode or VENVSYNC_LINK_MODE: overrides each environment's
                                  `link-mode`; LINK_MODE_DEFAULT when neither is given */
} engine_t;

/* Selects the named environments (all when n == 0) in manifest order. Unknown names are an
 * EXIT_USAGE error with a suggestion. */
err_t *engine_init(engine_t *en, const manifest_t *m, char *const *names, int n,
                   const config_t *cfg, FILE *log, int verbosity);
/* Observes and plans every selected environment. With resolve, finds the interpreters plans
 * need (and fills in their actions); without, only states are decided (check, list). Per-env
 * failures go to that env's `error`; the returned error is for failures of the whole run. */
err_t *engine_plan(engine_t *en, bool resolve);
/* Applies every plan that is not a no-op: lock, clean stale staging, re-observe, re-plan, apply.
 * Continues past a failing environment; returns the chained errors of all that failed. */
err_t *engine_apply(engine_t *en);
/* The interpreter the environment's request picks now (discovering if needed), whatever the
 * environment on disk has. The caller owns *out. */
err_t *engine_request_interp(engine_t *en, engine_env_t *ee, interp_t **out);
/* The report of everything the engine has planned and done so far (copies). */
void engine_report(const engine_t *en, report_t *out);
/* Errors recorded on environments during planning, chained (copies). NULL when none. With
 * refusals, also an EXIT_USAGE error for each plan that refuses (a foreign path), as sync would
 * fail (for `plan`). */
err_t *engine_plan_errors(const engine_t *en, bool refusals);
void engine_free(engine_t *en);

/* `venvsync lock`: resolves every selected environment that declares packages anew (with
 * en->lockc's upgrade settings) and writes its lock; states and changes go to the report. */
err_t *engine_lock(engine_t *en);

/* Outside a sync. Each observes, plans (plan_delete / plan_copy_to, pure), takes the target's
 * lock, observes and plans again (another run may have changed it meanwhile) and applies. A
 * refusal is an EXIT_USAGE error with the plan's reason; *done (may be NULL) receives the plan
 * that was applied (free with env_plan_free).
 *  - engine_delete: deletes the environment at path; one holding the user's own files
 *    (venv/user.h) is refused, naming them, unless force.
 *  - engine_copy: copies the environment at src to dst as `target` says (prompt, flags, name),
 *    sharing data per mode (venv/copytree.h), relocated to dst. */
err_t *engine_delete(const config_t *cfg, FILE *log, const char *path, const char *why,
                     bool force, env_plan_t *done);
/* What engine_delete would do, without the lock or any change: the refusal, or NULL. */
err_t *engine_plan_delete(const char *path, bool force);
err_t *engine_copy(const config_t *cfg, FILE *log, const char *src, const char *dst,
                   const mf_env_t *target, copy_mode_t mode, env_plan_t *done);
/* `prune`: the environments under m->root that plan_is_orphan() picks (absolute paths, sorted;
 * dot-names, which are staging leftovers, are sync's to clean). */
err_t *engine_orphans(const manifest_t *m, char ***paths);

#endif
