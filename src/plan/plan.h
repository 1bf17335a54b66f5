/*
 * plan: the pure decision. Given what the manifest wants for an environment and what is on disk,
 * say which state it is in and which ordered actions fix it, each with a reason.
 *
 * No I/O, no clock, no globals: every case is a unit test. An env_plan_t owns its strings and
 * actions; env_plan_free() releases them.
 *
 * Planning happens in two steps because finding an interpreter may start Python:
 *   1. plan_env(..., py = NULL) decides the state and whether an interpreter is needed
 *      (plan->python_need); a no-op stops here.
 *   2. the caller resolves an interpreter for plan->python_need and calls plan_env again with it,
 *      which fills in the actions that need one (create, recreate, relink, adopt).
 *
 * Packages (when desired_env_t.packages_known) of an environment changed in place or copied: an
 * ACT_CLEANUP per leftover temporary dist-info (dist_list_t.leftovers) first; then for each want
 * an install, upgrade, downgrade, or a reinstall of a damaged one (dist_t.damage or
 * dist_t.missing); with exact, an ACT_REMOVE for every other distribution. A damaged
 * distribution the manifest does not manage (exact: false) is left alone.
 */
#ifndef VENVSYNC_PLAN_PLAN_H
#define VENVSYNC_PLAN_PLAN_H
#include <stdbool.h>
#include <stddef.h>
#include "manifest/manifest.h"
#include "plan/observe.h"
#include "python/interp.h"
#include "python/request.h"

typedef enum {
    ST_OK,             /* matches */
    ST_MISSING,        /* no directory (or an empty one) */
    ST_DRIFTED,        /* activators, prompt or flags differ, or not yet recorded by venvsync */
    ST_WRONG_PYTHON,   /* interpreter does not satisfy the request */
    ST_BROKEN,         /* interpreter gone or changed, or the tree is half-written */
    ST_MOVED,          /* the directory was moved since it was written */
    ST_FOREIGN,        /* not a virtual environment: refused */
} env_state_t;

typedef enum {
    ACT_CREATE,            /* write a new environment (staged, renamed into place) */
    ACT_RECREATE,          /* write a new one beside, swap it in, remove the old */
    ACT_RELINK,            /* point the links and pyvenv.cfg at another build of the same minor */
    ACT_RELOCATE,          /* rewrite what names the old path (pyvenv.cfg, activators) */
    ACT_WRITE_CFG,         /* rewrite pyvenv.cfg keys (prompt, system-site-packages, venvsync's) */
    ACT_WRITE_ACTIVATOR,   /* (re)write one activation script; `to` names it */
    ACT_REFUSE,            /* foreign: leave it alone and fail */
    ACT_CLEANUP,           /* remove staging folders an interrupted run left beside the path;
                              with `package` set: the temporary dist-info of that name
                              (pkg/installed.h) that a killed install or removal left in
                              site-packages, finished by wheel_remove_leftover() */
    ACT_COPY,              /* start as a relocated copy of another environment (`from`) */
    ACT_INSTALL,           /* install `package` at version `to` */
    ACT_UPGRADE,           /* replace `package` `from` with the higher `to` */
    ACT_DOWNGRADE,         /* replace `package` `from` with the lower `to` */
    ACT_REMOVE,            /* uninstall `package` `from` (exact: the manifest does not list it) */
    ACT_REINSTALL,         /* `package` `to` is installed but damaged: its files differ from its
                              RECORD (check --deep, sync --verify), or its .dist-info lacks
                              METADATA or RECORD (dist_t.missing) */
    ACT_DOWNLOAD_PYTHON,   /* no interpreter matches: download a managed one for `to` (the
                              request) first; the engine does it, then plans again */
    ACT_DELETE,            /* delete the whole environment (`remove`, `prune`) */
    ACT_SEED,              /* install seed `package` at version `to` (pip, as `python -m venv`
                              does; `seed` in venv.yaml), from the wheel fetch/seed.h finds */
} action_kind_t;

typedef struct action {
    action_kind_t kind;
    char *package;         /* package actions; a leftover's name for ACT_CLEANUP; else NULL */
    char *from, *to;       /* e.g. old and new prompt, old and new interpreter; may be NULL */
    char *reason;          /* never NULL */
} action_t;

typedef enum {
    NEED_NONE,             /* no interpreter needed */
    NEED_REQUEST,          /* the best interpreter for the request */
    NEED_SAME_MINOR,       /* the best for the request with major.minor = need_major.need_minor
                              (and the same free-threading): a relink candidate; if none, the
                              caller falls back to NEED_REQUEST and the plan recreates */
    NEED_OWN,              /* the environment's own interpreter (link_target), to adopt it */
} python_need_t;

