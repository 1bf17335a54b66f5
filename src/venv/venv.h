/*
 * venv: writing a virtual environment natively, the tree `python -m venv --without-pip` writes
 * for the same interpreter on Linux:
 *
 *   bin/<exe_name> -> <interp path> (absolute link, unresolved: venv uses sys._base_executable)
 *   bin/python, bin/python3, bin/python3.X -> <exe_name> (relative links; 3.8: python, python3 only;
 *                                             names that equal exe_name are not duplicated)
 *   bin/<activators>                        (see activators.h)
 *   include/ (and include/pythonX.Y/ on 3.11+), lib/pythonX.Y[t]/site-packages/
 *   lib64 -> lib                            (relative; 64-bit only)
 *   pyvenv.cfg                              (venv's keys in venv's order, then venvsync's: cfg.h)
 *   .gitignore                              ("*\n", as 3.13 writes)
 *
 * Content that names the environment (pyvenv.cfg, activators) uses p->path, the final location,
 * even when the tree is written elsewhere (a staging directory that is renamed into place).
 */
#ifndef VENVSYNC_VENV_VENV_H
#define VENVSYNC_VENV_VENV_H
#include <stdbool.h>
#include "python/interp.h"
#include "util/buf.h"
#include "util/err.h"

typedef struct venv_params {
    const char *path;              /* final absolute path of the environment */
    const interp_t *py;            /* base interpreter */
    const char *prompt;            /* bare prompt */
    bool system_site_packages;
} venv_params_t;

/* The pyvenv.cfg content for p (deterministic). */
void venv_render_cfg(const venv_params_t *p, buf_t *out);
/* Writes the whole environment into dir, which must exist and be empty. */
err_t *venv_write(const venv_params_t *p, const char *dir);
/* (Re)writes every activator of the environment at dir for (venv_dir, prompt), atomically each. */
err_t *venv_write_activators(const char *dir, const char *venv_dir, const char *prompt);
/* The name prefix of the staging folders venvsync writes beside the environment at env_path
 * (".<basename>.venvsync-stage-"), malloc'd. Anything beside it with that prefix is venvsync's. */
char *venv_stage_prefix(const char *env_path);

/* The relative names of the interpreter links in bin/ for py, NULL-terminated, malloc'd. */
char **venv_python_links(const interp_t *py);

#endif
