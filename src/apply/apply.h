/*
 * apply: carrying out one environment's plan on disk.
 *
 * Every change is atomic at the level the user can see:
 *  - create: the tree is written into a staging directory beside the target
 *    (".<name>.venvsync-stage-new-XXXXXX") and renamed into place;
 *  - recreate: the new tree is staged the same way, renamed to "...-stage-old-XXXXXX" and
 *    exchanged with the old one in a single renameat2(RENAME_EXCHANGE); the old tree gives the
 *    user's files to the new one and is deleted only after the swap;
 *  - files are replaced with fs_write_atomic, links with fs_symlink_replace.
 * An interrupted run therefore leaves the old environment or the new one, never a mix, and
 * apply_cleanup_stale() finishes what a killed run left behind: "new-" trees (half written, never
 * the user's) are deleted, "old-" trees give the user's files to the environment first.
 *
 * The caller holds the environment's lock (lock.h) and has re-observed and re-planned under it.
 * apply never touches a path the plan calls foreign.
 */
#ifndef VENVSYNC_APPLY_APPLY_H
#define VENVSYNC_APPLY_APPLY_H
#include "manifest/manifest.h"
#include "plan/observe.h"
#include "plan/plan.h"
#include "python/interp.h"
#include "util/err.h"
#include "fetch/fetch.h"
#include "venv/copytree.h"
#include "wheel/install.h"

/* The package side of a plan: the interpreter whose scheme the environment has after the plan
 * (the new one for create/recreate/relink, the source's for a copy, else its own), and the
 * verified wheels (engine/fetch.h). */
typedef struct pkg_step {
    const interp_t *py;
    const fetch_t *fetch;
    bool compile;          /* byte-compile what is installed (manifest `compile`, --compile) */
    wheel_link_mode_t link; /* how files come from the cache (`link-mode`, --link-mode) */
    const char *cache_dir; /* venvsync's cache: the unpacked wheels that stand in for a damaged
                              distribution's missing RECORD (apply/packages.h) */
} pkg_step_t;

/* Applies p for env e. py is the interpreter the plan was made with (NULL when the plan needs
 * none). o is the observation the plan was made from. pkgs may be NULL when p has no package
 * actions. Packages of a new tree are installed into the staging copy before it is renamed into
 * place, so a new environment appears complete or not at all. */
err_t *apply_env(const mf_env_t *e, const observed_env_t *o, const env_plan_t *p,
                 const interp_t *py, const pkg_step_t *pkgs);

/* Copies the environment at src to dst (absent or an empty directory): the tree is copied into
 * a staging directory beside dst (sharing data as copytree.h says), relocated, given e's prompt
 * and venvsync's keys for dst, and renamed into place. src is only read. */
err_t *apply_copy_env(const char *src, const char *dst, const mf_env_t *e, copy_mode_t mode,
                      const env_plan_t *p, const pkg_step_t *pkgs);

/* Deletes the virtual environment at path: it must be a real directory (not a link) holding a
 * pyvenv.cfg, else nothing is touched and an EXIT_USAGE error says why. The tree is first renamed
 * to a staging name beside it (so it disappears at once, and a killed removal is finished by the
 * next run's cleanup), then deleted. The caller holds the environment's lock. */
err_t *apply_remove_env(const char *path);

/* Finishes the staging, swap and removal leftovers of earlier, killed runs beside env_path (see
 * apply.c for the kinds); an "old-" tree goes back into place when the environment is missing.
 * Returns how many were finished. */
int apply_cleanup_stale(const char *env_path);

#endif
