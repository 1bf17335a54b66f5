/*
 * seed: pip in an environment, where `python -m venv` would put it (`seed` in venv.yaml).
 *
 * Which environments: seed_wanted() is the manifest's `seed: true|false`, and without it true
 * only when the environment (with the environments it is copied from) declares neither
 * `packages` nor `requirements`: the user installs by hand, so pip must be there, as after
 * `python -m venv`. `packages: []` declares exactly nothing: not seeded unless `seed: true`.
 *
 * Which pip: the wheel the interpreter bundles for ensurepip, so seeding is offline and needs no
 * index. seed_find() looks, in order, in
 *   <base_prefix>/<platlibdir>/pythonX.Y[t]/ensurepip/_bundled  (CPython; also lib/ when
 *                                                                platlibdir is lib64)
 *   <base_prefix>/lib/pypyX.Y/ensurepip/_bundled, <base_prefix>/lib-python/3/...  (PyPy)
 *   system_wheels (Debian's /usr/share/python-wheels, from python3-venv / python3-pip-whl),
 *     only for an interpreter whose base_prefix is /usr: Debian patches ensurepip to use it
 * and takes the newest pip-*.whl of the first directory that has one. It only lists
 * directories: no Python runs.
 *
 * How: the engine gives the planner a pkg_want_t for pip (plan/plan.h's desired_env_t.seeds);
 * the plan says `+ seed pip X.Y`; seed_fetch() adds the unpacked wheel to the plan's fetch_t,
 * and apply installs it with venvsync's own installer, in the staging tree of a new
 * environment like any package. No wheel: an error for `seed: true`; seeded by default, the
 * engine plans no seed and warns.
 *
 * A seed_t owns its strings and its want; seed_free() releases it.
 */
#ifndef VENVSYNC_FETCH_SEED_H
#define VENVSYNC_FETCH_SEED_H
#include <stdbool.h>
#include "fetch/fetch.h"
#include "manifest/manifest.h"
#include "python/interp.h"
#include "resolve/want.h"
#include "util/err.h"

#define SEED_PACKAGE "pip"
#define SEED_SYSTEM_WHEELS "/usr/share/python-wheels"

typedef struct seed {
    char *wheel;           /* absolute path of the pip wheel */
    char *interp;          /* realpath of the interpreter it was found for */
    want_pkg_t want;       /* key and name "pip", version from the file name, requested, origin
                              "the interpreter's ensurepip bundle (PATH)" or "Debian's
                              python-wheels (PATH)"; extras and hashes empty */
} seed_t;

/* Whether env is seeded (see above). */
bool seed_wanted(const manifest_t *m, const mf_env_t *env);

/* The directories seed_find() searches for py, in order (NULL-terminated, malloc'd: strv_free). */
char **seed_bundle_dirs(const interp_t *py, const char *system_wheels);

/* The pip wheel for py. EXIT_USAGE when there is none, naming the directories searched, with a
 * hint (python3-venv on Debian, or `seed: false`). */
err_t *seed_find(const interp_t *py, const char *system_wheels, seed_t **out);
void seed_free(seed_t *s);

/* Unpacks s's wheel into the cache (verified as every wheel is) and appends it to f, so that
 * apply_packages() finds it for the plan's ACT_SEED. f's new item borrows s->want: s must
 * outlive f. EXIT_APPLY on failure; f is unchanged then. */
err_t *seed_fetch(const seed_t *s, const char *cache_dir, fetch_t *f);

#endif
