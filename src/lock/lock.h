/*
 * lock: the lock stage. An environment that declares packages gets a PEP 751 lock,
 * `pylock.<env>.toml` beside the manifest (resolve/pylock.h), made by the universal resolver
 * (resolve/universal.h) over the package sources (lock/source.h), and installs exactly what the
 * lock selects for its interpreter.
 *
 *  - Inputs (lock_inputs_read): the environment's requirements and constraints (packages:,
 *    requirements files, and those of its copy-from sources) with where each was written, the
 *    Python request, the sources (index, extra indexes, find-links), and their digest: a sha256
 *    over a canonical text of all of it, in which paths are relative to the manifest's folder
 *    so that a lock committed by one team member is fresh in every checkout. The digest is
 *    stored in the lock ([tool.venvsync] inputs): a lock whose digest matches, and whose
 *    selection meets the root requirements (lock_is_fresh), is fresh, and a sync with a fresh
 *    lock installs it without resolving (no network).
 *  - Resolution (lock_resolve): the targets are Linux (glibc), macOS and Windows on x86-64 and
 *    arm64 for every CPython minor the request allows (3.8 to 3.14 when it allows any), and this
 *    machine's target must have a solution; versions already in the old lock are preferred
 *    (the lock changes as little as possible) unless upgraded. Every wheel of each locked
 *    version and its sdist go in the lock, with size and sha256; local files by path relative
 *    to the lock's folder.
 *  - Installation (lock_wants): PEP 751's selection for the interpreter, as the want set the
 *    planner compares with the environment and the fetcher downloads and verifies (every file
 *    against its sha256; hashes a requirements file gives must include the locked file's).
 *
 * Ownership: lock_ctx_t borrows everything; lock_inputs_t owns its contents (lock_inputs_free);
 * locks are pylock_t (pylock_free).
 */
#ifndef VENVSYNC_LOCK_LOCK_H
#define VENVSYNC_LOCK_LOCK_H
#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"
#include "index/download.h"
#include "index/findlinks.h"
#include "index/metadata.h"
#include "lock/source.h"
#include "manifest/manifest.h"
#include "python/interp.h"
#include "resolve/pylock.h"
#include "resolve/solve.h"
#include "resolve/want.h"
#include "util/err.h"

/* What the lock operations of a run share (connections, parsed pages, metadata). */
typedef struct lock_ctx {
    const config_t *cfg;
    const manifest_t *m;
    const char *cache_dir;
    bool offline;
    download_session_t **session;   /* the run's index client, created on first need */
    fl_set_t **fl;                  /* local find-links, scanned on first need */
    metadata_t *meta;               /* created on first need; lock_ctx_free */
    http_progress_fn progress;
    void *progress_ctx;
    bool upgrade_all;               /* --upgrade */
    char *const *upgrade;           /* --upgrade-package NAME... (normalized) */
    const lock_builder_t *builder;  /* local projects and sdists (lock/source.h); NULL: none */
    bool no_build;                  /* versions with only an sdist are unavailable */
    bool no_binary;                 /* every version is built from its sdist (build: always) */
} lock_ctx_t;

void lock_ctx_free(lock_ctx_t *c);

typedef struct lock_inputs {
    reqfile_t *rf;                  /* everything read */
    rs_requirement_t *reqs;         /* the root requirements (borrowing rf) */
    size_t nreqs;
    rs_requirement_t *constraints;
    size_t nconstraints;
    char **origins;                 /* the "FILE:LINE" strings reqs/constraints point at */
    char *digest;                   /* "fnv128:<hex>" */
    char *path;                     /* the lock file, absolute */
    char *name;                     /* "pylock.dev.toml" */
    const pyreq_t *python;          /* the request in force (borrowed), NULL: any */
    bool here_only;                 /* resolve for this machine's interpreter only (build
                                     * environments), not universally */
    bool prefer_sdist;              /* install sdists over wheels (the context's no_binary) */
    char *const *environments;      /* the manifest's `lock-environments` (borrowed), NULL: the
                                     * lock covers every standard target */
    bool given;                     /* `pylock:`: a lock another tool wrote, at path, installed
                                     * as it is: never resolved, written or judged stale (reqs
                                     * empty, digest "given") */
} lock_inputs_t;

err_t *lock_inputs_read(const lock_ctx_t *c, const mf_env_t *env, const pyreq_t *python,
                        lock_inputs_t *out);
/* Inputs for a build environment: the requirements reqs (PEP 508 strings; NULL-terminated),
 * read as lines of a requirements file named `label` in messages, with the package sources of
 * the manifest and of opts (an environment's requirements files' -i / -f / --no-index; may be
 * NULL), resolved for the machine's interpreter only. Never a file: nothing is saved. */
err_t *lock_inputs_build(const lock_ctx_t *c, const char *label, char *const *reqs,
                         const rf_options_t *opts, lock_inputs_t *out);
void lock_inputs_free(lock_inputs_t *in);

/* The lock file: *out NULL when there is none. A file that does not read as a lock is an
 * EXIT_USAGE error naming the line. */
err_t *lock_load(const lock_inputs_t *in, pylock_t **out);
/* Whether l was made from these very inputs (the digest) and, when py is given, still meets
 * them there: every root requirement that applies to py is selected at a version it allows. A
 * lock edited by hand (or merged badly) may not, and must not be installed as if it were
 * fresh: such a lock is stale (relocked by sync, refused by sync --locked, drift for check). */
bool lock_is_fresh(const pylock_t *l, const lock_inputs_t *in, const interp_t *py);
/* Whether l admits the interpreter py at all (requires-python, environments): a lock made for
 * another interpreter (a path request that changed, a run killed before its recreate) does
 * not, and is made again. */
bool lock_covers(const pylock_t *l, const interp_t *py);
/* The same, for requires-python alone: a fresh lock that admits py's Python but not its
 * platform was narrowed away from it (`lock-environments`), and relocking would not help. */
bool lock_covers_python(const pylock_t *l, const interp_t *py);
/* Whether l is kept as it is for py, without resolving: fresh (lock_is_fresh) and either
 * admitting py, or narrowed away from py's platform by the manifest's lock-environments while
 * admitting its Python (relocking would make the same lock; installing it is refused). */
bool lock_keep(const pylock_t *l, const lock_inputs_t *in, const interp_t *py);

/* Resolves anew (see above). here: the interpreter of this machine (its target must be solved),
 * or NULL. old: the current lock (preferences), or NULL. *out is the new lock; *warnings
 * (strv, may be NULL) what the user should know. No solution is an EXIT_USAGE error carrying
 * the explanation. */
err_t *lock_resolve(lock_ctx_t *c, const char *env_name, const lock_inputs_t *in,
                    const pylock_t *old, const interp_t *here, pylock_t **out, char ***warnings);
/* Writes l atomically at in->path; a file that already holds these bytes is left as it is. */
err_t *lock_save(const lock_inputs_t *in, const pylock_t *l);
/* What changed from old (NULL: nothing) to new, one line each: "+ idna 3.10",
 * "~ requests 2.31.0 -> 2.32.3", "- chardet 5.2.0"; NULL when nothing did. */
char **lock_diff(const pylock_t *old, const pylock_t *new_lock);

/* PEP 751's selection of l for the interpreter py, as a want set (see above). The want set takes
 * in->rf (the requirements read, for their hashes and options): in's requirements are gone
 * afterwards (in->nreqs is 0); only its paths, names and digest remain. */
err_t *lock_wants(const pylock_t *l, lock_inputs_t *in, const interp_t *py, want_set_t **out);

#endif