typedef struct env_plan {
    char *name;
    char *path;
    env_state_t state;
    char *reason;          /* why this state, one line; NULL for ok */
    char *python;          /* label of the interpreter the environment has or will have; may be NULL */
    python_need_t python_need;
    int need_major, need_minor;
    bool need_freethreaded;
    action_t *actions;
    size_t nactions, cap;
} env_plan_t;

/* One pinned package the manifest wants in an environment (markers already evaluated). */
typedef struct pkg_want {
    const char *key;       /* normalized name */
    const char *name;      /* as written */
    const char *version;   /* the pinned version; NULL for a local project (its build decides) */
    const char *origin;    /* where it was asked for ("venv.yaml:12:7"), for reasons */
    const char *source;    /* a local project: the identity of its build (dist_t.source), which
                              the installed distribution must carry; else NULL */
} pkg_want_t;

/* What the planner needs to know about the desired environment. */
typedef struct desired_env {
    const mf_env_t *env;          /* name, path, prompt, flags, upgrade policy */
    const pyreq_t *request;       /* the request in force (env, manifest, .python-version); NULL = any */
    const char *request_real;     /* PYREQ_PATH: the real path of the requested executable, or
                                     NULL when it does not exist (then nothing matches it) */
    const observed_env_t *copy_src; /* copy-from: the source environment as observed, or NULL */
    const char *copy_pending;     /* copy-from: the source's path when it cannot be copied yet
                                     but this run syncs it first (plan shows the copy sync will
                                     make); NULL otherwise */
    const char *copy_pending_python; /* the interpreter label the source's plan gives it */
    bool manages_packages;        /* the environment (or its copy-from source) declares
                                     `packages:` or `requirements:`, even empty */
    const pkg_want_t *wants;      /* sorted by key; the packages the environment must hold */
    size_t nwants;
    bool packages_known;          /* wants is meaningful (false: packages are not compared) */
    bool python_download;         /* no interpreter matches the request and sync downloads one
                                     (python-downloads: automatic): with py NULL, the plan
                                     downloads, then creates or recreates */
    const pkg_want_t *seeds;      /* the seeded packages (`seed`): each one the environment (new,
                                     recreated, copied or existing) lacks gets ACT_SEED, unless
                                     wants installs it; exact never removes them. version: the
                                     seed wheel's, or NULL when the caller did not look for it
                                     (then nothing is planned for it); origin: the reason */
    size_t nseeds;
} desired_env_t;

/* Fills *out (zeroed first). py: the resolved interpreter for out->python_need, or NULL. */
void plan_env(const desired_env_t *d, const observed_env_t *o, const interp_t *py, env_plan_t *out);
void env_plan_free(env_plan_t *p);

/* Outside a sync (`remove`, `prune`, `copy`): the same two-part answer, a state and actions.
 *
 * plan_delete: deleting what is at o->path. A virtual environment (a real directory holding
 * pyvenv.cfg) gets ACT_DELETE with `why` as its reason, unless it holds the user's own files
 * (o->user_files) and force is false: then it is refused, naming them. Anything else is foreign
 * (ACT_REFUSE); nothing there is ST_MISSING with no action.
 * plan_copy_to: copying the environment src into the new path dst: ACT_COPY, or ACT_REFUSE when
 * src is not an environment, dst is neither absent nor an empty directory, or the two overlap.
 * plan_is_orphan: whether `prune` removes the environment o found under root: venvsync wrote it
 * (its pyvenv.cfg carries venvsync's keys), it is a real directory, and the manifest does not
 * name it (named). */
void plan_delete(const observed_env_t *o, const char *why, bool force, env_plan_t *out);
void plan_copy_to(const observed_env_t *src, const observed_env_t *dst, env_plan_t *out);
bool plan_is_orphan(const observed_env_t *o, bool named);

const char *env_state_name(env_state_t s);      /* "ok", "missing", "wrong-python", ... */
const char *action_kind_name(action_kind_t k);  /* "create", "write-activator", ... */
/* '+' (adds), '-' (removes), '~' (changes), '!' (refuses). */
char action_sigil(action_kind_t k);
/* True when the plan starts by downloading a Python (ACT_DOWNLOAD_PYTHON). */
bool env_plan_downloads_python(const env_plan_t *p);
/* True when applying the plan changes nothing (state ok, no actions). */
bool env_plan_is_noop(const env_plan_t *p);
/* True when the environment differs from the manifest (any state but ok). Staging leftovers of
 * an interrupted run beside it alone are not drift: sync removes them, check does not complain.
 * (A leftover inside it, a temporary dist-info in site-packages, comes with package changes and
 * is drift: files of a half-installed or half-removed distribution are there.) */
bool env_plan_is_drift(const env_plan_t *p);

#endif
