/*
 * env: isolated build environments (PEP 517 "Build environment"), cached and shared.
 *
 * A build environment is a virtual environment without system site-packages, written natively
 * (venv/venv.h) for the given interpreter, holding exactly the wheels the caller resolved for a
 * build (build-system.requires, plus what get_requires_for_build_* asked for), installed with
 * wheel/install.h from the unpacked-wheel cache (hard links where possible). Nothing is resolved
 * here and pip never runs. Once installed, the environment is byte-compiled by one run of the
 * interpreter, as pip's build environments are: every .py file in its site-packages, and (for
 * CPython) the hook runner, which build/backend.h's backend_runner_write() puts into
 * <venv>/venvsync-hooks-<hash>/ and which is compiled to hooks.pyc there. Hooks then import the
 * backend from .pyc files, whatever PYTHONDONTWRITEBYTECODE says (setuptools: ~10 MiB less at
 * a hook's peak, ~0.4 s less per hook). Files that do not compile stay source (not an error).
 *
 * Layout, under <cache>/builds-v1/envs/:
 *
 *   <key>/venv/       the environment (what backend_opts_t.env_dir takes)
 *   <key>/COMPLETE    the key's text (see buildenv_key); written before the rename, so an entry
 *                     without it is not one
 *   .tmp-XXXXXX/      an environment being made; .trash-XXXXXX/ one being deleted
 *
 * The key is the first 32 hex digits of the sha256 of: a format line (format 2: compiled), the interpreter's identity
 * (real path, implementation, version, abiflags, size and mtime of the executable: an upgraded
 * interpreter makes new environments) and one line per wheel, "<normalized name>==<version>
 * <sha256 of the .whl>", sorted. The order the wheels are given in does not matter.
 *
 * An environment is made in a private .tmp directory (its pyvenv.cfg and launchers already name
 * the final path) and renamed into place in one step: readers see a complete environment or
 * none. Two runs making the same one at once both succeed; the first rename wins, the other
 * deletes its copy and uses the winner's. A reused environment's COMPLETE gets its mtime
 * touched (when it was last used, for pruning).
 *
 * Ownership: buildenv_t owns its strings (buildenv_free). The wheels stay the caller's.
 * Thread-safe: no shared state.
 */
#ifndef VENVSYNC_BUILD_ENV_H
#define VENVSYNC_BUILD_ENV_H
#include <stdbool.h>
#include <stddef.h>
#include "python/interp.h"
#include "util/buf.h"
#include "util/err.h"
#include "wheel/cache.h"

#define BUILDENV_SUBDIR "envs"

typedef struct buildenv {
    char *dir;                  /* <cache>/builds-v1/envs/<key>/venv */
    char *python;               /* <dir>/bin/python */
    char key[33];
    bool reused;                /* it was there: nothing was written or installed */
    size_t n_installed;         /* wheels installed by this call */
} buildenv_t;

/* The key for (py, wheels) in out, and the text it hashes in text (may be NULL; appended).
 * Errors (EXIT_APPLY): two wheels of one project. */
err_t *buildenv_key(const interp_t *py, wheel_unpacked_t *const *wheels, size_t n,
                    char out[33], buf_t *text);

/* The build environment of py holding exactly wheels[0..n), made when absent (see above).
 * Errors are EXIT_APPLY: the interpreter cannot host a venv, writing or installing failed. */
err_t *buildenv_get(const char *cache_dir, const interp_t *py, wheel_unpacked_t *const *wheels,
                    size_t n, buildenv_t *out);

void buildenv_free(buildenv_t *b);

#endif
